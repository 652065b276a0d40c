// Shannon entropy of byte counts, for the writer's guesses about a blob before compressing it
// (codec.ts: random-looking; byteShuffle.ts: arrays of 4-byte words).

/**
 * Counts up to this have c · log2(c) in a table: every sample the guesses take is at most 16 KiB,
 * and a log2 per non-zero count was 2 % of a large-file backup's main thread.
 */
const TABLE_COUNTS = 16 * 1024;
let cLog2c: Float64Array | undefined;

function table(): Float64Array {
  if (!cLog2c) {
    cLog2c = new Float64Array(TABLE_COUNTS + 1);
    for (let c = 1; c <= TABLE_COUNTS; c++) cLog2c[c] = c * Math.log2(c);
  }
  return cLog2c;
}

/**
 * Bits per byte of the 256 counts at `counts[from .. from + 256)`, which add up to `n`:
 * −Σ (c/n) log2(c/n) = log2(n) − (Σ c log2 c) / n.
 */
export function entropyBits(counts: Uint32Array, from: number, n: number): number {
  if (n <= 0) return 0;
  const t = table();
  let s = 0;
  for (let v = from; v < from + 256; v++) {
    const c = counts[v]!;
    if (c) s += c <= TABLE_COUNTS ? t[c]! : c * Math.log2(c);
  }
  return Math.log2(n) - s / n;
}
