// Copies of chunks that are views into a reader's reused memory (saveFile's chunker, whose read
// buffers serve the next read as soon as a chunk is handed on), in recycled slabs. A fresh Buffer
// per copy would be a new external allocation per chunk, and V8 starts a marking cycle after every
// 64 MiB of those: on a 1.3 GB backup the copies alone were ~20 of them, each paid in main-thread
// and helper-thread CPU, and the dead copies waiting for one raised peak RSS (docs/benchmarks.md).
// A slab goes back only once its blob is in a pack (BlobSaver releases it then), so at most the
// blobs in the pipeline hold one.

/**
 * Idle slabs kept for reuse, in bytes over all sizes: about the blobs in the pipeline (BlobSaver's
 * MAX_INFLIGHT) plus those waiting for a slot, at the average chunk size.
 */
const KEEP_BYTES = 8 * 1024 * 1024;
/** The smallest slab; slabs are powers of two from here, so a copy wastes less than half its slab. */
const MIN_SLAB_BYTES = 16 * 1024;

/** The slab size for a copy of n bytes: the next power of two, at least MIN_SLAB_BYTES. */
const slabFor = (n: number): number => Math.max(MIN_SLAB_BYTES, 2 ** Math.ceil(Math.log2(Math.max(1, n))));

export class ChunkCopies {
  /** Idle slabs by size. */
  private readonly idle = new Map<number, Buffer[]>();
  private idleBytes = 0;
  /** The slabs handed out, so that release() takes back only what copy() gave. */
  private readonly lent = new WeakSet<ArrayBufferLike>();

  /** @param maxBytes the largest chunk (the chunker's max); larger inputs get a plain copy. */
  constructor(private readonly maxBytes: number) {}

  /** A copy of `src` that the caller owns until release(). */
  copy(src: Buffer): Buffer {
    if (src.length > this.maxBytes) return Buffer.from(src);
    const size = slabFor(src.length);
    let slab = this.idle.get(size)?.pop();
    if (slab) this.idleBytes -= size;
    else slab = Buffer.allocUnsafeSlow(size);
    this.lent.add(slab.buffer);
    src.copy(slab);
    return slab.subarray(0, src.length);
  }

  /** Give a copy back once nothing reads it any more; anything copy() did not give is ignored. */
  release(copy: Buffer): void {
    if (!this.lent.delete(copy.buffer)) return;
    const size = copy.buffer.byteLength;
    if (this.idleBytes + size > KEEP_BYTES) return;
    let list = this.idle.get(size);
    if (!list) this.idle.set(size, (list = []));
    list.push(Buffer.from(copy.buffer, 0, size));
    this.idleBytes += size;
  }
}
