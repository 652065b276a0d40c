// Small files on a worker thread (smallFileWorker.ts): a directory's files below the chunker's
// minimum are read, hashed and compressed there, in lists, while the main thread deduplicates,
// encrypts and builds trees. On two cores a small-files backup was bound by the main thread (about
// 100 µs a file, 45 of them reading, hashing and compressing) with the other core mostly idle.

import { Worker } from 'node:worker_threads';
import os from 'node:os';
import { workerScript } from '../workerScript.js';
import { StorageError } from '../errors.js';
import { ID_BYTES, type BlobId } from '../ids.js';
import type { Codec, CompressionConfig } from '../pack/codec.js';
import type { Repository } from '../repository/repository.js';

/** Files per message: amortises a round trip (tens of µs) over many files of a few KiB. */
const FILES_PER_JOB = 64;
/** Files read ahead of the one being saved, per directory: bounds the bytes waiting in memory. */
const AHEAD_FILES = 4 * FILES_PER_JOB;
/** Files this size or smaller go to the worker (and at most the chunker's minimum: one chunk each). */
export const SMALL_FILE_WORKER_MAX_BYTES = 32 * 1024;
/** Workers at most; by default one per core beyond the main thread's. */
const MAX_WORKERS = 4;
/**
 * Small files the main thread reads itself before the workers start. A worker's isolate costs
 * ~25 MiB of RSS and saves ~45 µs of main-thread time a file: worth it for a tree of a hundred
 * thousand small files, not for a source tree or a dataset of a thousand (at most ~0.2 s here).
 * Measured on the real-data datasets (docs/benchmarks.md, 2026-12-03).
 */
export const WORKER_START_FILES = 4096;

export interface SmallFilesJob {
  job: number;
  paths: Uint8Array[];
  idKey: Uint8Array | undefined;
  compression: CompressionConfig;
  maxBytes: number;
}
/**
 * A file's result: its id (ID_BYTES at `offset` in the reply's data) followed by its encoded bytes
 * (`length` of them). Ids travel in the one transferred buffer, not as a Uint8Array each: structured
 * clone gives every typed array an ArrayBuffer of its own, a native allocation per file.
 */
export type SmallFileResult =
  | { size: number; codec: Codec; offset: number; length: number }
  | { tooBig: true }
  | { error: { code?: string; message: string } };
export interface SmallFilesReply {
  job: number;
  results: SmallFileResult[];
  data: ArrayBuffer;
}

/** A file read, hashed and encoded by a worker; or `tooBig` (read it here); or the read's error. */
export type PreparedFile =
  | { id: BlobId; size: number; codec: Codec; bytes: Buffer }
  | { tooBig: true };

export interface PreparedFiles {
  /** Sends the first list now (a directory listed ahead of its turn). */
  start(): void;
  take(k: number): Promise<PreparedFile>;
}

/** How many small-file workers `create` starts by default on this machine. */
export function defaultSmallFileWorkers(): number {
  return Math.max(1, Math.min(MAX_WORKERS, os.availableParallelism() - 1));
}

interface Waiting {
  settle: (r: SmallFilesReply | Error) => void;
  worker: number;
}

export class SmallFileWorkers {
  private readonly workers: Array<Worker | undefined>;
  private closing = false;
  private readonly load: number[];
  private readonly waiting = new Map<number, Waiting>();
  private nextJob = 1;
  private dead: StorageError | undefined;
  /** Small files offered so far (wanted()), until WORKER_START_FILES. */
  private offered = 0;
  readonly maxBytes: number;

  constructor(private readonly repo: Repository, count = defaultSmallFileWorkers(), private readonly startAfter = WORKER_START_FILES) {
    this.maxBytes = Math.min(SMALL_FILE_WORKER_MAX_BYTES, repo.config.chunker.min);
    this.load = new Array(count).fill(0);
    this.workers = new Array(count).fill(undefined);
  }

