// `snap copy` end to end: between repositories made with `init --from-repo` (blob ids kept), between
// unrelated encrypted repositories (re-identified), through an unencrypted one; a second run sends
// nothing; what is restored from a copy is bit-identical to what is restored from the source.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, rmSync, symlinkSync, writeFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { openRepository } from '../../src/repository/openRepository.js';
import { BlobType } from '../../src/ids.js';
import { diffTrees, Sandbox, snapshotTree, TEST_KDF } from './helpers.js';

interface CopyDoc {
  snapshots_copied: number;
  snapshots_skipped: number;
  blobs_copied: number;
  bytes_copied: number;
  bytes_stored: number;
  blob_ids: string;
  snapshots: Array<{ id: string; target_id: string; copied: boolean }>;
}

interface ListRow {
  id: string;
  time: string;
  hostname: string;
  paths: string[];
  tags: string[];
  parent_id: string | null;
}

const PW_A = 'source password';

/** Blob ids (hex) of one type in a repository, read through the library. */
async function blobIds(location: string, password: string | undefined, cacheDir: string, type: BlobType): Promise<Set<string>> {
  const repo = await openRepository({ location, password: async () => Buffer.from(password ?? ''), cacheDir });
  try {
    const out = new Set<string>();
    for (const { id, loc } of (await repo.blobIndex()).entries()) if (loc.type === type) out.add(id.toString('hex'));
    return out;
  } finally {
    await repo.close();
  }
}

