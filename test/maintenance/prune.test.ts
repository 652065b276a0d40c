// `snap prune` end to end: twelve nights of a changing tree (files changed, deleted and added each
// night, incompressible content, 64 KiB packs so the data spans many packs), forget down to three
// snapshots, prune, and check what is left: the bytes freed are exactly the bytes gone from data/,
// the three snapshots restore bit-identical, `check --read-data` is clean, a second prune plans
// nothing, a dry run changes no file, and --max-unused / --max-repack-size are respected.

import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, closeSync, writeSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diffTrees, Sandbox, snapshotTree, type TreeFact } from '../e2e/helpers.js';

const NIGHTS = 12;
const KEEP = 3;
const PACK_SIZE = 64 * 1024;
const CHUNKS = '4096,16384,65536';

interface PackDoc { id: string; action: 'delete' | 'repack' | 'keep'; reason: string; unused_bytes: number; size: number }
interface PruneDoc {
  snapshots_removed: number; packs_deleted: number; packs_rewritten: number; bytes_freed: number; bytes_after: number;
  used_bytes: number; unused_bytes_before: number; unused_bytes_after: number; max_unused_bytes: number | null;
  dry_run: boolean; packs: PackDoc[];
}

/** Every file under dir (relative name → size and sha256). */
function files(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.set(path.relative(dir, p), `${statSync(p).size}:${createHash('sha256').update(readFileSync(p)).digest('hex')}`);
    }
  };
  walk(dir);
  return out;
}

function dataBytes(repo: string): number {
  let n = 0;
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else n += statSync(p).size;
    }
  };
  walk(path.join(repo, 'data'));
  return n;
}

/** One night of changes: overwrite a region of two files, delete two, add two (and a new dir now and then). */
function changeTree(src: string, night: number): void {
  const all = readdirSync(src, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name)).sort();
  const pick = (k: number) => all[(night * 7 + k * 13) % all.length]!;
  const changed = [pick(0), pick(1)];
  for (const f of changed) {
    const size = statSync(f).size;
    const fd = openSync(f, 'r+');
    writeSync(fd, randomBytes(8 * 1024), 0, 8 * 1024, Math.floor(size / 3));
    closeSync(fd);
  }
  const deletable = all.filter((f) => !changed.includes(f));
  for (const k of [2, 3]) rmSync(deletable[(night * 11 + k * 5) % deletable.length]!, { force: true });
  const dir = path.join(src, night % 4 === 0 ? `d${night}` : ['a', 'b', 'c'][night % 3]!);
  mkdirSync(dir, { recursive: true });
  for (const k of [0, 1]) writeFileSync(path.join(dir, `n${night}-${k}`), randomBytes(30_000 + ((night * 17 + k * 29) % 50) * 1000));
}

let base: Sandbox; // twelve snapshots, forgotten down to three
let unforgotten: Sandbox; // the same twelve snapshots, none forgotten
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
    const target = sb.path(`restore-${id.slice(0, 8)}-${Math.random().toString(16).slice(2, 8)}`);
    sb.ok(['restore', `${id}:${src}`, target]);
    expect(diffTrees(states.get(id)!, snapshotTree(target))).toEqual([]);
    rmSync(target, { recursive: true, force: true });
  }
}

beforeAll(() => {
  base = new Sandbox();
  sandboxes.push(base);
  base.init(['--pack-size', String(PACK_SIZE), '--chunk-size', CHUNKS]);
  src = base.path('src');
  for (const d of ['a', 'b', 'c']) {
    mkdirSync(path.join(src, d), { recursive: true });
    for (let i = 0; i < 8; i++) writeFileSync(path.join(src, d, `f${i}`), randomBytes(20_000 + i * 10_000));
  }
  const ids: string[] = [];
  for (let night = 0; night < NIGHTS; night++) {
    if (night > 0) changeTree(src, night);
    const time = new Date(Date.UTC(2026, 2, 1 + night, 1, 0, 0)).toISOString().replace('.000Z', '+00:00');
    const doc = base.json<{ snapshot_id: string }>(['create', src, '--time', time]);
    ids.push(doc.snapshot_id);
    states.set(doc.snapshot_id, snapshotTree(src));
  }
  unforgotten = clone(base);
  const forgot = base.json<{ keep: Array<{ id: string; reasons: string[] }>; remove: Array<{ id: string }>; dry_run: boolean }>(['forget', '--keep-last', String(KEEP)]);
  expect(forgot.remove.map((r) => r.id).sort()).toEqual(ids.slice(0, NIGHTS - KEEP).sort());
  expect(forgot.keep.map((k) => k.id)).toEqual(ids.slice(NIGHTS - KEEP).reverse());
  expect(forgot.keep.every((k) => k.reasons.join() === 'last snapshot')).toBe(true);
  kept = ids.slice(NIGHTS - KEEP);
});

afterAll(() => {
  for (const sb of sandboxes) sb.cleanup();
});

