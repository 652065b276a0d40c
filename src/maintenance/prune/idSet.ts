// A set of 32-byte blob ids that stays compact as it grows: ids live in sorted Uint32Arrays, 32
// bytes each, with no per-id JS object. A JS Set of hex strings would cost ~130 bytes per id and
// put millions of objects on the heap; here a million used blobs take 32 MB plus one bounded window.
//
// Each id is held as 8 big-endian 32-bit words, so comparing ids is comparing integers and copying
// one is 8 typed-array stores: no native call per id (those dominated an earlier Buffer version).
//
// Building works like a small LSM tree: new ids go into a window; a full window is sorted into a
// run, and runs of similar size are merged (a binary counter), which drops duplicates at
// O(n log n) total cost. finish() merges everything into one SortedIds with a 16-bit bucket table,
// so a lookup is a few integer comparisons.

import { ID_BYTES } from '../../ids.js';

const WORDS = ID_BYTES / 4;
/** Ids held in the unsorted window before it becomes a run (64 Ki ids = 2 MiB). */
const PENDING_IDS = 64 * 1024;
/** Bits of the window position in the sort key: 32 head bits + 16 fit a double exactly. */
const POSITION_BITS = 16;
const POSITION_SCALE = 2 ** POSITION_BITS;
/** Lookups first narrow by the ids' first two bytes (ids are uniformly distributed hashes). */
const BUCKET_BITS = 16;
const BUCKETS = 1 << BUCKET_BITS;

/** Word w (0..7) of the id stored at buf[o..o+32), big-endian. */
function wordOf(buf: Buffer, o: number, w: number): number {
  const p = o + w * 4;
  return ((buf[p]! << 24) | (buf[p + 1]! << 16) | (buf[p + 2]! << 8) | buf[p + 3]!) >>> 0;
}