describe('snap copy', () => {
  const sb = new Sandbox(PW_A);
  const src = sb.path('data');
  let first: ListRow;
  let second: ListRow;

  /** Another repository in the sandbox: its location and the env that makes it the target. */
  const target = (name: string, password: string | undefined) => ({
    repo: sb.path(name),
    env: { ...(password === undefined ? {} : { SNAP_TO_PASSWORD: password }) },
    as: { SNAP_REPO: sb.path(name), ...(password === undefined ? {} : { SNAP_PASSWORD: password }) } as Record<string, string>,
  });

  const copy = (to: string, env: Record<string, string>, extra: string[] = []) => sb.json<CopyDoc>(['copy', ...extra, '--to', to], { env });

  /** Restore a snapshot of `repoEnv` into a fresh folder; returns the restored copy of `src`. */
  const restore = (label: string, snapshot: string, repoEnv: Record<string, string> = {}) => {
    const out = sb.path('restore', label);
    sb.ok(['restore', snapshot, out], { env: repoEnv });
    return snapshotTree(path.join(out, src));
  };

  /** The target passes `check --read-data`, and its audit log records the copy (when those commands exist). */
  const checkTarget = (env: Record<string, string>) => {
    if (sb.run(['check', '--help']).code === 0) {
      const r = sb.run(['check', '--read-data', '--json'], { env });
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout).errors).toEqual([]);
    }
    if (sb.run(['log', '--help']).code === 0) {
      const log = sb.json<Array<{ operation: string; snapshot_ids: string[] }>>(['log'], { env });
      expect(log.filter((e) => e.operation === 'copy').map((e) => e.snapshot_ids.length)).toEqual([2]);
    }
  };

  beforeAll(() => {
    // Small chunks: a 3 MiB file has ~3000 chunks (an indirect chunk list), and a folder of 1500
    // files is a tree of several parts: both are rebuilt when ids are re-identified.
    sb.init(['--chunk-size', '512,1024,4096']);
    mkdirSync(path.join(src, 'big', 'many'), { recursive: true });
    mkdirSync(path.join(src, 'nested', 'deeper'), { recursive: true });
    writeFileSync(path.join(src, 'big', 'random.bin'), randomBytes(3 * 1024 * 1024));
    writeFileSync(path.join(src, 'text.txt'), 'line of text that repeats\n'.repeat(20_000));
    writeFileSync(path.join(src, 'empty'), '');
    writeFileSync(path.join(src, 'nested', 'deeper', 'x'), 'x');
    for (let i = 0; i < 1500; i++) writeFileSync(path.join(src, 'big', 'many', `file-with-a-long-name-${String(i).padStart(5, '0')}.txt`), `${i}\n`);
    symlinkSync('text.txt', path.join(src, 'link'));
    linkSync(path.join(src, 'text.txt'), path.join(src, 'hardlink.txt'));
    sb.ok(['create', src, '--tag', 'nightly', '--host', 'hostA', '--time', '2026-01-01T02:00:00+01:00']);
    writeFileSync(path.join(src, 'big', 'random.bin'), Buffer.concat([randomBytes(4096), randomBytes(3 * 1024 * 1024)]));
    writeFileSync(path.join(src, 'added.txt'), 'new file\n');
    sb.ok(['create', src, '--tag', 'nightly', '--host', 'hostA', '--time', '2026-01-02T02:00:00+01:00']);
    [first, second] = sb.json<ListRow[]>(['list']) as [ListRow, ListRow];
    expect(second.parent_id).toBe(first.id);
  });
  afterAll(() => sb.cleanup());

  it('init --from-repo: copy keeps blob ids, restores bit-identically, and a second run sends nothing', async () => {
    const b = target('repo-b', 'password b');
    const pwFile = sb.path('source-password');
    writeFileSync(pwFile, `${PW_A}\n`);
    const made = sb.json<{ chunker: { min: number; avg: number; max: number } }>(
      ['init', '--kdf', TEST_KDF, '--from-repo', sb.repo, '--from-password-file', pwFile],
      { env: b.as },
    );
    expect(made.chunker).toEqual({ min: 512, avg: 1024, max: 4096 });
    const doc = copy(b.repo, b.env);
    expect(doc).toMatchObject({ snapshots_copied: 2, snapshots_skipped: 0, blob_ids: 'kept' });
    expect(doc.blobs_copied).toBeGreaterThan(3000);
    expect(doc.bytes_copied).toBeGreaterThan(6 * 1024 * 1024);

    // The target's data and tree blobs have exactly the source's ids.
    for (const type of [BlobType.Data, BlobType.Tree]) {
      const a = await blobIds(sb.repo, PW_A, sb.cache, type);
      const bIds = await blobIds(b.repo, 'password b', sb.cache, type);
      expect(bIds.size).toBeGreaterThan(0);
      expect([...bIds].sort()).toEqual([...a].sort());
    }

    const listed = sb.json<ListRow[]>(['list'], { env: b.as });
    expect(listed.map((s) => [s.time, s.hostname, s.paths, s.tags])).toEqual([first, second].map((s) => [s.time, s.hostname, s.paths, s.tags]));
    expect(listed[1]!.parent_id).toBe(listed[0]!.id);
    expect(doc.snapshots.map((s) => [s.id, s.target_id, s.copied])).toEqual([
      [first.id, listed[0]!.id, true],
      [second.id, listed[1]!.id, true],
    ]);

    expect(diffTrees(snapshotTree(src), restore('b-latest', 'latest', b.as))).toEqual([]);
    expect(diffTrees(restore('a-first', first.id), restore('b-first', listed[0]!.id, b.as))).toEqual([]);

    checkTarget(b.as);
    const again = copy(b.repo, b.env);
    expect(again).toMatchObject({ snapshots_copied: 0, snapshots_skipped: 2, blobs_copied: 0, bytes_copied: 0 });
    expect(sb.json<ListRow[]>(['list'], { env: b.as })).toHaveLength(2);

    // Shared chunker and id keys: backing the same data up into the target directly adds nothing.
    const direct = sb.json<{ bytes_added: number }>(['create', src, '--host', 'hostB'], { env: b.as });
    expect(direct.bytes_added).toBe(0);
  });

  it('unrelated encrypted repositories: blobs are re-identified, restores are bit-identical, copying again sends nothing', async () => {
    const c = target('repo-c', 'password c');
    sb.ok(['init', '--kdf', TEST_KDF], { env: c.as });
    const doc = copy(c.repo, c.env);
    expect(doc).toMatchObject({ snapshots_copied: 2, snapshots_skipped: 0, blob_ids: 're-identified' });

    const aData = await blobIds(sb.repo, PW_A, sb.cache, BlobType.Data);
    const cData = await blobIds(c.repo, 'password c', sb.cache, BlobType.Data);
    // The source's chunk boundaries are kept: as many chunks, none with the same id.
    expect(cData.size).toBe(aData.size);
    expect([...cData].filter((id) => aData.has(id))).toEqual([]);

    const listed = sb.json<ListRow[]>(['list'], { env: c.as });
    expect(listed.map((s) => [s.time, s.hostname, s.paths, s.tags])).toEqual([first, second].map((s) => [s.time, s.hostname, s.paths, s.tags]));
    expect(listed[1]!.parent_id).toBe(listed[0]!.id);
    expect(diffTrees(snapshotTree(src), restore('c-latest', 'latest', c.as))).toEqual([]);
    expect(diffTrees(restore('a-first-2', first.id), restore('c-first', listed[0]!.id, c.as))).toEqual([]);

    checkTarget(c.as);
    const again = copy(c.repo, c.env);
    expect(again).toMatchObject({ snapshots_copied: 0, snapshots_skipped: 2, blobs_copied: 0 });

    // Without the translation cache, the walk finds everything present and still sends nothing.
    const srcCache = readdirSync(sb.cache).map((d) => path.join(sb.cache, d, 'copy'));
    for (const d of srcCache) rmSync(d, { recursive: true, force: true });
    const third = copy(c.repo, c.env);
    expect(third).toMatchObject({ snapshots_copied: 0, snapshots_skipped: 2, blobs_copied: 0 });
    expect(sb.json<ListRow[]>(['list'], { env: c.as })).toHaveLength(2);
  });

  it('copies only the given snapshots, then the rest', () => {
    const d = target('repo-d', 'password d');
    sb.ok(['init', '--kdf', TEST_KDF], { env: d.as });
    const one = copy(d.repo, d.env, [first.id.slice(0, 8)]);
    expect(one).toMatchObject({ snapshots_copied: 1, snapshots_skipped: 0 });
    expect(one.snapshots.map((s) => s.id)).toEqual([first.id]);
    const rest = copy(d.repo, d.env);
    expect(rest).toMatchObject({ snapshots_copied: 1, snapshots_skipped: 1 });
    expect(rest.blobs_copied).toBeGreaterThan(0);
    const listed = sb.json<ListRow[]>(['list'], { env: d.as });
    expect(listed.map((s) => s.time)).toEqual([first.time, second.time]);
    // The second copy's parent is the copy of its source parent, found in this run's skip.
    expect(listed[1]!.parent_id).toBe(listed[0]!.id);
    expect(sb.json<CopyDoc>(['copy', '--to', d.repo, '--tag', 'nothing-has-this'], { env: d.env })).toMatchObject({ snapshots_copied: 0, snapshots_skipped: 0 });
  });

  it('through an unencrypted repository and back into an encrypted one', () => {
    const u = target('repo-u', undefined);
    sb.ok(['init', '--encryption', 'none'], { env: u.as });
    expect(copy(u.repo, u.env)).toMatchObject({ snapshots_copied: 2, blob_ids: 're-identified' });
    const e = target('repo-e', 'password e');
    sb.ok(['init', '--kdf', TEST_KDF], { env: e.as });
    const fromU = sb.json<CopyDoc>(['copy', '--to', e.repo], { env: { ...u.as, ...e.env } });
    expect(fromU).toMatchObject({ snapshots_copied: 2, blob_ids: 're-identified' });
    expect(diffTrees(snapshotTree(src), restore('u-latest', 'latest', u.as))).toEqual([]);
    expect(diffTrees(snapshotTree(src), restore('e-latest', 'latest', e.as))).toEqual([]);
    // Unencrypted to unencrypted keeps ids (both are plain BLAKE3).
    const u2 = target('repo-u2', undefined);
    sb.ok(['init', '--encryption', 'none'], { env: u2.as });
    expect(sb.json<CopyDoc>(['copy', '--to', u2.repo], { env: u.as })).toMatchObject({ snapshots_copied: 2, blob_ids: 'kept' });
  });

  it('fails clearly: no --to, missing target, wrong target password, copying onto itself', () => {
    const noTo = sb.run(['copy', '--json']);
    expect(noTo.code).toBe(1);
    expect(JSON.parse(noTo.stdout).error.code).toBe('invalid_argument');
    expect(noTo.stderr).toMatch(/--to/);
    const missing = sb.run(['copy', '--to', sb.path('nowhere')], { env: { SNAP_TO_PASSWORD: 'x' } });
    expect(missing.code).toBe(10);
    expect(missing.stderr).toContain(sb.path('nowhere'));
    const w = target('repo-w', 'right');
    sb.ok(['init', '--kdf', TEST_KDF], { env: w.as });
    expect(sb.run(['copy', '--to', w.repo], { env: { SNAP_TO_PASSWORD: 'wrong' } }).code).toBe(12);
    const noPw = sb.run(['copy', '--to', w.repo]);
    expect(noPw.code).toBe(1);
    expect(noPw.stderr).toMatch(/password is needed/);
    const self = sb.run(['copy', '--to', sb.repo], { env: { SNAP_TO_PASSWORD: PW_A } });
    expect(self.code).toBe(1);
    expect(self.stderr).toMatch(/same repository/);
    expect(sb.run(['copy', 'ffffffff', '--to', w.repo], { env: { SNAP_TO_PASSWORD: 'right' } }).code).toBe(1);
    expect(sb.json<ListRow[]>(['list'], { env: w.as })).toEqual([]);
  });
});
