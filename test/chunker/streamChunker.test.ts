import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_CHUNKER_PARAMS,
  FastCDC2020Wasm,
  STANDARD_GEAR,
  StreamChunker,
  chunkFile,
  gearFromBytes,
  type ChunkerParams,
} from '../../src/chunker/index.js';
import { InvalidArgumentError } from '../../src/errors.js';
import { arbitraryParams } from './arbitraries.js';
import { keyedGearBytes, mixedInput } from './fixtures.js';

const MiB = 1024 * 1024;
const GARBAGE = 0xa5;

function wholeLengths(params: ChunkerParams, gear: BigUint64Array, data: Buffer): number[] {
  return new FastCDC2020Wasm(params, gear).chunks(data).map((s) => s.length);
}

/**
 * Pushes `data` in pieces of the given sizes (cycled), each piece a fresh buffer that is scribbled
 * over right after push(), and every returned chunk copied at once: this checks both the boundaries
 * and the contract (the chunker keeps no reference to a pushed buffer; chunks are valid until the
 * next call).
 */
function streamed(chunker: StreamChunker, data: Buffer, pieceSizes: number[]): Buffer[] {
  const out: Buffer[] = [];
  let i = 0;
  for (let pos = 0; pos < data.length; i++) {
    const size = Math.min(pieceSizes[i % pieceSizes.length], data.length - pos);
    const piece = Buffer.from(data.subarray(pos, pos + size));
    for (const chunk of chunker.push(piece)) out.push(Buffer.from(chunk));
    piece.fill(GARBAGE);
    pos += size;
  }
  for (const chunk of chunker.finish()) out.push(Buffer.from(chunk));
  return out;
}

const pieceSize = fc.oneof(
  fc.integer({ min: 1, max: 64 }),
  fc.integer({ min: 1, max: 64 * 1024 }),
  fc.integer({ min: 1, max: 3 * MiB }),
);