/** Compare the id at word index ai of a with the one at bi of b. */
function compareWords(a: Uint32Array, ai: number, b: Uint32Array, bi: number): number {
  for (let w = 0; w < WORDS; w++) {
    const x = a[ai + w]!;
    const y = b[bi + w]!;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/** Compare the stored id at word index ai of a with the id in buf at byte offset o. */
function compareWithBytes(a: Uint32Array, ai: number, buf: Buffer, o: number): number {
  for (let w = 0; w < WORDS; w++) {
    const x = a[ai + w]!;
    const y = wordOf(buf, o, w);
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

function copyWords(src: Uint32Array, si: number, dst: Uint32Array, di: number): void {
  for (let w = 0; w < WORDS; w++) dst[di + w] = src[si + w]!;
}

/** Merge two sorted, duplicate-free runs into one (duplicates across them dropped). */
function mergeRuns(a: Uint32Array, b: Uint32Array): Uint32Array {
  const out = new Uint32Array(a.length + b.length);
  let ai = 0;
  let bi = 0;
  let o = 0;
  while (ai < a.length && bi < b.length) {
    const c = compareWords(a, ai, b, bi);
    if (c <= 0) {
      copyWords(a, ai, out, o);
      ai += WORDS;
      if (c === 0) bi += WORDS;
    } else {
      copyWords(b, bi, out, o);
      bi += WORDS;
    }
    o += WORDS;
  }
  if (ai < a.length) {
    out.set(a.subarray(ai), o);
    o += a.length - ai;
  }
  if (bi < b.length) {
    out.set(b.subarray(bi), o);
    o += b.length - bi;
  }
  return o === out.length ? out : out.slice(0, o);
}

/**
 * The first n ids of `src`, sorted and without duplicates, as a new array. Sorting a Float64Array of
 * (head word × 2^16 + position) is a native numeric sort with no comparator calls; ids whose heads
 * tie (rare for random ids) are then put in order by a full comparison.
 */
function sortUnique(src: Uint32Array, n: number): Uint32Array {
  const keys = new Float64Array(n);
  for (let i = 0; i < n; i++) keys[i] = src[i * WORDS]! * POSITION_SCALE + i;
  keys.sort();
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = keys[i]! % POSITION_SCALE;
  for (let i = 1; i < n; i++) {
    const cur = order[i]!;
    let j = i;
    while (j > 0 && src[order[j - 1]! * WORDS] === src[cur * WORDS] && compareWords(src, order[j - 1]! * WORDS, src, cur * WORDS) > 0) {
      order[j] = order[j - 1]!;
      j--;
    }
    order[j] = cur;
  }
  const run = new Uint32Array(n * WORDS);
  let o = 0;
  for (let i = 0; i < n; i++) {
    const p = order[i]! * WORDS;
    if (o > 0 && compareWords(run, o - WORDS, src, p) === 0) continue;
    copyWords(src, p, run, o);
    o += WORDS;
  }
  return o === run.length ? run : run.slice(0, o);
}

/** Binary search among the ids of `run` in [lo, hi) (id positions) for the id in buf at byte o. */
function search(run: Uint32Array, lo: number, hi: number, buf: Buffer, o: number): number {
  const head = wordOf(buf, o, 0);
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (run[mid * WORDS]! < head) lo = mid + 1;
    else hi = mid;
  }
  // lo is the first id whose head is >= head; ids with equal heads are consecutive.
  const n = run.length / WORDS;
  for (let i = lo; i < n && run[i * WORDS] === head; i++) {
    const c = compareWithBytes(run, i * WORDS, buf, o);
    if (c === 0) return i;
    if (c > 0) return -1;
  }
  return -1;
}

/** A finished, immutable set: sorted unique ids; positions 0..count-1 can index parallel arrays. */
export class SortedIds {
  private readonly buckets: Uint32Array;

  constructor(private readonly words: Uint32Array) {
    if (words.length % WORDS !== 0) throw new RangeError('id array length is not a multiple of 8 words');
    const n = this.count;
    this.buckets = new Uint32Array(BUCKETS + 1);
    let p = 0;
    for (let b = 0; b < BUCKETS; b++) {
      this.buckets[b] = p;
      while (p < n && words[p * WORDS]! >>> (32 - BUCKET_BITS) === b) p++;
    }
    this.buckets[BUCKETS] = n;
  }

  static empty(): SortedIds {
    return new SortedIds(new Uint32Array(0));
  }

  get count(): number {
    return this.words.length / WORDS;
  }

  /** Bytes held. */
  get byteLength(): number {
    return this.words.byteLength + this.buckets.byteLength;
  }

  /** Position of the id at id[offset..offset+32) (0..count-1), or -1. */
  indexOf(id: Buffer, offset = 0): number {
    const b = wordOf(id, offset, 0) >>> (32 - BUCKET_BITS);
    return search(this.words, this.buckets[b]!, this.buckets[b + 1]!, id, offset);
  }

  has(id: Buffer): boolean {
    return this.indexOf(id) >= 0;
  }

  /** The id at a position, as a new Buffer. */
  at(i: number): Buffer {
    const out = Buffer.allocUnsafe(ID_BYTES);
    for (let w = 0; w < WORDS; w++) out.writeUInt32BE(this.words[i * WORDS + w]!, w * 4);
    return out;
  }
}

export class IdSetBuilder {
  private pending = new Uint32Array(PENDING_IDS * WORDS);
  private pendingCount = 0;
  /** Keys of the window's ids that came through add(): only those need an exact has(). */
  private readonly pendingKeys = new Set<string>();
  /** Sorted unique runs, biggest first. */
  private runs: Uint32Array[] = [];

  /**
   * Add an id; true if add() had not been given it before (exact: checks the window and every
   * run). For ids whose novelty matters: trees and chunk lists, each to be read once.
   */
  add(id: Buffer): boolean {
    if (this.has(id)) return false;
    this.pendingKeys.add(id.toString('latin1', 0, ID_BYTES));
    this.append(id);
    return true;
  }

  /**
   * Add an id without looking it up (cheap: for data chunk ids, which are many and whose novelty
   * does not matter). Duplicates are dropped when the window is sorted and when runs merge.
   */
  addUnchecked(id: Buffer): void {
    this.append(id);
  }

  /** Whether add() was given the id, or it has reached a run (addUnchecked ids still in the window may be missed). */
  has(id: Buffer): boolean {
    if (this.pendingKeys.has(id.toString('latin1', 0, ID_BYTES))) return true;
    for (const run of this.runs) if (search(run, 0, run.length / WORDS, id, 0) >= 0) return true;
    return false;
  }

  private append(id: Buffer): void {
    if (id.length < ID_BYTES) throw new RangeError(`blob id of ${id.length} bytes`);
    const base = this.pendingCount * WORDS;
    for (let w = 0; w < WORDS; w++) this.pending[base + w] = wordOf(id, 0, w);
    if (++this.pendingCount === PENDING_IDS) this.flushPending();
  }

  private flushPending(): void {
    if (this.pendingCount === 0) return;
    const run = sortUnique(this.pending, this.pendingCount);
    this.pendingCount = 0;
    this.pendingKeys.clear();
    this.runs.push(run);
    // Binary counter: merge while the newest run is at least half the size of the one before it.
    while (this.runs.length > 1 && this.runs[this.runs.length - 1]!.length * 2 >= this.runs[this.runs.length - 2]!.length) {
      const b = this.runs.pop()!;
      const a = this.runs.pop()!;
      this.runs.push(mergeRuns(a, b));
    }
  }

  /** Everything merged into one sorted set. The builder must not be used afterwards. */
  finish(): SortedIds {
    this.flushPending();
    let all: Uint32Array = new Uint32Array(0);
    while (this.runs.length) all = mergeRuns(this.runs.pop()!, all);
    this.runs = [];
    this.pending = new Uint32Array(0);
    return new SortedIds(all);
  }
}
