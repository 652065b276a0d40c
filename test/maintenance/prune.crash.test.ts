// Crash tests of prune: the process kills itself with SIGKILL (SNAP_CRASH_AT=<point>:<n>, see
// src/repository/crashPoint.ts) right after each step the invariants order: a new pack written, the
// new index written, an old index deleted, an old pack deleted, a snapshot record removed. After
// every crash, each remaining snapshot must restore bit-identical, the stale lock must not block
// the next prune, that prune must succeed and leave a clean repository, and a third must plan nothing.
// Everything runs in an encrypted and in an unencrypted repository: without a per-pack salt, a
// repack can produce a pack byte-identical to (and named like) one already there.

import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { objectName } from '../../src/crypto/index.js';
import { decodeIndex, encodeIndex, type IndexPack } from '../../src/blobindex/indexFormat.js';
import { BIN, diffTrees, Sandbox, snapshotTree, type TreeFact } from '../e2e/helpers.js';

const NIGHTS = 8;
const KEEP = 3;

interface PruneDoc { packs_deleted: number; packs_rewritten: number; bytes_freed: number; packs: Array<{ action: string }> }

for (const encryption of ['aes-256-gcm', 'none'] as const) describe(`prune crash tests (encryption ${encryption})`, () => {
let base: Sandbox; // forgotten down to KEEP snapshots
let unforgotten: Sandbox;
let src: string;
let kept: string[] = [];
const states = new Map<string, Map<string, TreeFact>>();
const sandboxes: Sandbox[] = [];

function clone(from: Sandbox): Sandbox {
  const sb = new Sandbox(from.password);
  sandboxes.push(sb);
  execFileSync('cp', ['-a', from.repo, sb.repo]);
  return sb;
}

function restoresIdentical(sb: Sandbox, env: Record<string, string> = {}): void {
  for (const id of kept) {
    const target = sb.path(`restore-${Math.random().toString(16).slice(2, 10)}`);
    sb.ok(['restore', `${id}:${src}`, target], { env });
    expect(diffTrees(states.get(id)!, snapshotTree(target)), `snapshot ${id.slice(0, 8)}`).toEqual([]);
    rmSync(target, { recursive: true, force: true });
  }
}

beforeAll(() => {
  base = new Sandbox(encryption === 'none' ? undefined : 'correct horse');
  sandboxes.push(base);
  base.init(['--pack-size', String(64 * 1024), '--chunk-size', '4096,16384,65536', '--encryption', encryption]);
  src = base.path('src');
  mkdirSync(src);
  for (let i = 0; i < 16; i++) writeFileSync(path.join(src, `f${i}`), randomBytes(20_000 + i * 6_000));
  const ids: string[] = [];
  for (let night = 0; night < NIGHTS; night++) {
    if (night > 0) {
      const names = readdirSync(src).sort();
      const fd = openSync(path.join(src, names[night % names.length]!), 'r+');
      writeSync(fd, randomBytes(8192), 0, 8192, 10_000);
      closeSync(fd);
      rmSync(path.join(src, names[(night * 5 + 1) % names.length]!));
      writeFileSync(path.join(src, `n${night}`), randomBytes(40_000 + night * 3_000));
    }
    const time = new Date(Date.UTC(2026, 4, 1 + night, 1)).toISOString();
    const id = base.json<{ snapshot_id: string }>(['create', src, '--time', time]).snapshot_id;
    ids.push(id);
    states.set(id, snapshotTree(src));
  }
  unforgotten = clone(base);
  base.json(['forget', '--keep-last', String(KEEP)]);
  kept = ids.slice(NIGHTS - KEEP);
});

afterAll(() => {
  for (const sb of sandboxes) sb.cleanup();
});

/** Run prune in `sb` with a crash point; it must die by SIGKILL there. */
const INSTANT = ['--instant-delete'];
const DEFERRED = ['--grace', '0s'];

function crashAt(sb: Sandbox, point: string, extra: string[] = INSTANT): void {
  const r = spawnSync(process.execPath, [BIN, 'prune', '--json', ...extra], { env: { ...sb.baseEnv(), SNAP_CRASH_AT: point } });
  expect(r.signal, `prune should have been killed at ${point}; exit ${r.status}: ${r.stderr}`).toBe('SIGKILL');
}

/** `freshCache`: restore after the prune from a new cache folder (see the caller). */
function recovers(sb: Sandbox, extra: string[] = INSTANT, freshCache = false): void {
  restoresIdentical(sb);
  // The killed prune's lock is stale (its pid is gone): the next prune must not be blocked by it.
  expect(readdirSync(path.join(sb.repo, 'locks')).length).toBe(1);
  const next = sb.json<PruneDoc>(['prune', ...extra]);
  expect(next.packs.length).toBeGreaterThan(0);
  // Two-phase mode: the prune after that deletes what the one before condemned (grace 0 s).
  if (extra.includes('--grace')) sb.json<PruneDoc>(['prune', ...extra]);
  const check = sb.run(['check', '--read-data', '--json']);
  expect(check.code, check.stdout + check.stderr).toBe(0);
  restoresIdentical(sb, freshCache ? { SNAP_CACHE_DIR: sb.path(`cache-${Math.random().toString(16).slice(2, 10)}`) } : {});
  const third = sb.json<PruneDoc>(['prune', ...extra]);
  expect(third.packs.every((p) => p.action === 'keep')).toBe(true);
  expect(sb.json<Array<{ id: string }>>(['list']).map((s) => s.id)).toEqual(kept);
  // Nothing unreferenced is left: every pack file is named by the index and used.
  const packFiles = readdirSync(path.join(sb.repo, 'data'), { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
  expect(packFiles.length).toBe(third.packs.length);
  expect(packFiles.every((e) => statSync(path.join(e.parentPath, e.name)).size > 0)).toBe(true);
}

describe('prune killed at each step', () => {
  it('plans repacks, so every crash point below is reached', () => {
    const dry = clone(base).json<{ packs: Array<{ action: string }> }>(['prune', '--dry-run', ...INSTANT]);
    expect(dry.packs.filter((p) => p.action === 'repack').length).toBeGreaterThan(1);
    expect(dry.packs.filter((p) => p.action === 'delete').length).toBeGreaterThan(2);
  });

  for (const point of [
    'prune-pack-written:1',
    'prune-pack-written:2',
    'prune-index-written:1',
    'prune-index-deleted:1',
    'prune-pack-deleted:1',
    'prune-pack-deleted:3',
  ]) {
    it(`after ${point}: snapshots intact, the next prune succeeds`, () => {
      const sb = clone(base);
      crashAt(sb, point);
      recovers(sb);
    });
  }

  it('during the forget step (forget-snapshot-removed:2): the kept snapshots are intact, the next prune finishes the job', () => {
    const sb = clone(unforgotten);
    crashAt(sb, 'forget-snapshot-removed:2', [...INSTANT, '--keep-last', String(KEEP)]);
    expect(sb.json<unknown[]>(['list']).length).toBe(NIGHTS - 2);
    recovers(sb, [...INSTANT, '--keep-last', String(KEEP)]);
  });
});

describe('two-phase prune killed at each step (grace 0 s: condemn, then delete)', () => {
  for (const point of ['prune-pack-written:1', 'prune-index-written:1', 'prune-marks-written:1']) {
    it(`condemning, after ${point}: snapshots intact, the next prunes finish`, () => {
      const sb = clone(base);
      crashAt(sb, point, DEFERRED);
      recovers(sb, DEFERRED);
    });
  }
  for (const point of ['prune-index-deleted:1', 'prune-pack-deleted:1', 'prune-marks-written:1']) {
    it(`deleting condemned packs, after ${point}: snapshots intact, the next prunes finish`, () => {
      const sb = clone(base);
      const first = sb.json<{ packs_condemned: number }>(['prune', ...DEFERRED]);
      expect(first.packs_condemned).toBeGreaterThan(2);
      crashAt(sb, point, DEFERRED);
      recovers(sb, DEFERRED);
    });
  }
});

  if (encryption === 'none') {
    it('a resumed prune keeps the packs its predecessor wrote, even when its repack would write the same pack name (defect: it deleted them)', () => {
      const sb = clone(base);
      const indexDir = path.join(sb.repo, 'index');
      const before = new Set(readdirSync(indexDir));
      const load = (name: string): IndexPack[] => decodeIndex(readFileSync(path.join(indexDir, name)), name);
      const repack = new Set(clone(base).json<{ packs: Array<{ id: string; action: string }> }>(['prune', '--dry-run', ...INSTANT]).packs.filter((p) => p.action === 'repack').map((p) => p.id));
      // The packs to repack, in the order the killed prune met them (index files in name order).
      const old: IndexPack[] = [];
      for (const name of [...before].sort()) for (const p of load(name)) if (repack.has(p.packId) && !old.some((o) => o.packId === p.packId)) old.push(p);
      expect(old.length).toBeGreaterThan(0);
      crashAt(sb, 'prune-index-written:1', INSTANT);
      const written = readdirSync(indexDir).filter((n) => !before.has(n));
      expect(written.length).toBe(1);
      // Whether the next prune meets an old copy of the moved blobs before the new one depends on
      // the index file names (random data: about half the runs). Make it certain: one more index
      // file naming the old packs (a legal state: blobs indexed twice), named to sort first.
      let extra: Buffer | undefined;
      for (let attempt = 0; attempt < 100_000 && !extra; attempt++) {
        const entries = [...old[0]!.entries];
        const k = attempt % entries.length;
        const shuffled = [...entries.slice(k), ...entries.slice(0, k)];
        if (attempt >= entries.length) shuffled.sort(() => Math.random() - 0.5);
        const buf = encodeIndex([{ packId: old[0]!.packId, entries: shuffled }, ...old.slice(1)]);
        if (objectName(buf) < written[0]!) extra = buf;
      }
      expect(extra).toBeDefined();
      writeFileSync(path.join(indexDir, objectName(extra!)), extra!);
      // A fresh cache for the restores after the prune: the LMDB cache forgets a blob that a
      // dropped index file shared with one that stays (issue 11, fixed in indexCache.ts apart).
      recovers(sb, INSTANT, true);
    });
  }
});
