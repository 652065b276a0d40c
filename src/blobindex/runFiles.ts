// Scratch files for building the LMDB index cache in bulk (IndexCache.openSynced): fixed-size
// records are spread over 256 run files by the first byte of their key, so that each run can be
// read back and sorted on its own, and the runs in order give every key in ascending order.
// Blob ids are hashes, so the runs are even: 10 M entries make runs of about 3 MB.

import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import { CACHE_DIR_MODE, CACHE_FILE_MODE } from './cacheFolder.js';

const RUNS = 256;
/** Bytes buffered per run before a write: 256 of them stay well under a few MB. */
const RUN_BUFFER_BYTES = 16 * 1024;

export class RunFiles {
  private readonly fds: Array<number | undefined> = new Array(RUNS);
  private readonly buffers: Buffer[] = [];
  private readonly fill = new Uint32Array(RUNS);

  constructor(
    private readonly dir: string,
    private readonly recordBytes: number,
  ) {
    mkdirSync(dir, { recursive: true, mode: CACHE_DIR_MODE });
    const perBuffer = Math.max(1, Math.floor(RUN_BUFFER_BYTES / recordBytes)) * recordBytes;
    for (let i = 0; i < RUNS; i++) this.buffers.push(Buffer.allocUnsafe(perBuffer));
  }

  static readonly count = RUNS;

  /** Append one record: its run is chosen by its first byte. */
  add(key: Buffer, value: Buffer): void {
    const run = key[0]!;
    const buf = this.buffers[run]!;
    let at = this.fill[run]!;
    if (at + this.recordBytes > buf.length) {
      this.flush(run);
      at = 0;
    }
    key.copy(buf, at);
    value.copy(buf, at + key.length);
    this.fill[run] = at + this.recordBytes;
  }

  private flush(run: number): void {
    const n = this.fill[run]!;
    if (n === 0) return;
    this.fds[run] ??= openSync(path.join(this.dir, `run-${run}`), 'w', CACHE_FILE_MODE);
    writeSync(this.fds[run]!, this.buffers[run]!, 0, n);
    this.fill[run] = 0;
  }

  /** Write out what is buffered and close every run file. */
  finish(): void {
    for (let i = 0; i < RUNS; i++) {
      this.flush(i);
      if (this.fds[i] !== undefined) closeSync(this.fds[i]!);
      this.fds[i] = undefined;
    }
  }

  /** The records of one run (empty when it got none), removing its file. */
  take(run: number): Buffer {
    const file = path.join(this.dir, `run-${run}`);
    let data: Buffer;
    try {
      data = readFileSync(file);
    } catch {
      return Buffer.alloc(0);
    }
    rmSync(file, { force: true });
    return data;
  }

  remove(): void {
    for (let i = 0; i < RUNS; i++) if (this.fds[i] !== undefined) closeSync(this.fds[i]!);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Bits of a record's index in the sort tags below: 16 M records per sort. */
const INDEX_BITS = 24;
/** Key bits in a tag: 24 + 29 = 53, what a double holds exactly. */
const PREFIX_BITS = 29;

/**
 * Offsets of the records of `data` in ascending order of their `keyBytes`-byte key (at each
 * record's start), ties kept in record order. Sorted as doubles (a 29-bit key prefix above the
 * record's index) with the typed array's native sort, then the rare records whose prefixes are
 * equal are put in order by their whole key: far faster than sorting Buffers with a comparator.
 * `skip` leading key bytes are the same in every record (the run's byte) and are not looked at.
 */
export function sortedOffsets(data: Buffer, recordBytes: number, keyBytes: number, skip = 0): number[] {
  const n = data.length / recordBytes;
  if (n >= 2 ** INDEX_BITS) throw new Error(`sortedOffsets: ${n} records is more than one sort takes`);
  const tags = new Float64Array(n);
  const shift = 32 - PREFIX_BITS;
  for (let i = 0; i < n; i++) tags[i] = (data.readUInt32BE(i * recordBytes + skip) >>> shift) * 2 ** INDEX_BITS + i;
  tags.sort();
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) out[i] = (tags[i]! % 2 ** INDEX_BITS) * recordBytes;
  const prefix = (i: number) => Math.floor(tags[i]! / 2 ** INDEX_BITS);
  for (let i = 0; i < n; ) {
    let j = i + 1;
    while (j < n && prefix(j) === prefix(i)) j++;
    if (j - i > 1) {
      const group = out.slice(i, j).sort((a, b) => data.compare(data, b, b + keyBytes, a, a + keyBytes) || a - b);
      for (let k = i; k < j; k++) out[k] = group[k - i]!;
    }
    i = j;
  }
  return out;
}
