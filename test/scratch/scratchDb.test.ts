// The scratch store past its write batch: values read back after they were flushed to LMDB must be
// their own bytes. (Buffer.from of lmdb's fast buffer threw RangeError for every flushed value, so
// `check` crashed on any repository of more than 50 000 blobs.)

import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { ScratchDb } from '../../src/scratch/scratchDb.js';

const bytes = (seed: string, n: number) => createHash('sha512').update(seed).digest().subarray(0, n);

describe('scratch table', () => {
  it('gives back every value, before and after its batch is written, of sizes from 1 to 64 bytes', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'snap-scratch-'));
    const db = ScratchDb.open(dir, 'test');
    try {
      const t = db.table('t');
      const n = 60_000; // more than one write batch (FLUSH_ENTRIES)
      for (let i = 0; i < n; i++) t.put(bytes(`k${i}`, 32), bytes(`v${i}`, 1 + (i % 64)));
      for (let i = 0; i < n; i += 7) {
        const v = t.get(bytes(`k${i}`, 32));
        expect(v?.equals(bytes(`v${i}`, 1 + (i % 64))), `entry ${i}`).toBe(true);
      }
      t.flush();
      for (let i = 1; i < n; i += 7) expect(t.get(bytes(`k${i}`, 32))?.equals(bytes(`v${i}`, 1 + (i % 64))), `entry ${i}`).toBe(true);
      expect(t.get(bytes('absent', 32))).toBeUndefined();
      // A value stays the same after further reads (it is a copy, not the shared read buffer).
      const first = t.get(bytes('k3', 32))!;
      t.get(bytes('k4', 32));
      expect(first.equals(bytes('v3', 4))).toBe(true);
    } finally {
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
