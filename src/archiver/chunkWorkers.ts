// A pool of chunking worker threads (chunkWorker.ts). Each file is chunked by one worker, start to
// end, so cut points are those of whole-file chunking; several files run at once. Batches come back
// with flow control (credits), so a worker never reads far ahead of what the main thread consumed.

import { Worker } from 'node:worker_threads';
import os from 'node:os';
import { workerScript } from '../workerScript.js';
import { ID_BYTES, type BlobId } from '../ids.js';
import type { Repository } from '../repository/repository.js';
import type { WorkerJob, WorkerMessage } from './chunkWorkerProtocol.js';
import { Limiter } from '../pool.js';

/** Batches a worker may have in flight for one file (each ~2 MiB). */
const CREDITS_PER_JOB = 2;
/** Workers at most. */
const MAX_WORKERS = 4;
/**
 * Cores the main thread (dedup, encryption, packs) and the compression pool keep busy. Only cores
 * beyond them get chunking workers: measured on 2 cores, a worker chunks at ~400 MB/s where the
 * main thread does ~550, and an incremental night of dataset (a) took 2.0 s with workers, 1.6 s
 * without (docs/benchmarks.md).
 */
const CORES_IN_USE = 2;

/** How many chunking workers `create` starts by default on this machine (0: chunk on the main thread). */
export function defaultChunkWorkers(): number {
  return Math.max(0, Math.min(MAX_WORKERS, os.availableParallelism() - CORES_IN_USE));
}

/** Files chunked at once per worker: one keeps a worker busy (its reads run ahead), more only hold memory. */
const JOBS_PER_WORKER = 1;
/** Files smaller than this are chunked on the main thread: a round trip costs more than the work. */
export const WORKER_MIN_FILE_BYTES = 512 * 1024;

export interface HashedChunk {
  id: BlobId;
  data: Buffer;
  /** The bytes are this chunk's own (a worker's transferred batch), not a view of a reused buffer. */
  owned?: boolean;
}

interface Pending {
  queue: WorkerMessage[];
  notify: (() => void) | undefined;
  worker: Worker;
}

export class ChunkWorkers {
  private readonly workers: Worker[];
  private readonly load: number[];
  private readonly jobs = new Map<number, Pending>();
  private nextJob = 1;
  private readonly slots: Limiter;

  constructor(private readonly repo: Repository, count = Math.max(1, defaultChunkWorkers())) {
    this.workers = Array.from({ length: count }, () => {
      const w = new Worker(workerScript(import.meta.url, 'chunkWorker.js', 'archiver'));
      w.on('message', (m: WorkerMessage) => this.deliver(m));
      // A worker that dies must fail its files, not leave them waiting for batches forever.
      const died = (e: unknown) => {
        for (const [job, p] of this.jobs) if (p.worker === w) this.deliver({ job, error: { message: `chunking worker failed: ${(e as Error)?.message ?? e}` } });
      };
      w.on('error', died);
      w.on('exit', (code) => died(new Error(`exited with code ${code}`)));
      // Not unref'ed: while the main thread waits for a batch, the worker is all that keeps the
      // event loop alive (close() ends them).
      return w;
    });
    this.load = this.workers.map(() => 0);
    this.slots = new Limiter(count * JOBS_PER_WORKER);
  }

  private deliver(m: WorkerMessage): void {
    const p = this.jobs.get(m.job);
    if (!p) return;
    p.queue.push(m);
    p.notify?.();
  }

  /** The chunks of one file, in order, with their ids. Throws the worker's read error (with its code). */
  async *chunks(path: Buffer, readSize: number): AsyncGenerator<HashedChunk> {
    await this.slots.acquire();
    try {
      yield* this.runJob(path, readSize);
    } finally {
      this.slots.release();
    }
  }

  private async *runJob(path: Buffer, readSize: number): AsyncGenerator<HashedChunk> {
    const slot = this.load.indexOf(Math.min(...this.load));
    const worker = this.workers[slot]!;
    this.load[slot]!++;
    const id = this.nextJob++;
    const pending: Pending = { queue: [], notify: undefined, worker };
    this.jobs.set(id, pending);
    const c = this.repo.config.chunker;
    const job: WorkerJob = {
      id,
      path,
      params: { min: c.min, avg: c.avg, max: c.max, level: c.level },
      gear: this.repo.gear,
      idKey: this.repo.crypt.keys?.idKey,
      readSize,
    };
    worker.postMessage(job);
    worker.postMessage({ job: id, credit: CREDITS_PER_JOB });
    let finished = false;
    try {
      for (;;) {
        while (pending.queue.length === 0) await new Promise<void>((r) => (pending.notify = r));
        pending.notify = undefined;
        const m = pending.queue.shift()!;
        if ('error' in m) {
          finished = true;
          throw Object.assign(new Error(m.error.message), { code: m.error.code });
        }
        if ('done' in m) {
          finished = true;
          return;
        }
        worker.postMessage({ job: id, credit: 1 });
        const data = Buffer.from(m.data, 0, m.bytes);
        const ids = Buffer.from(m.ids.buffer, m.ids.byteOffset, m.ids.byteLength);
        let off = 0;
        for (let i = 0; i < m.lengths.length; i++) {
          const len = m.lengths[i]!;
          yield { id: Buffer.from(ids.subarray(i * ID_BYTES, (i + 1) * ID_BYTES)) as BlobId, data: data.subarray(off, off + len), owned: true };
          off += len;
        }
      }
    } finally {
      if (!finished) worker.postMessage({ job: id, cancel: true });
      this.jobs.delete(id);
      this.load[slot]!--;
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
