// FastCDC-2020, ported from fastcdc-rs `src/v2020/mod.rs` (4.0.1), `cut_gear`. The cut points are part
// of the repository format (same bytes → same chunks → dedup), so they must equal fastcdc-rs's exactly:
// test/chunker pins fastcdc-rs's own results. Two implementations of one algorithm:
//  - FastCDC2020: the reference. Full 64-bit gear hash as two u32 halves; also returns the hash.
//  - FastCDC2020Fast: production. Keeps only the hash bits any mask can see, in two small integers.
//
// The algorithm, per chunk starting at `start` with `remaining` bytes left:
//  - remaining ≤ min: the rest is one chunk (hash 0).
//  - the first min bytes are skipped, not hashed (cut-point skipping).
//  - up to avg bytes the harder mask maskS is used, then the easier maskL (normalized chunking).
//  - two bytes per iteration ("rolling two bytes each time", paper §3.7): the first byte does
//    h = (h << 2) + GEAR_LS[b] (GEAR_LS = GEAR << 1) judged with mask << 1, the second h += GEAR[b]
//    judged with mask. That is the plain per-byte gear hash h = (h << 1) + GEAR[b], judged at every
//    byte, with one shift per two bytes.
//    As in fastcdc-rs, a hit cuts *before* the byte whose hash hit (offset a → chunk length a,
//    offset a + 1 → length a + 1), although that byte was hashed. Odd, but it is the format.
//  - no hit by max (or by the end of input): cut there.

import { checkGear } from './gear.js';
import { type ChunkerParams, type ResolvedChunkerParams, MASKS, resolveChunkerParams } from './params.js';

export { type ChunkerParams, DEFAULT_CHUNKER_PARAMS, MIN_SIZE_LOWER_LIMIT, MAX_SIZE_UPPER_LIMIT } from './params.js';
export { STANDARD_GEAR, gearFromBytes } from './gear.js';

export interface ChunkSpan {
  offset: number;
  length: number;
}

export interface HashedChunkSpan extends ChunkSpan {
  /** fastcdc-rs's `Chunk.hash`: the 64-bit gear hash at the cut (0 for a chunk ≤ min bytes). */
  hash: bigint;
}

const U32_BITS = 32n;
const U32_MASK = 0xffff_ffffn;
const U64_MASK = 0xffff_ffff_ffff_ffffn;
const TWO_POW_32 = 2 ** 32;

/** GEAR_LS of fastcdc-rs: every entry shifted left one bit, wrapping at 64 bits. */
function shiftedGear(gear: BigUint64Array): BigUint64Array {
  return gear.map((value) => (value << 1n) & U64_MASK);
}

/** The chunks of a whole in-memory input, in order, using cut(). */
function chunkSpans(cut: (data: Uint8Array, start: number, end: number) => number, data: Uint8Array): ChunkSpan[] {
  const spans: ChunkSpan[] = [];
  for (let offset = 0; offset < data.length; ) {
    const end = cut(data, offset, data.length);
    spans.push({ offset, length: end - offset });
    offset = end;
  }
  return spans;
}

/**
 * Where the scan of one chunk runs, as absolute indexes into the data. fastcdc-rs in relative terms:
 * index from min/2 while index < center/2 (then < remaining/2), byte a = 2·index.
 */
interface ScanWindow {
  /** Cut position when no judgement hits (start + remaining), or the end when remaining ≤ min. */
  fallback: number;
  /** First byte examined: start + 2·⌊min/2⌋ (min is even, so start + min). */
  first: number;
  /** The maskS phase covers pairs starting below this. */
  normalEnd: number;
  /** The maskL phase covers pairs starting below this. */
  scanEnd: number;
}

function scanWindow(params: ResolvedChunkerParams, start: number, end: number): ScanWindow | undefined {
  let remaining = end - start;
  if (remaining <= params.min) return undefined;
  let center = params.avg;
  if (remaining > params.max) remaining = params.max;
  else if (remaining < center) center = remaining;
  return {
    fallback: start + remaining,
    first: start + params.min - (params.min % 2),
    normalEnd: start + center - (center % 2),
    scanEnd: start + remaining - (remaining % 2),
  };
}

/** Reference implementation: the full 64-bit hash, as two u32 halves (BigInt would be far slower). */
export class FastCDC2020 {
  readonly params: ResolvedChunkerParams;
  readonly #gearLo: Uint32Array;
  readonly #gearHi: Uint32Array;
  readonly #gearLsLo: Uint32Array;
  readonly #gearLsHi: Uint32Array;

