// Copies of chunks that are views into a reader's reused memory (saveFile's chunker, whose read
// buffers serve the next read as soon as a chunk is handed on), in recycled slabs. A fresh Buffer
// per copy would be a new external allocation per chunk, and V8 starts a marking cycle after every
// 64 MiB of those: on a 1.3 GB backup the copies alone were ~20 of them, each paid in main-thread
// and helper-thread CPU, and the dead copies waiting for one raised peak RSS (docs/benchmarks.md).
// A slab goes back only once its blob is in a pack (BlobSaver releases it then), so at most the
// blobs in the pipeline hold one.

/** Slabs kept for reuse: the blobs in the pipeline (BlobSaver's MAX_INFLIGHT) plus those waiting for a slot. */
const KEEP_SLABS = 24;

export class ChunkCopies {
  private readonly idle: Buffer[] = [];
  /** The slabs handed out, so that release() takes back only what copy() gave. */
  private readonly lent = new WeakSet<ArrayBufferLike>();

  /** @param slabBytes the largest chunk (the chunker's max); larger inputs get a plain copy. */
  constructor(private readonly slabBytes: number) {}

  /** A copy of `src` that the caller owns until release(). */
  copy(src: Buffer): Buffer {
    if (src.length > this.slabBytes) return Buffer.from(src);
    const slab = this.idle.pop() ?? Buffer.allocUnsafeSlow(this.slabBytes);
    this.lent.add(slab.buffer);
    src.copy(slab);
    return slab.subarray(0, src.length);
  }

  /** Give a copy back once nothing reads it any more; anything copy() did not give is ignored. */
  release(copy: Buffer): void {
    if (!this.lent.delete(copy.buffer)) return;
    if (this.idle.length < KEEP_SLABS) this.idle.push(Buffer.from(copy.buffer, 0, this.slabBytes));
  }
}
