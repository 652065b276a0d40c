// Unsigned LEB128 (7 bits per byte, low group first, high bit = "more bytes follow") for lengths and
// counts in tree objects. Readers accept only the minimal encoding, so every value has one byte form
// (canonical encoding), and at most MAX_LEB_BYTES bytes, so a value always fits a JS number exactly.

import { IntegrityError } from '../errors.js';

/** 7 bytes carry 49 bits: far beyond any length a blob can have, below 2^53. */
export const MAX_LEB_BYTES = 7;

/** Bytes needed for `v` (a non-negative safe integer). */
export function lebLength(v: number): number {
  let n = 1;
  while (v >= 0x80) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}

/** Writes `v` at `pos` (the caller made room); returns the position after it. */
export function writeLeb(buf: Buffer, pos: number, v: number): number {
  while (v >= 0x80) {
    buf[pos++] = (v & 0x7f) | 0x80;
    v = Math.floor(v / 128);
  }
  buf[pos++] = v;
  return pos;
}

export function encodeLeb(v: number): Buffer {
  const out = Buffer.allocUnsafe(lebLength(v));
  writeLeb(out, 0, v);
  return out;
}

/**
 * Reads a LEB128 value at `pos`, not past `end`. Sets `lebEnd` to the position after it (a
 * module-level out-parameter: decoding a million entries should not allocate a result object each).
 */
export function readLeb(buf: Buffer, pos: number, end: number): number {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < MAX_LEB_BYTES; i++) {
    if (pos >= end) throw new IntegrityError('truncated LEB128 value');
    const b = buf[pos++];
    value += (b & 0x7f) * scale;
    if (b < 0x80) {
      if (b === 0 && i > 0) throw new IntegrityError('non-minimal LEB128 value');
      lebEnd = pos;
      return value;
    }
    scale *= 128;
  }
  throw new IntegrityError(`LEB128 value longer than ${MAX_LEB_BYTES} bytes`);
}

export let lebEnd = 0;
