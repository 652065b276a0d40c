// FastCDC-2020, ported from fastcdc-rs `src/v2020/mod.rs` (4.0.1), `cut_gear`. The cut points are part
// of the repository format (same bytes → same chunks → dedup), so they must equal fastcdc-rs's exactly:
// test/chunker pins fastcdc-rs's own results. Two implementations of one algorithm:
//  - FastCDC2020: the reference, in JavaScript. Full 64-bit gear hash as two u32 halves; also returns
//    the hash. Kept as the independent oracle the property tests compare the production path with.
//  - FastCDC2020Wasm: production. The cut loop in WebAssembly (gearScan.wat), i64 arithmetic.
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
import { GearScanner, SCAN_DATA_OFFSET, type SplitMask, splitMask } from './gearScan.js';
import { type ChunkerParams, type ResolvedChunkerParams, resolveChunkerParams } from './params.js';

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

/** The copy path moves input into WebAssembly memory in blocks of this many bytes (even). */
const SCAN_BLOCK_BYTES = 64 * 1024;

/**
 * Production implementation: the same algorithm in WebAssembly (gearScan.wat), where the 64-bit hash
 * is a native i64; about 7× faster than the best JavaScript loop (docs/chunker.md). Same cut points
 * and hashes as FastCDC2020 (tested). Input outside its memory is copied in, block by block, so the
 * copy stops at the cut; input in its memory (a view of `region`) is scanned in place.
 */
export class FastCDC2020Wasm {
  readonly params: ResolvedChunkerParams;
  /**
   * A part of this chunker's WebAssembly memory for the caller to fill (e.g. read a file into):
   * cut() scans views of it in place, without a copy. Empty unless regionBytes was asked for.
   */
  readonly region: Buffer;
  readonly #scanner: GearScanner;
  readonly #maskS: SplitMask;
  readonly #maskL: SplitMask;

  constructor(params: ChunkerParams, gear: BigUint64Array, regionBytes = 0) {
    this.params = resolveChunkerParams(params);
    checkGear(gear);
    this.#scanner = new GearScanner(gear, SCAN_BLOCK_BYTES + regionBytes);
    const regionStart = SCAN_DATA_OFFSET + SCAN_BLOCK_BYTES;
    this.region = this.#scanner.heap.subarray(regionStart, regionStart + regionBytes);
    this.#maskS = splitMask(this.params.maskS);
    this.#maskL = splitMask(this.params.maskL);
  }

  /** End (absolute) of the chunk that starts at `start`; data[start, end) is all the input there is. */
  cut(data: Uint8Array, start: number, end: number): number {
    const w = scanWindow(this.params, start, end);
    if (w === undefined) return end;
    const hit = data.buffer === this.#scanner.heap.buffer ? this.#scanInPlace(data.byteOffset, w) : this.#scanCopied(data, w);
    return hit ?? w.fallback;
  }

  /** Like cut(), also returning fastcdc-rs's 64-bit hash at the cut (for tests: it costs BigInts). */
  cutWithHash(data: Uint8Array, start: number, end: number): { end: number; hash: bigint } {
    const cut = this.cut(data, start, end);
    return { end: cut, hash: end - start <= this.params.min ? 0n : this.#scanner.lastHash() };
  }

  /** Chunks a whole in-memory input (the last chunk ends at data.length). */
  chunks(data: Uint8Array): ChunkSpan[] {
    return chunkSpans((d, s, e) => this.cut(d, s, e), data);
  }

  /** With the data at heap address `base`: two calls, one per mask. */
  #scanInPlace(base: number, w: ScanWindow): number | undefined {
    const scan = this.#scanner.scan;
    const s = this.#maskS, l = this.#maskL;
    const normalEnd = base + w.normalEnd, scanEnd = base + w.scanEnd;
    let hit = scan(base + w.first, normalEnd, s.lo, s.hi, 1);
    if (hit < normalEnd) return hit - base;
    hit = scan(normalEnd, scanEnd, l.lo, l.hi, 0);
    return hit < scanEnd ? hit - base : undefined;
  }

  /** Copies data[a, ...) into the scan block one block at a time; the hash carries across calls. */
  #scanCopied(data: Uint8Array, w: ScanWindow): number | undefined {
    const { heap, scan } = this.#scanner;
    // Nothing to judge (remaining = min + 1): a fresh empty scan still sets the hash to 0, as the
    // reference reports it.
    if (w.first >= w.scanEnd) scan(SCAN_DATA_OFFSET, SCAN_DATA_OFFSET, 0, 0, 1);
    let fresh = 1;
    for (let a = w.first; a < w.scanEnd; ) {
      const phaseS = a < w.normalEnd;
      const mask = phaseS ? this.#maskS : this.#maskL;
      // Block lengths stay even (phase ends are even distances from `first`), so pairs never split.
      const blockEnd = Math.min(phaseS ? w.normalEnd : w.scanEnd, a + SCAN_BLOCK_BYTES);
      heap.set(data.subarray(a, blockEnd), SCAN_DATA_OFFSET);
      const until = SCAN_DATA_OFFSET + (blockEnd - a);
      const hit = scan(SCAN_DATA_OFFSET, until, mask.lo, mask.hi, fresh);
      if (hit < until) return a + (hit - SCAN_DATA_OFFSET);
      fresh = 0;
      a = blockEnd;
    }
    return undefined;
  }
}