  constructor(params: ChunkerParams, gear: BigUint64Array) {
    this.params = resolveChunkerParams(params);
    checkGear(gear);
    const gearLs = shiftedGear(gear);
    this.#gearLo = Uint32Array.from(gear, (v) => Number(v & U32_MASK));
    this.#gearHi = Uint32Array.from(gear, (v) => Number(v >> U32_BITS));
    this.#gearLsLo = Uint32Array.from(gearLs, (v) => Number(v & U32_MASK));
    this.#gearLsHi = Uint32Array.from(gearLs, (v) => Number(v >> U32_BITS));
  }

  /** End (absolute) of the chunk that starts at `start`; data[start, end) is all the input there is. */
  cut(data: Uint8Array, start: number, end: number): number {
    return this.cutWithHash(data, start, end).end;
  }

  /** Like cut(), also returning fastcdc-rs's 64-bit hash at the cut. */
  cutWithHash(data: Uint8Array, start: number, end: number): { end: number; hash: bigint } {
    const w = scanWindow(this.params, start, end);
    if (w === undefined) return { end, hash: 0n };
    const gLo = this.#gearLo, gHi = this.#gearHi, lsLo = this.#gearLsLo, lsHi = this.#gearLsHi;
    const { maskS, maskL } = this.params;
    let lo = 0; // hash bits 0..31
    let hi = 0; // hash bits 32..63
    const hash = (): bigint => (BigInt(hi) << U32_BITS) | BigInt(lo);
    // Phase 0 judges with maskS up to center, phase 1 with maskL up to remaining.
    const phases = [
      { until: w.normalEnd, mask: maskS },
      { until: w.scanEnd, mask: maskL },
    ];
    let a = w.first;
    for (const { until, mask } of phases) {
      const maskLo = Number(mask & U32_MASK), maskHi = Number(mask >> U32_BITS);
      const maskLs = (mask << 1n) & U64_MASK;
      const maskLsLo = Number(maskLs & U32_MASK), maskLsHi = Number(maskLs >> U32_BITS);
      for (; a < until; a += 2) {
        // hash = (hash << 2) + GEAR_LS[data[a]]  (mod 2^64)
        let b = data[a];
        let sum = ((lo << 2) >>> 0) + lsLo[b];
        hi = (((hi << 2) | (lo >>> 30)) + lsHi[b] + (sum >= TWO_POW_32 ? 1 : 0)) >>> 0;
        lo = sum >>> 0;
        if (((lo & maskLsLo) | (hi & maskLsHi)) === 0) return { end: a, hash: hash() };
        // hash = hash + GEAR[data[a + 1]]  (mod 2^64)
        b = data[a + 1];
        sum = lo + gLo[b];
        hi = (hi + gHi[b] + (sum >= TWO_POW_32 ? 1 : 0)) >>> 0;
        lo = sum >>> 0;
        if (((lo & maskLo) | (hi & maskHi)) === 0) return { end: a + 1, hash: hash() };
      }
    }
    return { end: w.fallback, hash: hash() };
  }

  /** Chunks a whole in-memory input (the last chunk ends at data.length). */
  chunks(data: Uint8Array): HashedChunkSpan[] {
    const spans: HashedChunkSpan[] = [];
    for (let offset = 0; offset < data.length; ) {
      const { end, hash } = this.cutWithHash(data, offset, data.length);
      spans.push({ offset, length: end - offset, hash });
      offset = end;
    }
    return spans;
  }
}

// The fast class keeps hash bits 0..48 only. Bits of a sum or a left shift depend only on the same and
// lower bits of the operands, so the low 49 bits evolve on their own; and no judgement looks higher:
// the highest mask bit is 47, 48 after the first-byte mask's << 1. The 49 bits are split into a 24-bit
// and a 25-bit half so every intermediate value (at most 2^28) stays a V8 small integer: no heap
// numbers, no BigInt, only int32 arithmetic in the loop.
const LO_BITS = 24;
const HI_BITS = 25;
const WINDOW_BITS = BigInt(LO_BITS + HI_BITS);
const LO_MASK = (1 << LO_BITS) - 1;
const HI_MASK = (1 << HI_BITS) - 1;

function assertMasksFitWindow(): void {
  for (const mask of MASKS) {
    if ((mask << 1n) >> WINDOW_BITS !== 0n) throw new Error('a FastCDC mask exceeds the fast hash window');
  }
}
assertMasksFitWindow();

function lowHalf(value: bigint): number {
  return Number(value & BigInt(LO_MASK));
}
function highHalf(value: bigint): number {
  return Number((value >> BigInt(LO_BITS)) & BigInt(HI_MASK));
}

