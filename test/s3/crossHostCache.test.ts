// Issue 13's first failure, end to end: two hosts (own cache folders, own host names) back up at the
// same time into one repository, so the files they share are stored twice, once in each host's
// packs and index file; host A forgets a snapshot and prunes with repacking (two-phase: one prune
// condemns, the next deletes). Prune keeps one copy of each shared blob and replaces the other
// host's index file; the cache of the host whose copy is kept had applied the other's file last,
// so its entry for the blob vanishes with that file and must fall back to its own, older file's
// (blobindex/indexCache.ts, shadowed entries). Without that, a restore with that cache said "blob
// ... is not in the index (missing data)" and a later create re-uploaded. So: every remaining
// snapshot restores bit-identical and --verify clean with A's cache (it ran the prune) and with
// B's (which last saw the index before it), `check --read-data` is clean, and re-backups of stored
// data from either host add no data. On a local repository and on S3: s3rver, or the engine
// SNAP_S3_ENDPOINT names (CI: RGW). The CLI runs as child processes (bin/snap.js) on copies of
// real files (node_modules packages).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { BIN, diffTrees, Sandbox, snapshotTree, TEST_KDF, type RunResult, type TreeFact } from '../e2e/helpers.js';
import { startS3rverChild, type S3Server } from './server.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const MODULES = path.join(ROOT, 'node_modules');
/** Small packs, so a few MB of data make many of them (and prune has packs to repack). */
const PACK_SIZE = 512 * 1024;

/** Files both hosts back up (deduplicated against each other, but stored twice: the creates overlap). */
const SHARED = ['typescript/lib/_tsc.js', 'async', 'vite'];
/** What only host A / host B has on night one, and what A adds on night two. */
const ONLY_A = ['@aws-sdk/client-s3'];
const ONLY_B = ['wabt'];
const NIGHT2_A_ADD = ['fast-check', '@smithy/types'];

interface CreateDoc {
  snapshot_id: string;
  parent_id: string | null;
  files_new: number;
  files_unmodified: number;
  bytes_read: number;
  bytes_added: number;
  bytes_stored: number;
  total_files: number;
  total_bytes: number;
}
interface PruneDoc {
  packs_deleted: number;
  packs_rewritten: number;
  packs_condemned: number;
  packs_condemned_waiting: number;
  bytes_freed: number;
  unused_bytes_before: number;
  unused_bytes_after: number;
}
interface RestoreDoc {
  files: number;
  verified: boolean;
  failed_files: unknown[];
}

const copyModules = (names: string[], into: string) => {
  for (const n of names) {
    const to = path.join(into, n.replace(/[@/]/g, '_'));
    expect(spawnSync('cp', ['-a', path.join(MODULES, n), to]).status, `cp -a ${n}`).toBe(0);
  }
};

/** The CLI without waiting for it (two hosts at once): the child, and its result once it has exited. */
function start(sb: Sandbox, args: string[]): { child: ChildProcess; done: Promise<RunResult> } {
  const child = spawn(process.execPath, [BIN, ...args], { env: sb.baseEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout!.on('data', (b: Buffer) => out.push(b));
  child.stderr!.on('data', (b: Buffer) => err.push(b));
  const done = new Promise<RunResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      const stdoutBuf = Buffer.concat(out);
      resolve({ code: code ?? -1, stdout: stdoutBuf.toString(), stderr: Buffer.concat(err).toString(), stdoutBuf });
    });
  });
  return { child, done };
}

/** Whether a command with this fresh cache folder has opened its index cache (`<repo folder>/index`). */
const indexOpened = (cacheDir: string): boolean =>
  existsSync(cacheDir) && readdirSync(cacheDir).some((n) => existsSync(path.join(cacheDir, n, 'index')));

/**
 * Commands started together, each with a fresh cache folder, that overlap for sure: one that opens
 * its index cache (having listed index/) before the others is held (SIGSTOP) until they have opened
 * theirs, so none sees an index file another writes. On a loaded machine one create of a few MB can
 * otherwise end before the other has started, and then they deduplicate against each other.
 */
async function overlapping(sb: Sandbox, runs: Array<{ args: string[]; cacheDir: string }>): Promise<RunResult[]> {
  const started = runs.map((r) => start(sb, r.args));
  let exited = false;
  void Promise.race(started.map((s) => s.done)).then(() => (exited = true));
  const held = new Set<ChildProcess>();
  await new Promise<void>((resolve) => {
    const poll = setInterval(() => {
      const opened = runs.map((r) => indexOpened(r.cacheDir));
      if (exited || opened.every(Boolean)) {
        clearInterval(poll);
        for (const c of held) c.kill('SIGCONT');
        resolve();
        return;
      }
      opened.forEach((o, i) => {
        const c = started[i]!.child;
        if (o && !held.has(c)) {
          c.kill('SIGSTOP');
          held.add(c);
        }
      });
    }, 2);
  });
  return Promise.all(started.map((s) => s.done));
}

