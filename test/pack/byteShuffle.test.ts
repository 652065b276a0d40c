// The 4-byte shuffle codec: exact inverse for every length and alignment, pinned layout, and a
// detector that picks fp32 tensors but not text, random bytes or short blobs.
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeLaneOrder, encodeLaneOrder, shuffleWords, unshuffleWords, wordLaneOrder } from '../../src/pack/byteShuffle.js';
import { Codec, decodeBlob, encodeBlob } from '../../src/pack/codec.js';
import { entropyBits } from '../../src/pack/entropy.js';

const ORDERS = [[0, 1, 2, 3], [3, 2, 1, 0], [1, 3, 0, 2], [2, 0, 3, 1]];

/** The layout spelled out byte by byte: lane k = byte order[k] of each whole word, then the tail. */
function reference(src: Buffer, order: number[]): Buffer {
  const words = src.length >> 2;
  const out = Buffer.alloc(src.length);
  for (let k = 0; k < 4; k++) for (let i = 0; i < words; i++) out[k * words + i] = src[i * 4 + order[k]!]!;
  src.copy(out, words * 4, words * 4);
  return out;
}

/** fp32 weights of a small model layer: triangular around 0, scale ~0.02 (sign+exponent lane ~3 bits). */
function fp32Weights(count: number, seed = 1): Buffer {
  const f = new Float32Array(count);
  let x = seed;
  const rnd = () => ((x = (x * 1103515245 + 12345) >>> 0) / 2 ** 32);
  for (let i = 0; i < count; i++) f[i] = (rnd() + rnd() - 1) * 0.02;
  return Buffer.from(f.buffer);
}

describe('byte shuffle', () => {
  it('matches the reference layout and inverts exactly, at every length, alignment and lane order', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 300 }), fc.integer({ min: 0, max: 3 }), fc.constantFrom(...ORDERS), (bytes, skew, order) => {
        const src = Buffer.concat([Buffer.alloc(skew), Buffer.from(bytes)]).subarray(skew); // unaligned views too
        const s = shuffleWords(src, order);
        expect(s.equals(reference(src, order))).toBe(true);
        expect(unshuffleWords(s, order).equals(src)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('pins the layout of a small input', () => {
    const src = Buffer.from('000102031011121320212223303132334041424344', 'hex'); // 5 words and a 1-byte tail
    expect(shuffleWords(src, [3, 0, 1, 2]).toString('hex')).toBe('0313233343' + '0010203040' + '0111213141' + '0212223242' + '44');
  });

  it('stores a lane order in one byte and refuses bytes that are not a permutation', () => {
    for (const o of ORDERS) expect(decodeLaneOrder(encodeLaneOrder(o))).toEqual(o);
    expect(encodeLaneOrder([1, 3, 0, 2])).toBe(0b10_00_11_01);
    expect(decodeLaneOrder(0)).toBeUndefined(); // lane 0 four times
  });

  it('detects fp32 tensors (most predictable lane first), not text, random bytes or short blobs', () => {
    const weights = fp32Weights(64 * 1024);
    expect(wordLaneOrder(weights)?.[0]).toBe(3); // sign and exponent: byte 3 of a little-endian float
    expect(wordLaneOrder(weights.subarray(1))?.[0]).toBe(2); // a chunk starting mid-word: lanes rotate
    const text = Buffer.from('{"id": 17, "text": "the quick brown fox jumps over the lazy dog"}\n'.repeat(4000));
    expect(wordLaneOrder(text)).toBeUndefined();
    const random = Buffer.concat(Array.from({ length: 8192 }, (_, i) => createHash('sha256').update(String(i)).digest()));
    expect(wordLaneOrder(random)).toBeUndefined();
    expect(wordLaneOrder(weights.subarray(0, 8 * 1024))).toBeUndefined();
  });
});

describe('codec 2 (zstd of shuffled words)', () => {
  it('is chosen for fp32 weights, is smaller than plain zstd, and decodes to the same bytes', async () => {
    const weights = fp32Weights(64 * 1024, 7).subarray(3); // 256 KiB less 3 bytes, unaligned
    const enc = await encodeBlob(weights, { codec: 'zstd', level: 3 });
    expect(enc.codec).toBe(Codec.ZstdShuffle4);
    expect(decodeLaneOrder(enc.bytes[0]!)).toEqual(wordLaneOrder(weights));
    const plain = await encodeBlob(Buffer.from('x'.repeat(10)), { codec: 'zstd', level: 3 });
    expect(plain.codec).toBe(Codec.Raw); // too small to gain: stored as it is
    const { compress } = (await import('node:module')).createRequire(import.meta.url)('@mongodb-js/zstd/bindings.js');
    const zstdOnly: Buffer = await compress(weights, 3);
    expect(enc.bytes.length).toBeLessThan(zstdOnly.length * 0.95);
    expect((await decodeBlob(enc.codec, enc.bytes, weights.length)).equals(weights)).toBe(true);
  });

  it('rejects a lane-order byte that is not a permutation and a wrong length', async () => {
    const weights = fp32Weights(16 * 1024);
    const enc = await encodeBlob(weights, { codec: 'zstd', level: 3 });
    expect(enc.codec).toBe(Codec.ZstdShuffle4);
    await expect(decodeBlob(enc.codec, Buffer.concat([Buffer.of(0), enc.bytes.subarray(1)]), weights.length)).rejects.toThrow(/lane order/);
    await expect(decodeBlob(enc.codec, enc.bytes, weights.length + 1)).rejects.toThrow(/expected/);
  });
});

describe('wordLaneOrder reads words where it can, and decides as the byte loop does', () => {
  // The decision as it was made before the word-wise counts and the first look: one byte at a time.
  function byteLoopOrder(buf: Buffer): number[] | undefined {
    if (buf.length < 16 * 1024) return undefined;
    const n = Math.min(buf.length, 16 * 1024) & ~3;
    const start = ((buf.length - n) >> 1) & ~3;
    const counts = new Uint32Array(1024);
    for (let i = 0; i < n; i++) counts[(i & 3) * 256 + buf[start + i]!]!++;
    const bits = [0, 1, 2, 3].map((lane) => entropyBits(counts, lane * 256, n / 4));
    const sorted = [...bits].sort((a, b) => a - b);
    if (sorted[0]! > 6 || sorted[2]! < 7.5) return undefined;
    return [0, 1, 2, 3].sort((a, b) => bits[a]! - bits[b]! || a - b);
  }
  const text = readFileSync(path.join(import.meta.dirname, '../../node_modules/typescript/lib/lib.dom.d.ts')).subarray(0, 200_000);
  const inputs: Array<[string, Buffer]> = [
    ['fp32 weights', fp32Weights(60_000, 7)],
    ['text', text],
    ['random', randomBytes(100_000)],
    ['fp32 then text', Buffer.concat([fp32Weights(20_000, 3), text.subarray(0, 80_000)])],
  ];
  for (const [what, data] of inputs) {
    it(`${what}, at every offset mod 4 in its buffer and every length mod 4`, () => {
      for (let off = 0; off < 4; off++) {
        for (let cut = 0; cut < 4; cut++) {
          const backing = Buffer.alloc(data.length + 8);
          data.copy(backing, off);
          const view = backing.subarray(off, off + data.length - cut);
          expect(wordLaneOrder(view), `offset ${off}, length −${cut}`).toEqual(byteLoopOrder(view));
        }
      }
    });
  }
  it('finds the lanes of fp32 weights (so the comparison above is not only of undefined)', () => {
    expect(wordLaneOrder(fp32Weights(60_000, 7))).toBeDefined();
  });
});
