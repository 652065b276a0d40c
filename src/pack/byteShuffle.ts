// Byte shuffling for arrays of 4-byte words (fp32 weights, int32 tables): byte k of every word is
// gathered into lane k before zstd sees the data. In an fp32 tensor the lane holding sign and
// exponent repeats a few values and compresses well once it is contiguous, while interleaved with
// the mantissa bytes it hides from zstd's matcher (HDF5's and Blosc's shuffle filter, for the same
// reason). A chunk need not start on a word boundary: its lanes are then a rotation of the file's,
// which the lane order (lanes sorted by entropy, stored in one byte) puts back in shape.

import { entropyBits } from './entropy.js';

/** The word width the shuffle assumes (fp32 / int32). */
export const SHUFFLE_WIDTH = 4;
/** Bytes sampled to decide whether a blob looks like an array of words. */
const SAMPLE_BYTES = 16 * 1024;
/** Below this, a blob is too small for the decision or the gain to matter. */
export const SHUFFLE_MIN_BYTES = 16 * 1024;
/** Words qualify with a lane at most this predictable (bits per byte, sampled) ... */
const LOW_LANE_BITS = 6;
/** ... and two lanes at least this close to random (mantissa bytes). */
const RANDOM_LANE_BITS = 7.5;

/**
 * Output lane k holds byte order[k] of every whole word (order: a permutation of 0..3); a tail
 * shorter than a word stays last. The order puts similar lanes side by side: zstd codes literals
 * with one table per 128 KiB block, and a block mixing a 2-bit lane with an 8-bit one codes both badly.
 */
export function shuffleWords(src: Buffer, order: readonly number[]): Buffer {
  const words = Math.floor(src.length / SHUFFLE_WIDTH);
  const quads = words >> 2; // four words at a time: each lane gets one whole Uint32 per step
  const w = alignedWords(src, words);
  // Not zero-filled: every word is written below (a zeroed array cost a memset of each blob).
  const laneBytes = Buffer.allocUnsafeSlow(SHUFFLE_WIDTH * quads * 4);
  const lanes = new Uint32Array(laneBytes.buffer, laneBytes.byteOffset, SHUFFLE_WIDTH * quads);
  const [s0, s1, s2, s3] = order.map(laneShift) as [number, number, number, number];
  for (let q = 0, i = 0; q < quads; q++, i += 4) {
    const a = w[i]!, b = w[i + 1]!, c = w[i + 2]!, d = w[i + 3]!;
    lanes[q] = gather(a, b, c, d, s0);
    lanes[quads + q] = gather(a, b, c, d, s1);
    lanes[2 * quads + q] = gather(a, b, c, d, s2);
    lanes[3 * quads + q] = gather(a, b, c, d, s3);
  }
  const out = Buffer.allocUnsafe(src.length);
  for (let k = 0; k < SHUFFLE_WIDTH; k++) {
    laneBytes.copy(out, k * words, k * quads * 4, (k + 1) * quads * 4);
    for (let i = quads * 4; i < words; i++) out[k * words + i] = src[i * SHUFFLE_WIDTH + order[k]!]!;
  }
  src.copy(out, words * SHUFFLE_WIDTH, words * SHUFFLE_WIDTH);
  return out;
}

/** The inverse of shuffleWords with the same order. */
export function unshuffleWords(src: Buffer, order: readonly number[]): Buffer {
  const words = Math.floor(src.length / SHUFFLE_WIDTH);
  const quads = words >> 2;
  const lanes = new Uint32Array(SHUFFLE_WIDTH * quads);
  const laneBytes = Buffer.from(lanes.buffer);
  for (let k = 0; k < SHUFFLE_WIDTH; k++) src.copy(laneBytes, k * quads * 4, k * words, k * words + quads * 4);
  const w = new Uint32Array(quads * 4);
  const [s0, s1, s2, s3] = order.map(laneShift) as [number, number, number, number];
  // Byte j of lane word q is byte (order[k]) of word 4q + j.
  for (let q = 0, i = 0; q < quads; q++, i += 4) {
    const l0 = lanes[q]!, l1 = lanes[quads + q]!, l2 = lanes[2 * quads + q]!, l3 = lanes[3 * quads + q]!;
    for (let j = 0; j < 4; j++) {
      const t = j * 8;
      w[i + j] = ((((l0 >>> t) & 255) << s0) | (((l1 >>> t) & 255) << s1) | (((l2 >>> t) & 255) << s2) | (((l3 >>> t) & 255) << s3)) >>> 0;
    }
  }
  const out = Buffer.allocUnsafe(src.length);
  Buffer.from(w.buffer).copy(out, 0);
  for (let k = 0; k < SHUFFLE_WIDTH; k++) {
    for (let i = quads * 4; i < words; i++) out[i * SHUFFLE_WIDTH + order[k]!] = src[k * words + i]!;
  }
  src.copy(out, words * SHUFFLE_WIDTH, words * SHUFFLE_WIDTH);
  return out;
}

/** Byte `shift` of four words, packed into one Uint32 in memory order (little-endian hosts). */
const gather = (a: number, b: number, c: number, d: number, shift: number): number =>
  ((a >>> shift) & 255) | (((b >>> shift) & 255) << 8) | (((c >>> shift) & 255) << 16) | ((d >>> shift) << 24);