  /**
   * Whether a directory's `count` small files go to the workers: only once the backup has offered
   * startAfter of them (WORKER_START_FILES by default), so a backup with few small files starts no thread.
   */
  wanted(count: number): boolean {
    if (this.offered >= this.startAfter) return true;
    this.offered += count;
    return false;
  }

  /** Started on first use: a backup without small files to read starts no thread. */
  private worker(slot: number): Worker {
    const existing = this.workers[slot];
    if (existing) return existing;
    const w = new Worker(workerScript(import.meta.url, 'smallFileWorker.js', 'archiver'));
    w.on('message', (m: SmallFilesReply) => this.deliver(m));
    // A worker that dies fails the backup (a StorageError, not a file's read error: the walk
    // rethrows it), now and for every list sent after.
    const died = (e: Error) => {
      this.dead ??= new StorageError(`small-file worker failed: ${e.message}`);
      for (const [job, c] of this.waiting) {
        if (c.worker !== slot) continue;
        this.waiting.delete(job);
        c.settle(this.dead);
      }
    };
    w.on('error', died);
    w.on('exit', (code) => {
      if (!this.closing) died(new Error(`exited with code ${code}`));
    });
    this.workers[slot] = w;
    return w;
  }

  /**
   * The files at `paths` (raw bytes), read ahead of their turn: `take(k)` gives file k's content and
   * sends the lists up to AHEAD_FILES past it, so a directory of a million files holds at most that
   * many files' bytes in memory however far the worker is ahead. A read error rejects that file's
   * promise with it.
   */
  prepare(paths: Buffer[]): PreparedFiles {
    const jobs: Array<Array<Promise<PreparedFile>>> = [];
    const ensure = (upTo: number) => {
      while (jobs.length * FILES_PER_JOB < Math.min(paths.length, upTo)) {
        const from = jobs.length * FILES_PER_JOB;
        jobs.push(this.send(paths.slice(from, from + FILES_PER_JOB)));
      }
    };
    return {
      start: () => ensure(FILES_PER_JOB),
      take: (k) => {
        ensure(k + 1 + AHEAD_FILES);
        return jobs[Math.floor(k / FILES_PER_JOB)]![k % FILES_PER_JOB]!;
      },
    };
  }

  private send(paths: Buffer[]): Array<Promise<PreparedFile>> {
    const reply = this.dead ? Promise.reject(this.dead) : this.post(paths);
    const files = paths.map((_, k) => reply.then((r) => fileOf(r, k)));
    // Each file's promise is awaited by its own caller; the shared one must not count as unhandled.
    reply.catch(() => undefined);
    for (const f of files) f.catch(() => undefined);
    return files;
  }

  private post(paths: Buffer[]): Promise<SmallFilesReply> {
    const slot = this.load.indexOf(Math.min(...this.load));
    const job = this.nextJob++;
    const reply = new Promise<SmallFilesReply>((resolve, reject) => {
      this.waiting.set(job, { settle: (r) => (r instanceof Error ? reject(r) : resolve(r)), worker: slot });
    });
    this.load[slot]!++;
    const msg: SmallFilesJob = { job, paths, idKey: this.repo.crypt.keys?.idKey, compression: this.repo.config.compression, maxBytes: this.maxBytes };
    this.worker(slot).postMessage(msg);
    return reply;
  }

  private deliver(m: SmallFilesReply): void {
    const c = this.waiting.get(m.job);
    if (!c) return;
    this.waiting.delete(m.job);
    this.load[c.worker]!--;
    c.settle(m);
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.workers.map((w) => w?.terminate()));
  }
}

function fileOf(r: SmallFilesReply, k: number): PreparedFile {
  const f = r.results[k]!;
  if ('error' in f) throw Object.assign(new Error(f.error.message), { code: f.error.code });
  if ('tooBig' in f) return f;
  // A copy (from Node's shared pool): the id outlives the reply's buffer, which it must not keep.
  const id = Buffer.from(new Uint8Array(r.data, f.offset, ID_BYTES)) as BlobId;
  return { id, size: f.size, codec: f.codec, bytes: Buffer.from(r.data, f.offset + ID_BYTES, f.length) };
}
