// Shared by the stats, diff, verify and report tests: deterministic data and the repository's pack bytes.

import { readdirSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';

/** Deterministic, incompressible bytes (counter-mode SHA-256). */
export function pseudoRandom(n: number, seed: number): Buffer {
  const out = Buffer.allocUnsafe(n);
  for (let o = 0, i = 0; o < n; o += 32, i++) createHash('sha256').update(`${seed}:${i}`).digest().copy(out, o, 0, Math.min(32, n - o));
  return out;
}

/** Sum of the pack file sizes under repo/data. */
export function packBytesOnDisk(repo: string): number {
  let total = 0;
  for (const sub of readdirSync(path.join(repo, 'data'))) {
    for (const f of readdirSync(path.join(repo, 'data', sub))) total += statSync(path.join(repo, 'data', sub, f)).size;
  }
  return total;
}
