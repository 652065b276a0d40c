// Chunking while reading: the reader reads straight into the chunker's WebAssembly memory, so the
// cut loop scans the bytes where they landed, with no copy in and no copy out (chunks are views).
// Same boundaries as StreamChunker and as whole-input chunking (the streaming rule is streamChunker.ts's:
// a cut is final once ≥ max bytes from the chunk start are there, or at EOF).
//
// The memory holds two slots, each [head: max bytes][data: readSize bytes]. A piece is read into a
// slot's data; the pending bytes (< max) the previous piece left sit at the end of that slot's head,
// so pending + piece are contiguous and are cut in place. The new pending tail is copied (< max bytes)
// to the end of the other slot's head, whose data the next read fills. Offsets in the file are JS
// numbers (exact to 2^53); addresses in the memory stay below 2^31.

import type { FileHandle } from 'node:fs/promises';
import { InvalidArgumentError } from '../errors.js';
import { FastCDC2020Wasm } from './fastcdc2020.js';
import { checkGear } from './gear.js';
import { SCAN_MEMORY_LIMIT } from './gearScan.js';
import { type ChunkerParams, resolveChunkerParams } from './params.js';

/** chunkFile's default read size: large positioned reads keep syscalls and promise hops rare. */
export const DEFAULT_READ_SIZE = 4 * 1024 * 1024;
/** Largest read size: two slots of it plus 2 × max (≤ 16 MiB each) must fit the scanner's memory. */
export const MAX_READ_SIZE = 256 * 1024 * 1024;
const SLOTS = 2;
/** Idle chunkers kept per (gear, params, read size) for the next file: instantiation costs a memory. */
const POOL_PER_KEY = 4;

/**
 * Reads go into nextBuffer(), then push(bytesRead) returns the chunks that are final. At most two
 * buffers may be out (filled, or being filled, and not yet pushed), and they are pushed in the order
 * they were handed out: one can be read into while the chunks of the other are consumed. Chunks are
 * views of the chunker's memory, valid until the next push()/finish() call or until nextBuffer()
 * hands out their slot again. After finish() (or reset()) the chunker can cut another file.
 */
export class ReadIntoChunker {
  readonly readSize: number;
  readonly #chunker: FastCDC2020Wasm;
  readonly #max: number;
  readonly #region: Buffer;
  /** Slot the next nextBuffer() hands out, slot the next push() takes, and buffers out. */
  #handSlot = 0;
  #pushSlot = 0;
  #out = 0;
  /** Pending bytes end where #pushSlot's data begins. */
  #pending = 0;

