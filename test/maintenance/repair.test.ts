// The recovery flow on real repositories, through the built CLI: damage → check names it →
// repair index --read-data → repair snapshots --forget → check is clean → every damaged file was
// listed → a new backup of the intact source stores the lost chunks again and restores bit for bit.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Sandbox, diffTrees, snapshotTree } from '../e2e/helpers.js';
import { flipByte, listPacks, newPacks, randomFile, truncateTo, type PackFile } from '../fixtures/damageRepo.js';

const MiB = 1024 * 1024;
const PRUNE_EXISTS = existsSync(fileURLToPath(new URL('../../src/cli/commands/prune.ts', import.meta.url)));

interface CheckDoc {
  ok: boolean;
  errors: Array<{ kind: string; snapshot: string | null; pack: string | null; path: string | null }>;
  notes: string[];
}
interface ListDoc {
  id: string;
  time: string;
  hostname: string;
  username: string;
  paths: string[];
  tags: string[];
}

const check = (sb: Sandbox, args: string[] = []) => {
  const r = sb.run(['check', ...args, '--json']);
  return { code: r.code, doc: JSON.parse(r.stdout) as CheckDoc };
};

describe.each([['encrypted', [] as string[]], ['unencrypted', ['--encryption', 'none']]] as const)('recovery flow (%s)', (_name, initArgs) => {
  const sb = new Sandbox(initArgs.length ? undefined : 'pw');
  let src: string;
  let flipped: PackFile;
  let truncated: PackFile;
  let damagedPaths: Set<string>;
  let snapsBefore: ListDoc[];

  beforeAll(() => {
    sb.init([...initArgs]);
    src = sb.path('src');
    randomFile(path.join(src, 'keep/a.bin'), 2 * MiB);
    randomFile(path.join(src, 'keep/b.bin'), 300 * 1024);
    writeFileSync(path.join(src, 'small.txt'), 'small\n');
    sb.ok(['create', src, '--tag', 'nightly']);
    let before = listPacks(sb.repo);
    randomFile(path.join(src, 'victim-flip.bin'), MiB);
    sb.ok(['create', src, '--tag', 'nightly']);
    // The largest new pack holds the victim's data (tree blobs go to a small pack of their own).
    flipped = newPacks(before, listPacks(sb.repo)).sort((a, b) => b.size - a.size)[0]!;
    before = listPacks(sb.repo);
    randomFile(path.join(src, 'deep/er/victim-trunc.bin'), MiB);
    sb.ok(['create', src, '--tag', 'nightly']);
    truncated = newPacks(before, listPacks(sb.repo)).sort((a, b) => b.size - a.size)[0]!;
    snapsBefore = sb.json<ListDoc[]>(['list']);
    flipByte(flipped.file, Math.floor(flipped.size / 3));
    truncateTo(truncated.file, Math.floor(truncated.size / 3));
  });
  afterAll(() => sb.cleanup());

  it('check --read-data names both damaged packs and the files that use them', () => {
    const { code, doc } = check(sb, ['--read-data']);
    expect(code).toBe(1);
    expect(doc.errors.some((e) => e.pack === flipped.id)).toBe(true);
    expect(doc.errors.some((e) => e.pack === truncated.id)).toBe(true);
    damagedPaths = new Set(doc.errors.filter((e) => e.path).map((e) => e.path!));
    expect(damagedPaths).toEqual(new Set([path.join(src, 'victim-flip.bin'), path.join(src, 'deep/er/victim-trunc.bin')]));
  });

  it('repair index --read-data drops the damaged blobs and leaves out the unreadable pack', () => {
    const r = sb.json(['repair', 'index', '--read-data']);
    expect(r.ok).toBe(true);
    expect(r.packs).toBe(listPacks(sb.repo).length); // no pack deleted
    expect(r.packs_unreadable.map((p: { pack: string }) => p.pack)).toEqual([truncated.id]);
    expect(r.blobs_dropped).toBeGreaterThanOrEqual(1);
    expect(r.dropped.every((d: { pack: string }) => d.pack === flipped.id)).toBe(true);
    expect(r.index_files_written).toBeGreaterThan(0);
    expect(r.index_files_removed).toBeGreaterThan(0);
    // The index no longer hides anything: check (structure only) now finds the missing chunks.
    const { code, doc } = check(sb);
    expect(code).toBe(1);
    expect(doc.errors.every((e) => e.kind === 'blob_missing')).toBe(true);
  });

  it('repair snapshots --dry-run lists what would go and writes nothing', () => {
    const snapshotsDir = path.join(sb.repo, 'snapshots');
    const before = sb.json<ListDoc[]>(['list']).map((s) => s.id);
    const r = sb.json(['repair', 'snapshots', '--dry-run']);
    expect(r.dry_run).toBe(true);
    expect(r.snapshots.length).toBe(2);
    expect(r.snapshots.every((s: { new_id: string | null }) => s.new_id === null)).toBe(true);
    expect(sb.json<ListDoc[]>(['list']).map((s) => s.id)).toEqual(before);
    expect(existsSync(snapshotsDir)).toBe(true);
  });

  it('repair snapshots --forget rewrites exactly the damaged snapshots and lists every dropped file', () => {
    const r = sb.json(['repair', 'snapshots', '--forget']);
    expect(r.ok).toBe(true);
    expect(r.dry_run).toBe(false);
    // Snapshot 1 is whole; 2 holds victim-flip; 3 holds both victims.
    const byOld = new Map<string, { new_id: string; dropped: string[] }>(r.snapshots.map((s: { id: string }) => [s.id, s]));
    expect(byOld.has(snapsBefore[0]!.id)).toBe(false);
    expect(byOld.get(snapsBefore[1]!.id)!.dropped).toEqual([path.join(src, 'victim-flip.bin')]);
    expect(byOld.get(snapsBefore[2]!.id)!.dropped).toEqual([path.join(src, 'deep/er/victim-trunc.bin'), path.join(src, 'victim-flip.bin')]);
    const allDropped = new Set([...byOld.values()].flatMap((s) => s.dropped));
    for (const p of damagedPaths) expect(allDropped.has(p)).toBe(true);

    // The new records keep time, host, user, paths and tags; the old ones are gone.
    const after = sb.json<ListDoc[]>(['list']);
    expect(after.length).toBe(3);
    for (const old of snapsBefore.slice(1)) {
      const fresh = after.find((s) => s.id === byOld.get(old.id)!.new_id)!;
      expect(fresh).toBeDefined();
      expect({ ...fresh, id: old.id }).toMatchObject({ time: old.time, hostname: old.hostname, username: old.username, paths: old.paths, tags: old.tags });
      expect(after.some((s) => s.id === old.id)).toBe(false);
      if (initArgs.length) {
        // Unencrypted: the record is plain JSON and names its original.
        const rec = JSON.parse(readFileSync(path.join(sb.repo, 'snapshots', fresh.id), 'utf8'));
        expect(rec.original).toBe(old.id);
      }
    }

    const clean = check(sb);
    expect(clean.code).toBe(0);
    expect(clean.doc.ok).toBe(true);
    const cleanFull = check(sb, ['--read-data']);
    expect(cleanFull.code).toBe(0);
    expect(cleanFull.doc.ok).toBe(true);

    // The repaired newest snapshot restores everything but the victims, bit for bit.
    const target = sb.path('restore-repaired');
    sb.ok(['restore', 'latest', target, '--verify']);
    const got = snapshotTree(path.join(target, src), false);
    const want = snapshotTree(src, false);
    for (const p of ['/victim-flip.bin', '/deep/er/victim-trunc.bin']) {
      expect(got.has(p)).toBe(false);
      want.delete(p);
    }
    expect(diffTrees(want, got)).toEqual([]);
  });

  it('a new backup of the intact source stores the lost chunks again and restores bit for bit', () => {
    const created = sb.json(['create', src, '--tag', 'nightly']);
    // The dropped chunks are stored again (how many depends on how the damaged packs were spread).
    expect(created.bytes_added).toBeGreaterThan(0);
    const target = sb.path('restore-new');
    expect(sb.json(['restore', 'latest', target, '--verify']).verified).toBe(true);
    expect(diffTrees(snapshotTree(src, false), snapshotTree(path.join(target, src), false))).toEqual([]);
    const full = check(sb, ['--read-data']);
    expect(full.code).toBe(0);
    expect(full.doc.ok).toBe(true);
  });

  it.runIf(PRUNE_EXISTS)('prune then removes the damaged leftovers and check --read-data stays clean', () => {
    const r = sb.run(['prune', '--instant-delete', '--json']);
    expect(r.code).toBe(0);
    const { code, doc } = check(sb, ['--read-data']);
    expect(code).toBe(0);
    expect(doc.ok).toBe(true);
    expect(listPacks(sb.repo).some((p) => p.id === truncated.id)).toBe(false);
  });

  it('the audit log records the repairs', () => {
    const log = sb.json<Array<{ operation: string; snapshot_ids: string[] }>>(['log']);
    const ops = log.map((e) => e.operation);
    expect(ops).toContain('repair index');
    const rs = log.find((e) => e.operation.startsWith('repair snapshots'))!;
    expect(rs.snapshot_ids).toEqual(expect.arrayContaining([snapsBefore[1]!.id, snapsBefore[2]!.id]));
  });
});