/** Production implementation: same cut points as FastCDC2020 (tested), no hash output. */
export class FastCDC2020Fast {
  readonly params: ResolvedChunkerParams;
  readonly #gLo: Int32Array;
  readonly #gHi: Int32Array;
  readonly #lsLo: Int32Array;
  readonly #lsHi: Int32Array;
  // Mask halves: S/L = before/after avg; Ls = shifted for the first byte of a pair.
  readonly #sLo: number;
  readonly #sHi: number;
  readonly #sLsLo: number;
  readonly #sLsHi: number;
  readonly #lLo: number;
  readonly #lHi: number;
  readonly #lLsLo: number;
  readonly #lLsHi: number;

  constructor(params: ChunkerParams, gear: BigUint64Array) {
    this.params = resolveChunkerParams(params);
    checkGear(gear);
    const gearLs = shiftedGear(gear);
    this.#gLo = Int32Array.from(gear, lowHalf);
    this.#gHi = Int32Array.from(gear, highHalf);
    this.#lsLo = Int32Array.from(gearLs, lowHalf);
    this.#lsHi = Int32Array.from(gearLs, highHalf);
    const { maskS, maskL } = this.params;
    this.#sLo = lowHalf(maskS);
    this.#sHi = highHalf(maskS);
    this.#sLsLo = lowHalf(maskS << 1n);
    this.#sLsHi = highHalf(maskS << 1n);
    this.#lLo = lowHalf(maskL);
    this.#lHi = highHalf(maskL);
    this.#lLsLo = lowHalf(maskL << 1n);
    this.#lLsHi = highHalf(maskL << 1n);
  }

  /** End (absolute) of the chunk that starts at `start`; data[start, end) is all the input there is. */
  cut(data: Uint8Array, start: number, end: number): number {
    const w = scanWindow(this.params, start, end);
    if (w === undefined) return end;
    const gLo = this.#gLo, gHi = this.#gHi, lsLo = this.#lsLo, lsHi = this.#lsHi;
    let lo = 0;
    let hi = 0;
    let a = w.first;
    let b = 0;
    let b2 = 0;
    let t = 0;
    // The two phases are written out (not a loop over masks) so each inner loop keeps its masks in
    // registers; the low-half test comes first and rarely passes, so the high half is rarely tested.
    let mLo = this.#sLo, mHi = this.#sHi, mLsLo = this.#sLsLo, mLsHi = this.#sLsHi;
    for (let until = w.normalEnd; a < until; a += 2) {
      // First byte: h1 = (h << 2) + GEAR_LS[b]. Its low half is left unmasked (< 2^27) and its high
      // half is only computed when the low half passes, which is rare.
      b = data[a];
      t = (lo << 2) + lsLo[b];
      if ((t & mLsLo) === 0 && (((hi << 2) + lsHi[b] + (t >>> LO_BITS)) & mLsHi) === 0) return a;
      // Second byte: h2 = h1 + GEAR[b2]; one carry from the low into the high half per pair.
      b2 = data[a + 1];
      t += gLo[b2];
      hi = ((hi << 2) + lsHi[b] + gHi[b2] + (t >>> LO_BITS)) & HI_MASK;
      lo = t & LO_MASK;
      if ((lo & mLo) === 0 && (hi & mHi) === 0) return a + 1;
    }
    mLo = this.#lLo; mHi = this.#lHi; mLsLo = this.#lLsLo; mLsHi = this.#lLsHi;
    for (let until = w.scanEnd; a < until; a += 2) {
      // First byte: h1 = (h << 2) + GEAR_LS[b]. Its low half is left unmasked (< 2^27) and its high
      // half is only computed when the low half passes, which is rare.
      b = data[a];
      t = (lo << 2) + lsLo[b];
      if ((t & mLsLo) === 0 && (((hi << 2) + lsHi[b] + (t >>> LO_BITS)) & mLsHi) === 0) return a;
      // Second byte: h2 = h1 + GEAR[b2]; one carry from the low into the high half per pair.
      b2 = data[a + 1];
      t += gLo[b2];
      hi = ((hi << 2) + lsHi[b] + gHi[b2] + (t >>> LO_BITS)) & HI_MASK;
      lo = t & LO_MASK;
      if ((lo & mLo) === 0 && (hi & mHi) === 0) return a + 1;
    }
    return w.fallback;
  }

  /** Chunks a whole in-memory input (the last chunk ends at data.length). */
  chunks(data: Uint8Array): ChunkSpan[] {
    return chunkSpans((d, s, e) => this.cut(d, s, e), data);
  }
}