const parsed = <T>(r: RunResult, what: string): T => {
  expect(r.code, `${what}: exit ${r.code}: ${r.stderr}`).toBe(0);
  return JSON.parse(r.stdout) as T;
};

describe('two hosts back up at once, host A prunes: both caches still tell the truth', () => {
  let server: S3Server;
  beforeAll(async () => {
    server = await startS3rverChild();
  }, 60_000);
  afterAll(async () => server?.close());

  it.each(['local', 's3'] as const)(
    '%s: every remaining snapshot restores bit-identical with either cache; check --read-data is clean; re-backups add only trees',
    async (kind) => {
      const sb = new Sandbox();
      try {
        const repo = kind === 's3' ? server.location('cross-host') : sb.path('repo');
        sb.env = { ...(kind === 's3' ? server.env : {}), SNAP_REPO: repo };
        const hosts = { A: 'host-a', B: 'host-b' } as const;
        const cacheOf = { A: sb.path('cache-a'), B: sb.path('cache-b') };
        const srcOf = { A: sb.path('src-a'), B: sb.path('src-b') };
        const as = (h: 'A' | 'B', args: string[]) => ['--cache-dir', cacheOf[h], ...args];
        const createArgs = (h: 'A' | 'B', src = srcOf[h]) => as(h, ['create', src, '--host', hosts[h], '--json']);
        const create = (h: 'A' | 'B', src = srcOf[h]) => start(sb, createArgs(h, src)).done;

        sb.ok(['init', '--kdf', TEST_KDF, '--pack-size', String(PACK_SIZE)]);
        for (const h of ['A', 'B'] as const) {
          mkdirSync(path.join(srcOf[h], 'shared'), { recursive: true });
          copyModules(SHARED, path.join(srcOf[h], 'shared'));
        }
        copyModules(ONLY_A, srcOf.A);
        copyModules(ONLY_B, srcOf.B);

        /** Snapshot id → the source it was made of and every file's facts (sha-256 included) then. */
        const expected = new Map<string, { src: string; tree: Map<string, TreeFact> }>();
        const made = (h: 'A' | 'B', r: RunResult, tree: Map<string, TreeFact>): CreateDoc => {
          const doc = parsed<CreateDoc>(r, `create on host ${h}`);
          expected.set(doc.snapshot_id, { src: srcOf[h], tree });
          return doc;
        };

        // Night one: both hosts at once, each storing the shared files itself.
        const trees = { A: snapshotTree(srcOf.A), B: snapshotTree(srcOf.B) };
        const [a1, b1] = await overlapping(sb, (['A', 'B'] as const).map((h) => ({ args: createArgs(h), cacheDir: cacheOf[h] })));
        const one = { A: made('A', a1!, trees.A), B: made('B', b1!, trees.B) };
        // Had one create seen the other's index file, it would have added only its own files. (Not
        // all of total_bytes either way: chunks repeat within each host's files, where depends on
        // the repository's chunker key.)
        const sharedBytes = [...snapshotTree(path.join(srcOf.A, 'shared')).values()].reduce((n, f) => n + (f.size ?? 0), 0);
        expect(sharedBytes).toBeGreaterThan(8 << 20);
        for (const h of ['A', 'B'] as const) {
          expect(one[h].files_new).toBe(one[h].total_files);
          expect(one[h].bytes_added, `host ${h} deduplicated against the other host's create`).toBeGreaterThan(one[h].total_bytes - sharedBytes / 10);
        }

        // Night two: A adds files; B looks at its snapshot (its cache takes in A's index file, so
        // each cache now holds the other host's entry for a shared blob as the live one).
        copyModules(NIGHT2_A_ADD, srcOf.A);
        const a2 = made('A', await create('A'), snapshotTree(srcOf.A));
        expect(a2.parent_id).toBe(one.A.snapshot_id);
        expect(a2.bytes_added).toBeGreaterThan(1 << 20);
        sb.ok(as('B', ['ls', one.B.snapshot_id]));

        // Host A forgets its second snapshot (what it added becomes unused; night one's index files
        // stay needed) and prunes: one copy of each shared blob goes, with the index file naming
        // it, and every partly used pack is repacked (--max-unused 0). Which host's copies stay
        // follows the names of the index files; that host's cache then needs its shadowed entries.
        sb.ok(as('A', ['forget', a2.snapshot_id]));
        expected.delete(a2.snapshot_id);
        const condemning = sb.json<PruneDoc>(as('A', ['prune', '--max-unused', '0', '--grace', '0s']));
        // Unused: night two's additions, and one copy of the shared files (compressed: over a tenth).
        expect(condemning.unused_bytes_before).toBeGreaterThan(a2.bytes_stored + sharedBytes / 10);
        expect(condemning.packs_rewritten).toBeGreaterThan(0);
        expect(condemning.packs_condemned).toBeGreaterThan(condemning.packs_rewritten);
        expect(condemning.packs_deleted).toBe(0);
        expect(condemning.unused_bytes_after).toBe(0);
        // The marks' storage times have whole seconds on S3: the next prune must see them expired.
        await new Promise((r) => setTimeout(r, 1100));
        const deleting = sb.json<PruneDoc>(as('A', ['prune', '--max-unused', '0', '--grace', '0s']));
        expect(deleting.packs_deleted).toBe(condemning.packs_condemned);
        expect(deleting.packs_condemned_waiting).toBe(0);
        expect(deleting.bytes_freed).toBeGreaterThan(condemning.unused_bytes_before);

        const remaining = sb.json<Array<{ id: string; hostname: string }>>(as('A', ['list']));
        expect(remaining.map((s) => s.id).sort()).toEqual([...expected.keys()].sort());
        expect(remaining.map((s) => s.hostname).sort()).toEqual([hosts.A, hosts.B]);

        // B's cache first: it has not seen the prune yet.
        for (const h of ['B', 'A'] as const) {
          for (const [id, { src, tree }] of expected) {
            const what = `restore ${id.slice(0, 8)} with host ${h}'s cache`;
            const target = sb.path(`restore-${h}-${id.slice(0, 8)}`);
            const r = sb.run(as(h, ['restore', id, target, '--verify', '--json']));
            expect(r.stderr, what).toBe('');
            const doc = parsed<RestoreDoc>(r, what);
            expect(doc).toMatchObject({ verified: true, failed_files: [] });
            expect(doc.files).toBe([...tree.values()].filter((f) => f.type === 'file').length);
            expect(diffTrees(tree, snapshotTree(path.join(target, src))), what).toEqual([]);
            rmSync(target, { recursive: true, force: true });
          }
        }

        // Re-backups of stored data add no data. A, back to night one's files: none is read again
        // (the cache still names every chunk of its parent's files).
        for (const n of NIGHT2_A_ADD) rmSync(path.join(srcOf.A, n.replace(/[@/]/g, '_')), { recursive: true });
        const again = parsed<CreateDoc>(await create('A'), 're-backup on host A');
        expect(again.parent_id).toBe(one.A.snapshot_id);
        expect(again.files_unmodified).toBe(one.A.total_files);
        expect(again).toMatchObject({ bytes_read: 0, bytes_added: 0, bytes_stored: 0 });
        // B, a copy of its files at another path (no parent): every file is read and chunked, and
        // every chunk is found in the index. Only trees are new (entries record the copies' inodes
        // and ctimes), a small part of what a re-upload would add.
        const copy = sb.path('src-b-copy');
        expect(spawnSync('cp', ['-a', srcOf.B, copy]).status).toBe(0);
        const fresh = parsed<CreateDoc>(await create('B', copy), 'backup of a copy on host B');
        expect(fresh.parent_id).toBeNull();
        expect(fresh.files_new).toBe(one.B.total_files);
        expect(fresh).toMatchObject({ bytes_read: one.B.total_bytes, bytes_added: 0, bytes_stored: 0 });
        const listed = sb.json<Array<{ id: string; summary: { tree_bytes_added: number } | null }>>(as('B', ['list']));
        const treeBytes = listed.find((s) => s.id === fresh.snapshot_id)!.summary!.tree_bytes_added;
        expect(treeBytes).toBeGreaterThan(0);
        expect(treeBytes).toBeLessThan(one.B.total_bytes / 20);

        // The repository itself: every snapshot (the two re-backups' too) complete, every pack sound.
        const check = sb.run(as('A', ['check', '--read-data', '--json']));
        expect(check.code, `check --read-data: ${check.stdout}${check.stderr}`).toBe(0);
        expect(JSON.parse(check.stdout)).toMatchObject({ ok: true, errors: [] });
      } finally {
        sb.cleanup();
      }
    },
    120_000,
  );
});