describe('repair snapshots when a whole tree is lost', () => {
  const sb = new Sandbox('pw');
  afterAll(() => sb.cleanup());

  it('a snapshot whose root tree is gone becomes an empty snapshot, listed as "/"', () => {
    sb.init();
    const src = sb.path('src');
    randomFile(path.join(src, 'one.bin'), 200 * 1024);
    sb.ok(['create', src]);
    const before = listPacks(sb.repo);
    randomFile(path.join(src, 'two.bin'), 200 * 1024);
    sb.ok(['create', src]);
    // The smaller new pack holds the second backup's trees (root included).
    const treePack = newPacks(before, listPacks(sb.repo)).at(-1)!;
    truncateTo(treePack.file, 0);
    const { code, doc } = check(sb);
    expect(code).toBe(1);
    expect(doc.errors.some((e) => e.kind === 'tree_damaged' && e.path === '/' && e.snapshot)).toBe(true);
    sb.ok(['repair', 'index']);
    const r = sb.json(['repair', 'snapshots']);
    expect(r.snapshots.length).toBe(1);
    expect(r.snapshots[0].dropped).toEqual(['/']);
    // Without --forget the damaged original stays (check still reports it) beside the repaired one.
    expect(sb.json<ListDoc[]>(['list']).length).toBe(3);
    expect(check(sb).code).toBe(1);
    const target = sb.path('restore');
    sb.ok(['restore', r.snapshots[0].new_id, target]);
    expect(snapshotTree(target).size).toBe(0);
  });
});

