// Property: random trees with random edits across several snapshots; each snapshot restores
// exactly to the tree it was taken of.

import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdirSync, writeFileSync, rmSync, existsSync, symlinkSync, chmodSync, appendFileSync, lstatSync } from 'node:fs';
import path from 'node:path';
import { Sandbox, snapshotTree, diffTrees } from './helpers.js';

type Op =
  | { kind: 'write'; file: number; bytes: number; seed: number }
  | { kind: 'append'; file: number; bytes: number; seed: number }
  | { kind: 'delete'; file: number }
  | { kind: 'mkdir'; dir: number }
  | { kind: 'symlink'; file: number; target: string }
  | { kind: 'chmod'; file: number; mode: number };

const DIRS = ['', 'a', 'a/b', 'c'];
const NAMES = ['f1', 'f 2', 'f\\3', 'é4', '-f5', 'f6.bin'];

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('write' as const), file: fc.nat(23), bytes: fc.integer({ min: 0, max: 300_000 }), seed: fc.nat() }),
  fc.record({ kind: fc.constant('append' as const), file: fc.nat(23), bytes: fc.integer({ min: 1, max: 50_000 }), seed: fc.nat() }),
  fc.record({ kind: fc.constant('delete' as const), file: fc.nat(23) }),
  fc.record({ kind: fc.constant('mkdir' as const), dir: fc.nat(3) }),
  fc.record({ kind: fc.constant('symlink' as const), file: fc.nat(23), target: fc.constantFrom('f1', '../x', 'a/b/f 2') }),
  fc.record({ kind: fc.constant('chmod' as const), file: fc.nat(23), mode: fc.constantFrom(0o600, 0o644, 0o755, 0o700) }),
);

function bytes(n: number, seed: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  let x = seed | 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    // Mix of compressible and random regions.
    b[i] = (i >> 12) % 3 === 0 ? 0x61 + (i % 7) : x & 0xff;
  }
  return b;
}

function apply(root: string, op: Op): void {
  const fileOf = (i: number) => path.join(root, DIRS[i % DIRS.length]!, NAMES[Math.floor(i / DIRS.length) % NAMES.length]!);
  const ensureDir = (p: string) => mkdirSync(path.dirname(p), { recursive: true });
  const clear = (p: string) => rmSync(p, { force: true, recursive: true });
  switch (op.kind) {
    case 'write': {
      const p = fileOf(op.file);
      ensureDir(p);
      clear(p);
      writeFileSync(p, bytes(op.bytes, op.seed));
      break;
    }
    case 'append': {
      const p = fileOf(op.file);
      ensureDir(p);
      if (existsSync(p) && !isFile(p)) clear(p);
      appendFileSync(p, bytes(op.bytes, op.seed));
      break;
    }
    case 'delete':
      clear(fileOf(op.file));
      break;
    case 'mkdir':
      mkdirSync(path.join(root, DIRS[op.dir]!, 'made'), { recursive: true });
      break;
    case 'symlink': {
      const p = fileOf(op.file);
      ensureDir(p);
      clear(p);
      symlinkSync(op.target, p);
      break;
    }
    case 'chmod': {
      const p = fileOf(op.file);
      if (existsSync(p) && isFile(p)) chmodSync(p, op.mode);
      break;
    }
  }
}

function isFile(p: string): boolean {
  return lstatSync(p).isFile();
}

describe('random trees and edits across snapshots', () => {
  const sandboxes: Sandbox[] = [];
  afterAll(() => sandboxes.forEach((s) => s.cleanup()));

  it('every snapshot restores exactly to the tree it was taken of', () => {
    fc.assert(
      fc.property(fc.array(fc.array(opArb, { minLength: 1, maxLength: 12 }), { minLength: 2, maxLength: 3 }), (nights) => {
        const sb = new Sandbox();
        sandboxes.push(sb);
        sb.init();
        const src = sb.path('src');
        mkdirSync(src);
        const expected: Array<{ id: string; tree: ReturnType<typeof snapshotTree> }> = [];
        for (const ops of nights) {
          for (const op of ops) apply(src, op);
          const r = sb.json(['create', src]);
          expect(r.files_failed).toEqual([]);
          expected.push({ id: r.snapshot_id, tree: snapshotTree(src) });
        }
        for (const { id, tree } of expected) {
          const out = sb.path(`restore-${id.slice(0, 8)}`);
          sb.ok(['restore', id, out]);
          expect(diffTrees(tree, snapshotTree(path.join(out, src)))).toEqual([]);
        }
      }),
      { numRuns: 4, seed: Number(process.env.SNAP_PROPERTY_SEED ?? 20261125) },
    );
  });
});