  constructor(params: ChunkerParams, gear: BigUint64Array, readSize: number = DEFAULT_READ_SIZE) {
    if (!Number.isSafeInteger(readSize) || readSize < 1 || readSize > MAX_READ_SIZE) {
      throw new InvalidArgumentError(`readSize must be an integer in [1, ${MAX_READ_SIZE}], got ${readSize}`);
    }
    this.readSize = readSize;
    this.#max = resolveChunkerParams(params).max; // validated before a memory is sized from it
    const regionBytes = SLOTS * (this.#max + readSize);
    if (regionBytes >= SCAN_MEMORY_LIMIT) throw new InvalidArgumentError('readSize and max are too large together');
    this.#chunker = new FastCDC2020Wasm(params, gear, regionBytes);
    this.#region = this.#chunker.region;
  }

  /** Bytes held back until more input (or EOF) decides where their chunk ends. */
  get pendingBytes(): number {
    return this.#pending;
  }

  nextBuffer(): Buffer {
    if (this.#out === SLOTS) throw new Error('ReadIntoChunker: push() the buffers already handed out first');
    const start = this.#dataStart(this.#handSlot);
    this.#handSlot = 1 - this.#handSlot;
    this.#out++;
    return this.#region.subarray(start, start + this.readSize);
  }

  /** The oldest buffer handed out now holds bytesRead bytes of input (at its start). */
  push(bytesRead: number): Buffer[] {
    if (this.#out === 0) throw new Error('ReadIntoChunker: push() without a buffer from nextBuffer()');
    if (!Number.isSafeInteger(bytesRead) || bytesRead < 0 || bytesRead > this.readSize) {
      throw new InvalidArgumentError(`bytesRead must be an integer in [0, ${this.readSize}], got ${bytesRead}`);
    }
    const region = this.#region, max = this.#max;
    const dataStart = this.#dataStart(this.#pushSlot);
    const end = dataStart + bytesRead;
    let pos = dataStart - this.#pending;
    const out: Buffer[] = [];
    while (end - pos >= max) {
      const cut = this.#chunker.cut(region, pos, end);
      out.push(region.subarray(pos, cut));
      pos = cut;
    }
    // The tail (< max) goes before the other slot's data: that is the next buffer to be pushed.
    this.#pushSlot = 1 - this.#pushSlot;
    this.#out--;
    this.#pending = end - pos;
    region.copyWithin(this.#dataStart(this.#pushSlot) - this.#pending, pos, end);
    return out;
  }

  /** End of input: cuts the pending bytes (the last chunk may be shorter than min), then resets. */
  finish(): Buffer[] {
    const region = this.#region;
    const end = this.#dataStart(this.#pushSlot);
    const out: Buffer[] = [];
    for (let pos = end - this.#pending; pos < end; ) {
      const cut = this.#chunker.cut(region, pos, end);
      out.push(region.subarray(pos, cut));
      pos = cut;
    }
    this.reset();
    return out;
  }

  /** Forgets the input so far (an abandoned file), keeping the memory for the next one. */
  reset(): void {
    this.#handSlot = this.#pushSlot = this.#out = this.#pending = 0;
  }

  #dataStart(slot: number): number {
    return slot * (this.#max + this.readSize) + this.#max;
  }
}

// Pooled by the gear table's content, not its identity: a worker thread receives the table anew with
// every job (a structured clone), so an identity key would never hit there.
const pool = new Map<string, ReadIntoChunker[]>();
/** Distinct (gear, params, read size) pools kept; a process uses one or two. */
const POOL_KEYS_LIMIT = 8;
const gearKeys = new WeakMap<BigUint64Array, string>();

function poolFor(params: ChunkerParams, gear: BigUint64Array, readSize: number): ReadIntoChunker[] {
  let gearKey = gearKeys.get(gear);
  if (gearKey === undefined) gearKeys.set(gear, (gearKey = Buffer.from(gear.buffer, gear.byteOffset, gear.byteLength).toString('base64')));
  const key = `${params.min},${params.avg},${params.max},${params.level ?? ''},${readSize},${gearKey}`;
  let idle = pool.get(key);
  if (!idle) {
    if (pool.size >= POOL_KEYS_LIMIT) pool.clear();
    pool.set(key, (idle = []));
  }
  return idle;
}

/**
 * Chunks a whole file from its current contents with positioned reads of readSize bytes straight into
 * the chunker's memory: the next read runs (on the libuv pool) while the chunks of the current one
 * are consumed. Each yielded chunk is a view valid until the next iteration; copy what you keep.
 * Memory: 2 × (readSize + max), pooled per thread. Reading stops at the first 0-byte read (EOF). Read
 * errors propagate unchanged (the caller knows the path). If the consumer stops early, the read in
 * flight is awaited before the generator returns, so the caller may close the handle right after.
 */
export async function* chunkFile(
  handle: FileHandle,
  params: ChunkerParams,
  gear: BigUint64Array,
  readSize: number = DEFAULT_READ_SIZE,
): AsyncGenerator<Buffer, void, undefined> {
  checkGear(gear);
  const idle = poolFor(params, gear, readSize);
  const chunker = idle.pop() ?? new ReadIntoChunker(params, gear, readSize);
  let position = 0;
  let inFlight: Promise<{ bytesRead: number }> | undefined = handle.read(chunker.nextBuffer(), 0, readSize, position);
  let clean = false;
  try {
    for (;;) {
      const { bytesRead } = await inFlight;
      inFlight = undefined;
      if (bytesRead === 0) break;
      position += bytesRead;
      // The other slot is free: its chunks were all consumed before this iteration.
      inFlight = handle.read(chunker.nextBuffer(), 0, readSize, position);
      yield* chunker.push(bytesRead);
    }
    yield* chunker.finish();
    clean = true;
  } finally {
    // Early return or an error: do not leave a read into our memory running on a handle the caller
    // is about to close (its rejection would also go unhandled), nor hand that memory to another file.
    if (inFlight !== undefined) await inFlight.catch(() => undefined);
    if (!clean) chunker.reset();
    if (idle.length < POOL_PER_KEY) idle.push(chunker);
  }
}