/** Where byte `lane` of a word sits in a Uint32 read from memory (gather packs little-endian too). */
const laneShift = (lane: number): number => lane * 8;
if (new Uint8Array(new Uint32Array([1]).buffer)[0] !== 1) throw new Error('byteShuffle assumes a little-endian host (x64, arm64)');

/** The whole words of `src` as a Uint32Array (copied when not 4-byte aligned). */
function alignedWords(src: Buffer, words: number): Uint32Array {
  if (src.byteOffset % SHUFFLE_WIDTH === 0) return new Uint32Array(src.buffer, src.byteOffset, words);
  const copy = new Uint32Array(words);
  Buffer.from(copy.buffer).set(src.subarray(0, words * SHUFFLE_WIDTH));
  return copy;
}

/** A lane order as one byte: bits 2k..2k+1 name the source lane of output lane k. */
export function encodeLaneOrder(order: readonly number[]): number {
  return order.reduce((b, lane, k) => b | (lane << (2 * k)), 0);
}

/** The lane order of a byte; undefined unless it is a permutation of 0..3. */
export function decodeLaneOrder(b: number): number[] | undefined {
  const order = [0, 1, 2, 3].map((k) => (b >> (2 * k)) & 3);
  return new Set(order).size === SHUFFLE_WIDTH ? order : undefined;
}

/**
 * The lane order to shuffle a blob with when it looks like an array of 4-byte words (fp32
 * weights: sign and exponent lane a few bits of entropy, the two low mantissa lanes near 8), else
 * undefined. Decided on a sample from the middle by Shannon entropy per byte lane; text, random
 * bytes and most executables do not qualify (their lanes are alike, or none is near-random).
 * A first look at PREFILTER_BYTES of the sample rejects blobs with fewer than two near-random
 * lanes at a quarter of the cost: this runs on every blob of a backup, and most are not words.
 */
export function wordLaneOrder(buf: Buffer): number[] | undefined {
  if (buf.length < SHUFFLE_MIN_BYTES) return undefined;
  const n = Math.min(buf.length, SAMPLE_BYTES) & ~(SHUFFLE_WIDTH - 1);
  const start = ((buf.length - n) >> 1) & ~(SHUFFLE_WIDTH - 1);
  const pre = Math.min(n, PREFILTER_BYTES);
  if (sortedLaneBits(laneCounts(buf, start, pre), pre)[2]! < PREFILTER_RANDOM_LANE_BITS) return undefined;
  const bits = laneBits(laneCounts(buf, start, n), n);
  const sorted = [...bits].sort((a, b) => a - b);
  if (sorted[0]! > LOW_LANE_BITS || sorted[2]! < RANDOM_LANE_BITS) return undefined;
  return [0, 1, 2, 3].sort((a, b) => bits[a]! - bits[b]! || a - b);
}

/** Bytes of the first look (wordLaneOrder). */
const PREFILTER_BYTES = 4 * 1024;
/**
 * Below this (bits per byte) in the first look, a lane is not near-random. Well under
 * RANDOM_LANE_BITS: 1 024 random bytes a lane measure ~7.8 bits (the estimate's bias is
 * 255 / (2 · 1024 · ln 2) ≈ 0.18), text lanes ~4.5–5.5.
 */
const PREFILTER_RANDOM_LANE_BITS = 6;

const laneBits = (counts: Uint32Array, n: number): number[] => [0, 1, 2, 3].map((lane) => entropyBits(counts, lane * 256, n / SHUFFLE_WIDTH));
const sortedLaneBits = (counts: Uint32Array, n: number): number[] => laneBits(counts, n).sort((a, b) => a - b);

/**
 * Byte counts per lane of the `n` bytes at `start` (both multiples of 4 from the blob's start):
 * counts[lane * 256 + byte]. Whole words are read where the memory is 4-byte aligned, one load and
 * four counts per word (little-endian: memory byte k of a word is blob lane (offset + k) mod 4).
 */
function laneCounts(buf: Buffer, start: number, n: number): Uint32Array {
  const counts = new Uint32Array(256 * SHUFFLE_WIDTH);
  const lead = Math.min(n, (SHUFFLE_WIDTH - ((buf.byteOffset + start) % SHUFFLE_WIDTH)) % SHUFFLE_WIDTH);
  let i = 0;
  for (; i < lead; i++) counts[(i & 3) * 256 + buf[start + i]!]!++;
  const words = (n - lead) >> 2;
  const w = new Uint32Array(buf.buffer, buf.byteOffset + start + lead, words);
  const o0 = (lead & 3) * 256, o1 = ((lead + 1) & 3) * 256, o2 = ((lead + 2) & 3) * 256, o3 = ((lead + 3) & 3) * 256;
  for (let j = 0; j < words; j++) {
    const x = w[j]!;
    counts[o0 + (x & 255)]!++;
    counts[o1 + ((x >>> 8) & 255)]!++;
    counts[o2 + ((x >>> 16) & 255)]!++;
    counts[o3 + (x >>> 24)]!++;
  }
  for (i = lead + words * 4; i < n; i++) counts[(i & 3) * 256 + buf[start + i]!]!++;
  return counts;
}
