// The body of a chunking worker thread: reads one file at a time, cuts it with FastCDC, hashes each
// chunk, and posts batches (ids, lengths, bytes) back. Runs beside the main thread, so reading,
// chunking and hashing of several files use both cores while the main thread deduplicates and packs.

import { parentPort } from 'node:worker_threads';
import { promises as fs } from 'node:fs';
import { chunkFile, type ChunkerParams } from '../chunker/index.js';
import { IdHasher } from '../crypto/index.js';
import { ID_BYTES } from '../ids.js';
import type { WorkerControl, WorkerJob, WorkerMessage } from './chunkWorkerProtocol.js';

/** A batch holds this many bytes at most (one transfer per batch, not per chunk), or one largest chunk. */
const BATCH_BYTES = 2 * 1024 * 1024;

let hasher: IdHasher | undefined;
/** Per job: batches the main thread is ready to take, and a waiter for more. */
const credits = new Map<number, number>();
const wakers = new Map<number, () => void>();
const cancelled = new Set<number>();

class Cancelled extends Error {}

parentPort!.on('message', (msg: WorkerJob | WorkerControl) => {
  if ('credit' in msg) {
    credits.set(msg.job, (credits.get(msg.job) ?? 0) + msg.credit);
    wakers.get(msg.job)?.();
  } else if ('cancel' in msg) {
    cancelled.add(msg.job);
    wakers.get(msg.job)?.();
  } else {
    void runJob(msg);
  }
});

async function waitForCredit(job: number): Promise<void> {
  for (;;) {
    if (cancelled.has(job)) throw new Cancelled();
    const c = credits.get(job) ?? 0;
    if (c > 0) {
      credits.set(job, c - 1);
      return;
    }
    await new Promise<void>((r) => wakers.set(job, r));
  }
}

function post(msg: WorkerMessage, transfer: ArrayBuffer[] = []): void {
  parentPort!.postMessage(msg, transfer);
}

async function runJob(job: WorkerJob): Promise<void> {
  hasher ??= new IdHasher(job.idKey ? Buffer.from(job.idKey) : undefined);
  let fh;
  try {
    fh = await fs.open(Buffer.from(job.path), 'r');
  } catch (e) {
    return post({ job: job.id, error: errorOf(e) });
  }
  try {
    // Each chunk is copied once, into the batch that is then transferred (not copied) to the main
    // thread. A chunk that does not fit sends the batch first, so batches go out nearly full (the
    // main thread's GC counts their whole capacity).
    const capacity = Math.max(BATCH_BYTES, job.params.max);
    let batch = Buffer.allocUnsafeSlow(capacity);
    let ids = Buffer.allocUnsafe((Math.ceil(capacity / job.params.min) + 1) * ID_BYTES);
    let lengths: number[] = [];
    let bytes = 0;
    const flush = async () => {
      await waitForCredit(job.id);
      const ab = batch.buffer as ArrayBuffer;
      post({ job: job.id, ids: ids.subarray(0, lengths.length * ID_BYTES), lengths: Uint32Array.from(lengths), data: ab, bytes }, [ab]);
      batch = Buffer.allocUnsafeSlow(capacity);
      ids = Buffer.allocUnsafe(ids.length);
      lengths = [];
      bytes = 0;
    };
    for await (const chunk of chunkFile(fh, job.params as ChunkerParams, job.gear, job.readSize)) {
      const id = hasher.hash(chunk);
      if (bytes + chunk.length > capacity) await flush(); // the chunk's view stays valid: the reader waits for us
      id.copy(ids, lengths.length * ID_BYTES);
      chunk.copy(batch, bytes);
      lengths.push(chunk.length);
      bytes += chunk.length;
    }
    if (bytes > 0 || lengths.length > 0) await flush();
    post({ job: job.id, done: true });
  } catch (e) {
    if (!(e instanceof Cancelled)) post({ job: job.id, error: errorOf(e) });
  } finally {
    credits.delete(job.id);
    wakers.delete(job.id);
    cancelled.delete(job.id);
    await fh.close().catch(() => undefined);
  }
}

function errorOf(e: unknown): { code?: string; message: string } {
  return { code: (e as { code?: string }).code, message: (e as Error).message };
}
