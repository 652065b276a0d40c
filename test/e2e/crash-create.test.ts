// Fault injection: `create` killed (SIGKILL) after each pack write, each index write and the snapshot
// write (SNAP_CRASH_AT crash points), and at random moments. After every kill: `check` is clean
// (orphaned packs are notes, not errors), the earlier snapshot restores bit-identical, and at the
// end a new `create` succeeds and restores exactly.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, readdirSync, statSync, writeFileSync, rmSync } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { Sandbox, snapshotTree, diffTrees, type TreeFact } from './helpers.js';

const FILES = 24;
/** Bounds the run time: each point costs a create, a check and a restore. */
const MAX_PACK_POINTS = 40;
const FILE_BYTES = 96 * 1024;

function content(i: number, night: number): Buffer {
  const out = Buffer.allocUnsafe(FILE_BYTES);
  for (let o = 0, k = 0; o < FILE_BYTES; o += 32, k++) createHash('sha256').update(`${i}:${night}:${k}`).digest().copy(out, o);
  return out;
}

describe('create killed at every crash point', () => {
  const sb = new Sandbox();
  let src: string;
  let first: { id: string; tree: Map<string, TreeFact> };
  let killed = 0;

  beforeAll(() => {
    sb.init(['--pack-size', '32768', '--chunk-size', '4096,16384,65536']);
    src = sb.path('src');
    mkdirSync(src);
    for (let i = 0; i < FILES; i++) writeFileSync(path.join(src, `f${i}.bin`), content(i, 1));
    const r = sb.json(['create', src]);
    first = { id: r.snapshot_id, tree: snapshotTree(src) };
    // Night two: every file rewritten, so the next create writes many packs and several index files.
    for (let i = 0; i < FILES; i++) writeFileSync(path.join(src, `f${i}.bin`), content(i, 2));
    writeFileSync(path.join(src, 'new.txt'), 'night two');
  });
  afterAll(() => sb.cleanup());

  function assertIntact(label: string): void {
    const check = sb.run(['check', '--json']);
    expect(check.code, `${label}: ${check.stderr}`).toBe(0);
    expect(JSON.parse(check.stdout).errors, label).toEqual([]);
    const out = sb.path('restore-check');
    rmSync(out, { recursive: true, force: true });
    sb.ok(['restore', first.id, out]);
    expect(diffTrees(first.tree, snapshotTree(path.join(out, src))), label).toEqual([]);
  }

  function crashAt(spec: string): boolean {
    const r = sb.run(['create', src, '--json'], { env: { SNAP_CRASH_AT: spec } });
    if (r.code === 0) return false; // the point was not reached this often
    expect(r.code, `${spec}: ${r.stderr}`).toBe(-1); // killed by SIGKILL, no exit code
    killed++;
    return true;
  }

  it('after each pack write', { timeout: 600_000 }, () => {
    for (let n = 1; n <= MAX_PACK_POINTS; n++) {
      // Each run that reaches the point is killed; stop at the first that completes.
      if (!crashAt(`pack-written:${n}`)) break;
      assertIntact(`pack-written:${n}`);
      // The completed run above made a snapshot; drop nothing, just go on: later runs dedup against it.
    }
    expect(killed).toBeGreaterThanOrEqual(2);
  });

  it('after each index write and after the snapshot write', () => {
    const before = killed;
    for (const spec of ['index-written:1', 'index-written:2', 'snapshot-written:1']) {
      const r = sb.run(['create', src, '--json'], { env: { SNAP_CRASH_AT: spec } });
      if (r.code === -1) killed++;
      assertIntact(spec);
    }
    expect(killed).toBeGreaterThan(before);
  });

  it('at random moments, then a clean create restores exactly', { timeout: 600_000 }, async () => {
    for (let round = 0; round < 6; round++) {
      writeFileSync(path.join(src, `round-${round}.bin`), content(100 + round, 3));
      const child = sb.spawn(['create', src]);
      const exited = new Promise((r) => child.once('exit', r));
      await new Promise((r) => setTimeout(r, 150 + ((round * 397) % 900)));
      if (child.exitCode === null) {
        child.kill('SIGKILL');
        killed++;
      }
      await exited;
      assertIntact(`random kill ${round}`);
    }
    const r = sb.json(['create', src]);
    expect(r.files_failed).toEqual([]);
    const out = sb.path('restore-final');
    sb.ok(['restore', r.snapshot_id, out]);
    expect(diffTrees(snapshotTree(src), snapshotTree(path.join(out, src)))).toEqual([]);
    console.log(`create: ${killed} kills (crash points and random moments), repository intact after each`);
  });

  it('prune removes the packs the killed runs left staged, and nothing else', () => {
    const staged = (): Array<{ file: string; size: number }> => {
      const out: Array<{ file: string; size: number }> = [];
      const walk = (dir: string) => {
        for (const e of readdirSync(dir, { withFileTypes: true })) {
          const full = path.join(dir, e.name);
          // locks/ is left alone by prune (lock writers do not wait for the exclusive lock), so a
          // random kill during a lock write may leave a .tmp- file there that is not this test's.
          if (e.isDirectory()) {
            if (full !== path.join(sb.repo, 'locks')) walk(full);
          }
          else if (e.name.startsWith('.tmp-')) out.push({ file: full, size: statSync(full).size });
        }
      };
      walk(sb.repo);
      return out;
    };
    const before = staged();
    expect(before.length).toBeGreaterThan(0); // kills mid-pack leave staged packs behind
    expect(before.some((f) => f.file.startsWith(path.join(sb.repo, 'data')))).toBe(true);
    const dry = sb.json(['prune', '--dry-run']);
    expect(dry.leftover_files_removed).toBe(0);
    expect(staged()).toEqual(before);
    const r = sb.json(['prune', '--instant-delete']);
    expect(r.leftover_files_removed).toBe(before.length);
    expect(r.leftover_bytes_removed).toBe(before.reduce((n, f) => n + f.size, 0));
    expect(staged()).toEqual([]);
    assertIntact('after prune');
  });
});