describe('repair snapshots and records that do not load', () => {
  const sb = new Sandbox('pw');
  afterAll(() => sb.cleanup());

  it('check names the record; only --forget removes it; then check is clean', () => {
    sb.init();
    const src = sb.path('src');
    randomFile(path.join(src, 'one.bin'), 100 * 1024);
    sb.ok(['create', src]);
    writeFileSync(path.join(src, 'two.txt'), 'two');
    sb.ok(['create', src]);
    const [bad, good] = sb.json<ListDoc[]>(['list']);
    writeFileSync(path.join(sb.repo, 'snapshots', bad!.id), 'garbage');
    const broken = check(sb);
    expect(broken.code).toBe(1);
    expect(broken.doc.errors).toEqual([expect.objectContaining({ kind: 'snapshot_unreadable', snapshot: bad!.id })]);
    const dry = sb.json(['repair', 'snapshots']);
    expect(dry.snapshots).toEqual([]);
    expect(dry.unreadable.map((u: { id: string }) => u.id)).toEqual([bad!.id]);
    expect(check(sb).code).toBe(1);
    const r = sb.json(['repair', 'snapshots', '--forget']);
    expect(r.forgotten).toEqual([bad!.id]);
    expect(check(sb)).toMatchObject({ code: 0, doc: { ok: true } });
    expect(sb.json<ListDoc[]>(['list']).map((s) => s.id)).toEqual([good!.id]);
  });
});
