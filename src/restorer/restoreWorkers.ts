// The restore's worker threads (restoreWorker.ts): each batch goes to the least busy worker. The caller
// bounds the batches in flight (`capacity`), so memory stays bounded and the tree walk waits
// (backpressure) when the writers fall behind. A worker's error comes back as data (WorkerFailed);
// the caller rethrows it as the typed error it stands for.

import { Worker } from 'node:worker_threads';
import os from 'node:os';
import { workerScript } from '../workerScript.js';
import type { RestoreBatchMessage, RestoreWorkerData, RestoreWorkerDone, RestoreWorkerReply, WorkerError } from './restoreWorkerProtocol.js';

/** Writer threads: the main thread walks and reads, these decode and write; two use a 2-core machine. */
const MAX_WORKERS = 2;
/** One batch being written and one waiting, per worker. */
const BATCHES_PER_WORKER = 2;

export class WorkerFailed extends Error {
  constructor(readonly error: WorkerError) {
    super(error.message);
  }
}

interface Pending {
  slot: number;
  resolve: (r: RestoreWorkerDone) => void;
  reject: (e: unknown) => void;
}

export class RestoreWorkers {
  private readonly workers: Worker[];
  private readonly load: number[];
  private readonly pending = new Map<number, Pending>();
  private broken: Error | undefined;

  constructor(data: RestoreWorkerData, count = Math.max(1, Math.min(MAX_WORKERS, os.availableParallelism()))) {
    this.workers = Array.from({ length: count }, (_, slot) => {
      const w = new Worker(workerScript(import.meta.url, 'restoreWorker.js', 'restorer'), { workerData: data });
      w.on('message', (m: RestoreWorkerReply) => this.settle(m));
      w.on('error', (e) => this.fail(slot, e));
      w.on('exit', (code) => this.fail(slot, new Error(`restore worker exited (code ${code})`)));
      return w;
    });
    this.load = this.workers.map(() => 0);
  }

  get capacity(): number {
    return this.workers.length * BATCHES_PER_WORKER;
  }

  /** Sends a batch (its range buffers are transferred); resolves when its files are written. */
  run(batch: RestoreBatchMessage): Promise<RestoreWorkerDone> {
    if (this.broken) return Promise.reject(this.broken);
    const slot = this.load.indexOf(Math.min(...this.load));
    this.load[slot]!++;
    return new Promise((resolve, reject) => {
      this.pending.set(batch.id, { slot, resolve, reject });
      this.workers[slot]!.postMessage(batch, batch.ranges);
    });
  }

  private settle(m: RestoreWorkerReply): void {
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    this.load[p.slot]!--;
    if ('error' in m) p.reject(new WorkerFailed(m.error));
    else p.resolve(m);
  }

  /** A worker died (a bug, or out of memory): its batches fail, and so does everything after. */
  private fail(slot: number, e: Error): void {
    if (this.closing) return;
    this.broken ??= e;
    for (const [id, p] of this.pending) {
      if (p.slot !== slot) continue;
      this.pending.delete(id);
      this.load[slot]!--;
      p.reject(e);
    }
  }

  private closing = false;

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
