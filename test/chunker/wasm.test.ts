// The WebAssembly cut loop (FastCDC2020Wasm, ReadIntoChunker) against fastcdc-rs's vectors and against
// the JavaScript reference FastCDC2020: cut points and 64-bit hashes, on the copy path (input outside
// WebAssembly memory, scanned in 64 KiB blocks) and in place (input in the chunker's region).

import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  FastCDC2020,
  FastCDC2020Wasm,
  ReadIntoChunker,
  STANDARD_GEAR,
  chunkFile,
  gearFromBytes,
  type ChunkerParams,
} from '../../src/chunker/index.js';
import { InvalidArgumentError } from '../../src/errors.js';
import { arbitraryParams } from './arbitraries.js';
import { KEYED_GEAR_SEED, PARITY_INPUTS, keyedGearBytes, mixedInput } from './fixtures.js';
import { ALL_ZEROS_CASE, PARITY_CASES } from './parityVectors.js';

const KEYED_GEAR = gearFromBytes(keyedGearBytes(KEYED_GEAR_SEED));
const MiB = 1024 * 1024;

type Cut = [length: number, hash: bigint];

function wasmCuts(chunker: FastCDC2020Wasm, data: Uint8Array): Cut[] {
  const out: Cut[] = [];
  for (let offset = 0; offset < data.length; ) {
    const { end, hash } = chunker.cutWithHash(data, offset, data.length);
    out.push([end - offset, hash]);
    offset = end;
  }
  return out;
}

/** The same input copied into a chunker's own memory, so cut() scans it in place. */
function inPlaceCuts(params: ChunkerParams, gear: BigUint64Array, data: Uint8Array): Cut[] {
  const chunker = new FastCDC2020Wasm(params, gear, data.length);
  chunker.region.set(data);
  return wasmCuts(chunker, chunker.region);
}

const referenceCuts = (params: ChunkerParams, gear: BigUint64Array, data: Uint8Array): Cut[] =>
  new FastCDC2020(params, gear).chunks(data).map((s) => [s.length, s.hash]);

/**
 * Feeds data through a ReadIntoChunker as chunkFile does: the next buffer is taken and filled before
 * the previous one is pushed (the read ahead), reads are short by the given sizes (cycled).
 */
function readInto(chunker: ReadIntoChunker, data: Buffer, reads: number[]): Buffer[] {
  const out: Buffer[] = [];
  let pos = 0;
  let i = 0;
  const fill = (buffer: Buffer): number => {
    const n = Math.min(reads[i++ % reads.length], buffer.length, data.length - pos);
    data.copy(buffer, 0, pos, pos + n);
    pos += n;
    return n;
  };
  let bytes = fill(chunker.nextBuffer());
  while (bytes > 0) {
    const ahead = fill(chunker.nextBuffer());
    for (const c of chunker.push(bytes)) out.push(Buffer.from(c));
    bytes = ahead;
  }
  for (const c of chunker.finish()) out.push(Buffer.from(c));
  return out;
}

describe('WebAssembly parity with fastcdc-rs v2020 vectors', () => {
  const inputs = new Map<string, Buffer>();
  const input = (name: keyof typeof PARITY_INPUTS): Buffer => {
    if (!inputs.has(name)) inputs.set(name, PARITY_INPUTS[name]());
    return inputs.get(name)!;
  };

  it.each(PARITY_CASES.map((c) => [c.title, c] as const))('%s', (_title, c) => {
    const data = input(c.input);
    const gear = c.gear === 'keyed' ? KEYED_GEAR : STANDARD_GEAR;
    expect(wasmCuts(new FastCDC2020Wasm(c.params, gear), data)).toEqual(c.chunks);
    expect(inPlaceCuts(c.params, gear, data)).toEqual(c.chunks);
    const read = readInto(new ReadIntoChunker(c.params, gear, 300_001), data, [300_001, 77_777, 1]);
    expect(read.map((b) => b.length)).toEqual(c.chunks.map(([length]) => length));
    expect(Buffer.concat(read).equals(data)).toBe(true);
  });

  it('all zeros: max-size chunks with fastcdc-rs test_cut_all_zeros hash', () => {
    const { length, params, chunkLength, hash } = ALL_ZEROS_CASE;
    const expected = Array.from({ length: length / chunkLength }, (): Cut => [chunkLength, hash]);
    expect(wasmCuts(new FastCDC2020Wasm(params, STANDARD_GEAR), Buffer.alloc(length))).toEqual(expected);
    expect(inPlaceCuts(params, STANDARD_GEAR, Buffer.alloc(length))).toEqual(expected);
  });
});

