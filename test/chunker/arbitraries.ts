// fast-check generators shared by the chunker tests.
import fc from 'fast-check';
import type { ChunkerParams, NormalizationLevel } from '../../src/chunker/index.js';

/**
 * Valid parameters, biased small so that test inputs of a few hundred KiB give many chunks:
 * avg 256 B .. 64 KiB, even min in [64, avg], max in [max(1024, avg), 8·avg], level 0..3.
 */
export function arbitraryParams(): fc.Arbitrary<Required<ChunkerParams>> {
  return fc
    .record({
      avgLog: fc.integer({ min: 8, max: 16 }),
      avgJitter: fc.double({ min: 0, max: 1, noNaN: true }),
      minFraction: fc.double({ min: 0, max: 1, noNaN: true }),
      maxFactor: fc.double({ min: 1, max: 8, noNaN: true }),
      level: fc.constantFrom<NormalizationLevel>(0, 1, 2, 3),
    })
    .map(({ avgLog, avgJitter, minFraction, maxFactor, level }) => {
      const avg = Math.min(64 * 1024, Math.floor(2 ** (avgLog + avgJitter)));
      const min = Math.max(64, 2 * Math.floor((avg * minFraction) / 2));
      const max = Math.max(1024, avg, Math.floor(avg * maxFactor));
      return { min, avg, max, level };
    });
}
