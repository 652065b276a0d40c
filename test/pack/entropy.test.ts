// entropyBits through its c·log2(c) table gives Shannon's formula, for counts inside and past the table.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { entropyBits } from '../../src/pack/entropy.js';

function direct(counts: Uint32Array, from: number, n: number): number {
  let h = 0;
  for (let v = from; v < from + 256; v++) if (counts[v]) h -= (counts[v]! / n) * Math.log2(counts[v]! / n);
  return h;
}

describe('entropyBits', () => {
  it('matches -Σ p log2 p for any counts (within 1e-9 bits)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 40_000 }), { minLength: 256, maxLength: 256 }), fc.integer({ min: 0, max: 2 }), (cs, lane) => {
        const counts = new Uint32Array(256 * 3);
        counts.set(cs, lane * 256);
        const n = cs.reduce((a, b) => a + b, 0);
        if (n === 0) return expect(entropyBits(counts, lane * 256, n)).toBe(0);
        expect(Math.abs(entropyBits(counts, lane * 256, n) - direct(counts, lane * 256, n))).toBeLessThan(1e-9);
      }),
    );
  });
  it('is 8 bits for uniform counts and 0 for one value', () => {
    expect(entropyBits(new Uint32Array(256).fill(16), 0, 4096)).toBeCloseTo(8, 12);
    const one = new Uint32Array(256);
    one[7] = 4096;
    expect(entropyBits(one, 0, 4096)).toBeCloseTo(0, 12);
  });
});