describe('WebAssembly and JavaScript cut identically', () => {
  it('copied and in place, on random inputs, sizes, params, levels, keyed and standard gear', () => {
    fc.assert(
      fc.property(
        arbitraryParams(),
        fc.integer({ min: 0, max: 600 * 1024 }),
        fc.integer(),
        fc.boolean(),
        fc.boolean(),
        (params, length, seed, keyed, random) => {
          const data = random ? randomBytes(length, seed) : mixedInput(length, seed);
          const gear = keyed ? gearFromBytes(keyedGearBytes(seed)) : STANDARD_GEAR;
          const reference = referenceCuts(params, gear, data);
          expect(wasmCuts(new FastCDC2020Wasm(params, gear), data)).toEqual(reference);
          expect(inPlaceCuts(params, gear, data)).toEqual(reference);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('ReadIntoChunker: any read size and short reads give the reference boundaries and bytes', () => {
    const readSize = fc.oneof(fc.integer({ min: 1, max: 64 }), fc.integer({ min: 1, max: 64 * 1024 }), fc.integer({ min: 1, max: 2 * MiB }));
    fc.assert(
      fc.property(
        arbitraryParams(),
        fc.integer({ min: 0, max: 700 * 1024 }),
        fc.integer(),
        fc.boolean(),
        readSize,
        fc.array(fc.integer({ min: 1, max: 2 * MiB }), { minLength: 1, maxLength: 5 }),
        (params, length, seed, keyed, size, reads) => {
          const data = mixedInput(length, seed);
          const gear = keyed ? gearFromBytes(keyedGearBytes(seed)) : STANDARD_GEAR;
          const chunker = new ReadIntoChunker(params, gear, size);
          const chunks = readInto(chunker, data, reads);
          expect(chunks.map((c) => c.length)).toEqual(referenceCuts(params, gear, data).map(([l]) => l));
          expect(Buffer.concat(chunks).equals(data)).toBe(true);
          // Reusable after finish(): the same input again, read differently.
          expect(readInto(chunker, data, [size]).map((c) => c.length)).toEqual(chunks.map((c) => c.length));
        },
      ),
      { numRuns: 40 },
    );
  });

  it('cut() inside a larger buffer, copied and in place, honours start and end', () => {
    const params = { min: 2048, avg: 8192, max: 32768 };
    const data = mixedInput(300 * 1024, 7);
    const reference = new FastCDC2020(params, STANDARD_GEAR);
    const copied = new FastCDC2020Wasm(params, STANDARD_GEAR);
    const inPlace = new FastCDC2020Wasm(params, STANDARD_GEAR, data.length);
    inPlace.region.set(data);
    for (let pos = 1000; pos < 200_000; ) {
      const end = reference.cut(data, pos, 200_000);
      expect(copied.cut(data, pos, 200_000)).toBe(end);
      expect(inPlace.cut(inPlace.region, pos, 200_000)).toBe(end);
      pos = end;
    }
  });
});

describe('ReadIntoChunker contract', () => {
  it('refuses a third buffer, a push without one, and bad sizes', () => {
    const chunker = new ReadIntoChunker({ min: 64, avg: 256, max: 1024 }, STANDARD_GEAR, 4096);
    expect(() => chunker.push(0)).toThrow();
    chunker.nextBuffer();
    chunker.nextBuffer();
    expect(() => chunker.nextBuffer()).toThrow();
    expect(() => chunker.push(4097)).toThrow(InvalidArgumentError);
    expect(() => new ReadIntoChunker({ min: 64, avg: 256, max: 1024 }, STANDARD_GEAR, 0)).toThrow(InvalidArgumentError);
    expect(() => new ReadIntoChunker({ min: 63, avg: 256, max: 1024 }, STANDARD_GEAR, 4096)).toThrow(InvalidArgumentError);
  });

  it('hands out views of its WebAssembly memory (reads land where the cut loop scans)', () => {
    const chunker = new ReadIntoChunker({ min: 64, avg: 256, max: 1024 }, STANDARD_GEAR, 8192);
    const a = chunker.nextBuffer();
    const b = chunker.nextBuffer();
    expect(a.buffer).toBe(b.buffer);
    expect(a.length).toBe(8192);
    mixedInput(8192, 3).copy(a);
    const chunks = chunker.push(8192);
    expect(chunks.length).toBeGreaterThan(0);
    for (const c of chunks) expect(c.buffer).toBe(a.buffer);
  });
});

describe('chunkFile reuses pooled chunkers', () => {
  it('after an abandoned file, and with a cloned gear table (as a worker receives it)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'snap-wasm-'));
    try {
      const params = { min: 4096, avg: 16384, max: 65536, level: 2 as const };
      const gear = gearFromBytes(keyedGearBytes(5));
      const data = mixedInput(3 * MiB + 5, 11);
      const path = join(dir, 'f');
      await writeFile(path, data);
      const expected = referenceCuts(params, gear, data).map(([l]) => l);
      const handle = await open(path, 'r');
      try {
        for (let round = 0; round < 3; round++) {
          // Abandon one file half way: its chunker goes back to the pool with state to forget.
          for await (const chunk of chunkFile(handle, params, structuredClone(gear), 100_000)) if (chunk.length > 0) break;
          const chunks: Buffer[] = [];
          for await (const chunk of chunkFile(handle, params, structuredClone(gear), 100_000)) chunks.push(Buffer.from(chunk));
          expect(chunks.map((c) => c.length)).toEqual(expected);
          expect(Buffer.concat(chunks).equals(data)).toBe(true);
        }
      } finally {
        await handle.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

function randomBytes(length: number, seed: number): Buffer {
  const out = Buffer.alloc(length);
  let x = seed | 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}