describe('StreamChunker', () => {
  it('gives the same chunks as whole-buffer chunking, for any piece sizes', () => {
    fc.assert(
      fc.property(
        arbitraryParams(),
        fc.integer({ min: 0, max: 3 * MiB }),
        fc.integer(),
        fc.array(pieceSize, { minLength: 1, maxLength: 8 }),
        fc.boolean(),
        (params, length, seed, sizes, keyed) => {
          // Keep 1-byte pushes to small inputs so a run stays fast.
          const data = mixedInput(Math.min(length, Math.max(...sizes) < 64 ? 200 * 1024 : length), seed);
          const gear = keyed ? gearFromBytes(keyedGearBytes(seed)) : STANDARD_GEAR;
          const chunks = streamed(new StreamChunker(params, gear), data, sizes);
          expect(chunks.map((c) => c.length)).toEqual(wholeLengths(params, gear, data));
          expect(Buffer.concat(chunks).equals(data)).toBe(true);
          chunks.forEach((c, i) => {
            expect(c.length).toBeLessThanOrEqual(params.max);
            if (i < chunks.length - 1) expect(c.length).toBeGreaterThanOrEqual(params.min);
          });
        },
      ),
      { numRuns: 40 },
    );
  });

  it('gives the same chunks with the smallest parameters and pieces around max (many boundaries)', () => {
    const smallParams = fc
      .record({ min: fc.integer({ min: 32, max: 128 }), avg: fc.integer({ min: 256, max: 1024 }), maxFactor: fc.integer({ min: 1, max: 4 }), level: fc.constantFrom<0 | 1 | 2 | 3>(0, 1, 2, 3) })
      .map(({ min, avg, maxFactor, level }) => ({ min: 2 * min, avg, max: Math.max(1024, avg * maxFactor), level }));
    fc.assert(
      fc.property(
        smallParams,
        fc.integer({ min: 0, max: 100 * 1024 }),
        fc.integer(),
        fc.array(fc.oneof(fc.integer({ min: 1, max: 16 }), fc.integer({ min: 900, max: 4200 }), fc.integer({ min: 1, max: 9000 })), { minLength: 1, maxLength: 6 }),
        (params, length, seed, sizes) => {
          const data = mixedInput(length, seed);
          const chunks = streamed(new StreamChunker(params, STANDARD_GEAR), data, sizes);
          expect(chunks.map((c) => c.length)).toEqual(wholeLengths(params, STANDARD_GEAR, data));
          expect(Buffer.concat(chunks).equals(data)).toBe(true);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('gives the same chunks when pieces end right around a boundary or max bytes after one', () => {
    // Exhaustive over the positions where the carry logic switches paths: a piece ending a few bytes
    // before or after a chunk boundary b, and the next piece ending a few bytes around b + max.
    const params = { min: 128, avg: 512, max: 2048, level: 1 as const };
    const data = Buffer.concat([mixedInput(30_000, 11), Buffer.alloc(9000), mixedInput(20_000, 12), Buffer.alloc(5000)]);
    const expected = wholeLengths(params, STANDARD_GEAR, data);
    const chunker = new StreamChunker(params, STANDARD_GEAR);
    const near = [-3, -2, -1, 0, 1, 2, 3];
    let boundary = 0;
    for (const length of expected) {
      for (const k1 of near) {
        for (const k2 of near) {
          const x = Math.max(1, boundary + k1);
          const y = Math.max(x + 1, boundary + params.max + k2);
          const chunks = streamed(chunker, data, [x, y - x, data.length]);
          expect(chunks.map((c) => c.length)).toEqual(expected);
          expect(Buffer.concat(chunks).equals(data)).toBe(true);
        }
      }
      boundary += length;
    }
  });

  it('is reusable after finish() and ignores empty pushes', () => {
    const params = { min: 1024, avg: 4096, max: 16384 };
    const chunker = new StreamChunker(params, STANDARD_GEAR);
    const a = mixedInput(100_000, 1);
    const b = mixedInput(70_000, 2);
    expect(chunker.push(Buffer.alloc(0))).toEqual([]);
    expect(streamed(chunker, a, [5000]).map((c) => c.length)).toEqual(wholeLengths(params, STANDARD_GEAR, a));
    expect(chunker.pendingBytes).toBe(0);
    expect(streamed(chunker, b, [3 * MiB]).map((c) => c.length)).toEqual(wholeLengths(params, STANDARD_GEAR, b));
    expect(chunker.finish()).toEqual([]);
  });

  it('returns views (no copy) for chunks wholly inside a pushed buffer', () => {
    const params = { min: 16384, avg: 65536, max: 262144, level: 1 } as const;
    const data = mixedInput(2 * MiB, 3);
    const chunker = new StreamChunker(params, STANDARD_GEAR);
    const chunks = chunker.push(data);
    expect(chunks.length).toBeGreaterThan(3);
    for (const c of chunks) expect(c.buffer).toBe(data.buffer);
    expect(chunker.pendingBytes).toBeLessThan(params.max);
  });

  it('accepts plain Uint8Array pieces', () => {
    const data = mixedInput(500_000, 4);
    const chunker = new StreamChunker(DEFAULT_CHUNKER_PARAMS, STANDARD_GEAR);
    const chunks = [...chunker.push(new Uint8Array(data)), ...chunker.finish()].map((c) => c.length);
    expect(chunks).toEqual(wholeLengths(DEFAULT_CHUNKER_PARAMS, STANDARD_GEAR, data));
  });

  it('validates its parameters', () => {
    expect(() => new StreamChunker({ min: 64, avg: 32, max: 1024 }, STANDARD_GEAR)).toThrow(InvalidArgumentError);
  });
});

describe('chunkFile', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'snap-chunker-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function collect(path: string, params: ChunkerParams, readSize?: number): Promise<Buffer[]> {
    const handle = await open(path, 'r');
    try {
      const out: Buffer[] = [];
      for await (const chunk of chunkFile(handle, params, STANDARD_GEAR, readSize)) out.push(Buffer.from(chunk));
      return out;
    } finally {
      await handle.close();
    }
  }

  it.each([
    ['empty', 0, undefined],
    ['smaller than min', 1000, undefined],
    ['~3 MiB, default read size', 3 * MiB + 17, undefined],
    ['~3 MiB, read size < max', 3 * MiB + 17, 100_000],
    ['~1 MiB, tiny reads', MiB, 4099],
    ['~9 MiB, read size 1 MiB', 9 * MiB + 1, MiB],
  ])('%s', async (_name, length, readSize) => {
    const data = mixedInput(length, length + 1);
    const path = join(dir, `f${length}-${readSize}`);
    await writeFile(path, data);
    const chunks = await collect(path, DEFAULT_CHUNKER_PARAMS, readSize);
    expect(chunks.map((c) => c.length)).toEqual(wholeLengths(DEFAULT_CHUNKER_PARAMS, STANDARD_GEAR, data));
    expect(Buffer.concat(chunks).equals(data)).toBe(true);
  });

  it('can be abandoned early, then the handle closed', async () => {
    const path = join(dir, 'early');
    await writeFile(path, mixedInput(5 * MiB, 9));
    const handle = await open(path, 'r');
    let seen = 0;
    for await (const chunk of chunkFile(handle, DEFAULT_CHUNKER_PARAMS, STANDARD_GEAR, MiB)) {
      seen += chunk.length;
      if (seen > MiB) break;
    }
    await handle.close();
    expect(seen).toBeGreaterThan(MiB);
  });

  it('rejects a bad read size', async () => {
    const path = join(dir, 'bad');
    await writeFile(path, 'x');
    const handle = await open(path, 'r');
    try {
      await expect(chunkFile(handle, DEFAULT_CHUNKER_PARAMS, STANDARD_GEAR, 0).next()).rejects.toThrow(InvalidArgumentError);
    } finally {
      await handle.close();
    }
  });
});
