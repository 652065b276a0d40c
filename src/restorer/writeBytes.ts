// Low-level writes of restored bytes, shared by the main thread and the writer threads: whether a
// chunk is all zero (such chunks are not written, so a restored file stays sparse where its source
// was; the size comes from truncate at the end), and a positioned write that finishes the buffer.

import fs from 'node:fs';

const ZERO_BLOCK = Buffer.alloc(1024 * 1024);

export function isAllZero(b: Buffer): boolean {
  for (let o = 0; o < b.length; o += ZERO_BLOCK.length) {
    const n = Math.min(ZERO_BLOCK.length, b.length - o);
    if (!b.subarray(o, o + n).equals(ZERO_BLOCK.subarray(0, n))) return false;
  }
  return true;
}

/** All of `buf` at `position` of `fd` (a short write is continued). */
export function writeAllSync(fd: number, buf: Buffer, position: number): void {
  for (let done = 0; done < buf.length; ) done += fs.writeSync(fd, buf, done, buf.length - done, position + done);
}
