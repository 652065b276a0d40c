// Whether restored bytes are all zero: such chunks are not written, so a restored file stays sparse
// where its source was (the size comes from truncate at the end).

const ZERO_BLOCK = Buffer.alloc(1024 * 1024);

export function isAllZero(b: Buffer): boolean {
  for (let o = 0; o < b.length; o += ZERO_BLOCK.length) {
    const n = Math.min(ZERO_BLOCK.length, b.length - o);
    if (!b.subarray(o, o + n).equals(ZERO_BLOCK.subarray(0, n))) return false;
  }
  return true;
}
