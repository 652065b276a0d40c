// Streaming front end of the chunker: inputs of any size (files beyond 4 GiB included), fed in pieces,
// with memory bounded by a few times `max`, and boundaries identical to chunking the whole input at
// once (the cut points are the format).
//
// The rule that makes streaming exact: a cut is final only when ≥ max bytes from the chunk start are
// available, or at EOF. cut() looks at no more than max bytes (it clamps `remaining` to max, and with
// remaining ≥ max its center stays avg), so with ≥ max bytes it cannot be changed by later input.
//
// Offsets are plain JS numbers (exact to 2^53) and are never put through 32-bit operators.

import { InvalidArgumentError } from '../errors.js';
import { FastCDC2020Wasm } from './fastcdc2020.js';
import type { ChunkerParams } from './params.js';

// A carry buffer holds the pending bytes (< max) plus at most max bytes appended from the next piece.
const CARRY_CAPACITY_IN_MAX = 2;

/**
 * Cuts a stream pushed in pieces of any size. Chunks returned by push() and finish() may be views
 * into the pushed buffer or into internal buffers: they stay valid only until the next push() or
 * finish() call (and while the caller leaves the pushed buffer unchanged). Copy what you keep.
 * Pending bytes (< max) are copied, so the caller may reuse its buffer after push() returns.
 * After finish() the instance is reset and can chunk another stream.
 */
export class StreamChunker {
  readonly #chunker: FastCDC2020Wasm;
  readonly #max: number;
  // Two carry buffers: when a push drains the pending bytes and continues in the pushed data, its
  // tail goes to the other buffer, because views into the current one were returned in this call.
  // Allocated on first use, so a chunker per file costs nothing for files that need no carry.
  #carry: Buffer | undefined;
  #spare: Buffer | undefined;
  /** Pending bytes are #carry[#start, #end), always fewer than max between calls. */
  #start = 0;
  #end = 0;

  constructor(params: ChunkerParams, gear: BigUint64Array) {
    this.#chunker = fastChunker(params, gear);
    this.#max = this.#chunker.params.max;
  }

  /** Bytes held back until more input (or EOF) decides where their chunk ends. */
  get pendingBytes(): number {
    return this.#end - this.#start;
  }

  push(piece: Uint8Array): Buffer[] {
    const data = asBuffer(piece);
    const out: Buffer[] = [];
    if (data.length === 0) return out;
    const max = this.#max;
    let pos = 0; // data[0, pos) is already in chunks or in the carry
    let tailGoesToSpare = false;
    if (this.#end > this.#start) {
      // Complete the pending bytes with up to max bytes of data: enough for every chunk that starts
      // in the pending bytes to be cut with ≥ max bytes available.
      const carry = this.#carryBuffer();
      if (this.#start > 0) {
        // Move the pending bytes to the front, so pending (< max) + appended (≤ max) always fits.
        // Allowed because views returned by the previous call are no longer valid; cheap because
        // start only moves when a chunk was cut from the carry, so this is at most one move of
        // < max bytes per such chunk.
        carry.copyWithin(0, this.#start, this.#end);
        this.#end -= this.#start;
        this.#start = 0;
      }
      const joined = this.#end; // carry[joined] is data[0]
      const taken = Math.min(data.length, max);
      data.copy(carry, joined, 0, taken);
      this.#end += taken;
      while (this.#start < joined && this.#end - this.#start >= max) {
        const cut = this.#chunker.cut(carry, this.#start, this.#end);
        out.push(carry.subarray(this.#start, cut));
        this.#start = cut;
      }
      if (this.#start < joined) return out; // then taken === data.length: everything is pending
      // The next chunk starts inside data: go on there, without the copy.
      pos = this.#start - joined;
      this.#start = this.#end = 0;
      tailGoesToSpare = out.length > 0;
    }
    while (data.length - pos >= max) {
      const cut = this.#chunker.cut(data, pos, data.length);
      out.push(data.subarray(pos, cut));
      pos = cut;
    }
    if (pos < data.length) {
      if (tailGoesToSpare) this.#swapCarry();
      data.copy(this.#carryBuffer(), 0, pos);
      this.#start = 0;
      this.#end = data.length - pos;
    }
    return out;
  }

  /** End of input: cuts the pending bytes (the last chunk may be shorter than min). */
  finish(): Buffer[] {
    const out: Buffer[] = [];
    const carry = this.#carry;
    if (carry !== undefined) {
      while (this.#start < this.#end) {
        const cut = this.#chunker.cut(carry, this.#start, this.#end);
        out.push(carry.subarray(this.#start, cut));
        this.#start = cut;
      }
    }
    this.#start = this.#end = 0;
    return out;
  }

  #carryBuffer(): Buffer {
    this.#carry ??= Buffer.allocUnsafe(CARRY_CAPACITY_IN_MAX * this.#max);
    return this.#carry;
  }

  #swapCarry(): void {
    const previous = this.#carry;
    this.#carry = this.#spare;
    this.#spare = previous;
  }
}

function asBuffer(piece: Uint8Array): Buffer {
  if (Buffer.isBuffer(piece)) return piece;
  if (!(piece instanceof Uint8Array)) throw new InvalidArgumentError('StreamChunker.push takes a Buffer or Uint8Array');
  return Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength); // a view, not a copy
}

/**
 * Chunkers hold no state between cut() calls; building one instantiates its WebAssembly memory and
 * tables, so one per (gear, params) is kept, per thread.
 */
const chunkers = new WeakMap<BigUint64Array, Map<string, FastCDC2020Wasm>>();

export function fastChunker(params: ChunkerParams, gear: BigUint64Array): FastCDC2020Wasm {
  let byParams = chunkers.get(gear);
  if (!byParams) chunkers.set(gear, (byParams = new Map()));
  const key = `${params.min},${params.avg},${params.max},${params.level ?? ''}`;
  let c = byParams.get(key);
  if (!c) byParams.set(key, (c = new FastCDC2020Wasm(params, gear)));
  return c;
}

/** The chunks of an input held whole in memory (small files), as views into it. */
export function chunkBuffer(data: Buffer, params: ChunkerParams, gear: BigUint64Array): Buffer[] {
  return fastChunker(params, gear)
    .chunks(data)
    .map((s) => data.subarray(s.offset, s.offset + s.length));
}
