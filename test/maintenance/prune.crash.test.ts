// Crash tests of prune: the process kills itself with SIGKILL (SNAP_CRASH_AT=<point>:<n>, see
// src/repository/crashPoint.ts) right after each step the invariants order: a new pack written, the
// new index written, an old index deleted, an old pack deleted, a snapshot record removed. After
// every crash, each remaining snapshot must restore bit-identical, the stale lock must not block
// the next prune, that prune must succeed and leave a clean repository, and a third must plan nothing.

import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readdirSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, diffTrees, Sandbox, snapshotTree, type TreeFact } from '../e2e/helpers.js';

const NIGHTS = 8;
const KEEP = 3;

interface PruneDoc { packs_deleted: number; packs_rewritten: number; bytes_freed: number; packs: Array<{ action: string }> }

let base: Sandbox; // forgotten down to KEEP snapshots
let unforgotten: Sandbox;
let src: string;
let kept: string[] = [];
const states = new Map<string, Map<string, TreeFact>>();
const sandboxes: Sandbox[] = [];

function clone(from: Sandbox): Sandbox {
  const sb = new Sandbox();
  sandboxes.push(sb);
  execFileSync('cp', ['-a', from.repo, sb.repo]);
  return sb;
}

function restoresIdentical(sb: Sandbox): void {
  for (const id of kept) {
    const target = sb.path(`restore-${Math.random().toString(16).slice(2, 10)}`);
    sb.ok(['restore', `${id}:${src}`, target]);
    expect(diffTrees(states.get(id)!, snapshotTree(target)), `snapshot ${id.slice(0, 8)}`).toEqual([]);
    rmSync(target, { recursive: true, force: true });
  }
}

beforeAll(() => {
  base = new Sandbox();
  sandboxes.push(base);
  base.init(['--pack-size', String(64 * 1024), '--chunk-size', '4096,16384,65536']);
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
function crashAt(sb: Sandbox, point: string, extra: string[] = []): void {
  const r = spawnSync(process.execPath, [BIN, 'prune', '--json', ...extra], { env: { ...sb.baseEnv(), SNAP_CRASH_AT: point } });
  expect(r.signal, `prune should have been killed at ${point}; exit ${r.status}: ${r.stderr}`).toBe('SIGKILL');
}

function recovers(sb: Sandbox, extra: string[] = []): void {
  restoresIdentical(sb);
  // The killed prune's lock is stale (its pid is gone): the next prune must not be blocked by it.
  expect(readdirSync(path.join(sb.repo, 'locks')).length).toBe(1);
  const next = sb.json<PruneDoc>(['prune', ...extra]);
  expect(next.packs.length).toBeGreaterThan(0);
  const check = sb.run(['check', '--read-data', '--json']);
  expect(check.code, check.stdout + check.stderr).toBe(0);
  restoresIdentical(sb);
  const third = sb.json<PruneDoc>(['prune']);
  expect(third.packs.every((p) => p.action === 'keep')).toBe(true);
  expect(sb.json<Array<{ id: string }>>(['list']).map((s) => s.id)).toEqual(kept);
  // Nothing unreferenced is left: every pack file is named by the index and used.
  const packFiles = readdirSync(path.join(sb.repo, 'data'), { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
  expect(packFiles.length).toBe(third.packs.length);
  expect(packFiles.every((e) => statSync(path.join(e.parentPath, e.name)).size > 0)).toBe(true);
}

describe('prune killed at each step', () => {
  it('plans repacks, so every crash point below is reached', () => {
    const dry = clone(base).json<{ packs: Array<{ action: string }> }>(['prune', '--dry-run']);
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
    crashAt(sb, 'forget-snapshot-removed:2', ['--keep-last', String(KEEP)]);
    expect(sb.json<unknown[]>(['list']).length).toBe(NIGHTS - 2);
    recovers(sb, ['--keep-last', String(KEEP)]);
  });
});