describe('snap prune', () => {
  let first: PruneDoc;

  it('frees exactly the bytes of unused data, keeps the rest restorable, and a second prune plans nothing', () => {
    const sb = clone(base);
    const packFilesBefore = [...files(path.join(sb.repo, 'data')).keys()].length;
    const before = dataBytes(sb.repo);
    first = sb.json<PruneDoc>(['prune', '--instant-delete']);
    const after = dataBytes(sb.repo);

    expect(first.dry_run).toBe(false);
    expect(first.snapshots_removed).toBe(0);
    expect(first.packs.length).toBe(packFilesBefore);
    const count = (a: string) => first.packs.filter((p) => p.action === a).length;
    expect(first.packs_deleted).toBe(count('delete'));
    expect(first.packs_rewritten).toBe(count('repack'));
    expect(first.packs_deleted).toBeGreaterThan(0);
    expect(first.packs_rewritten).toBeGreaterThan(0);
    expect(first.packs.every((p) => p.reason.length > 0 && ['delete', 'repack', 'keep'].includes(p.action))).toBe(true);
    // Nine of twelve nights forgotten: well over a third of the data goes.
    expect(first.bytes_freed).toBeGreaterThan(before / 3);
    expect(before - after).toBe(first.bytes_freed);
    expect(after).toBe(first.bytes_after);
    expect(first.unused_bytes_after).toBeLessThanOrEqual(first.max_unused_bytes!);
    expect(first.max_unused_bytes).toBe(Math.floor((5 / 95) * first.used_bytes));

    const check = sb.run(['check', '--read-data', '--json']);
    expect(check.code, check.stderr).toBe(0);
    expect(JSON.parse(check.stdout).ok).toBe(true);
    restoresIdentical(sb);

    const dataFiles = files(path.join(sb.repo, 'data'));
    const second = sb.json<PruneDoc>(['prune', '--instant-delete']);
    expect(second.packs.every((p) => p.action === 'keep')).toBe(true);
    expect([second.packs_deleted, second.packs_rewritten, second.bytes_freed]).toEqual([0, 0, 0]);
    expect(second.bytes_after).toBe(after);
    expect(files(path.join(sb.repo, 'data'))).toEqual(dataFiles);

    // Restores are logged too (the audit trail); this test is about what changed the repository.
    const log = sb.json<Array<{ operation: string; bytes_freed: number; snapshot_ids: string[] }>>(['log']).filter((e) => e.operation !== 'restore');
    expect(log.map((e) => e.operation)).toEqual([...Array(NIGHTS).fill('create'), 'forget', 'prune']);
    expect(log[NIGHTS]!.snapshot_ids.length).toBe(NIGHTS - KEEP);
    expect(log[NIGHTS + 1]!.bytes_freed).toBe(first.bytes_freed);
  });

  it('--dry-run changes no file and plans what the real prune then does', () => {
    const sb = clone(base);
    const before = files(sb.repo);
    const dry = sb.json<PruneDoc>(['prune', '--dry-run', '--instant-delete']);
    expect(dry.dry_run).toBe(true);
    expect(files(sb.repo)).toEqual(before);
    const real = sb.json<PruneDoc>(['prune', '--instant-delete']);
    expect(real.packs).toEqual(dry.packs);
    // Deleted packs are known exactly; the size of repacked data is estimated in a dry run.
    expect(Math.abs(dry.bytes_freed - real.bytes_freed)).toBeLessThan(PACK_SIZE);
  });

  it('with a policy, forgets first (the same plan as forget + prune)', () => {
    const sb = clone(unforgotten);
    const doc = sb.json<PruneDoc>(['prune', '--instant-delete', '--keep-last', String(KEEP)]);
    expect(doc.snapshots_removed).toBe(NIGHTS - KEEP);
    expect(sb.json<Array<{ id: string }>>(['list']).map((s) => s.id)).toEqual(kept);
    expect(doc.packs.map((p) => [p.id, p.action])).toEqual(first.packs.map((p) => [p.id, p.action]));
    restoresIdentical(sb);
  });

  it('--max-unused 0 repacks every partly used pack; unlimited repacks none', () => {
    const zero = clone(base);
    const z = zero.json<PruneDoc>(['prune', '--instant-delete', '--max-unused', '0']);
    expect(z.unused_bytes_after).toBe(0);
    expect(z.packs.filter((p) => p.action === 'keep').every((p) => p.unused_bytes === 0)).toBe(true);
    expect(zero.json<PruneDoc>(['prune', '--dry-run']).unused_bytes_before).toBe(0);
    restoresIdentical(zero);

    const unlimited = clone(base);
    const u = unlimited.json<PruneDoc>(['prune', '--instant-delete', '--max-unused', 'unlimited']);
    expect(u.packs_rewritten).toBe(0);
    expect(u.packs.some((p) => p.action === 'keep' && p.unused_bytes > 0)).toBe(true);
    expect(u.unused_bytes_after).toBe(u.packs.filter((p) => p.action === 'keep').reduce((n, p) => n + p.unused_bytes, 0));
    restoresIdentical(unlimited);
  });

  it('the default 5 % leaves at most 5/95 of the used bytes unused, and --max-repack-size bounds the bytes repacked', () => {
    const sb = clone(base);
    sb.json<PruneDoc>(['prune', '--instant-delete']);
    const after = sb.json<PruneDoc>(['prune', '--dry-run']);
    expect(after.unused_bytes_before).toBeLessThanOrEqual(Math.floor((5 / 95) * after.used_bytes));

    const bounded = clone(base);
    const limit = 3 * PACK_SIZE;
    const b = bounded.json<PruneDoc>(['prune', '--instant-delete', '--max-unused', '0', '--max-repack-size', String(limit)]);
    const repacked = b.packs.filter((p) => p.action === 'repack');
    expect(repacked.length).toBeGreaterThan(0);
    expect(repacked.reduce((n, p) => n + p.size, 0)).toBeLessThanOrEqual(limit);
    expect(b.packs.some((p) => p.action === 'keep' && /--max-repack-size/.test(p.reason))).toBe(true);
    restoresIdentical(bounded);
  });

  it('refuses bad options with exit 1 and names them', () => {
    const r = base.run(['prune', '--max-unused', '150%', '--json']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--max-unused '150%'/);
    expect(JSON.parse(r.stdout).error.code).toBe('invalid_argument');
    const s = base.run(['prune', '--max-repack-size', 'lots']);
    expect(s.code).toBe(1);
    expect(s.stderr).toMatch(/--max-repack-size 'lots'/);
  });
});
