// Shannon entropy of byte counts, for the writer's guesses about a blob before compressing it
// (codec.ts: random-looking; byteShuffle.ts: arrays of 4-byte words).

/** Bits per byte of the 256 counts at `counts[from .. from + 256)`, which add up to `n`. */
export function entropyBits(counts: Uint32Array, from: number, n: number): number {
  let h = 0;
  for (let v = from; v < from + 256; v++) {
    const c = counts[v]!;
    if (c) h -= (c / n) * Math.log2(c / n);
  }
  return h;
}
