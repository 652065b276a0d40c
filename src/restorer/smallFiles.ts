// Small files of a restore go in batches: the main thread looks up every chunk, reads each pack
// region the batch needs once (planReads), and hands bytes and file list to a writer thread
// (restoreWorkers). Work that must follow the files — a directory's mode and times — is deferred
// until every batch that could hold one of its files has been written.

import { IntegrityError, InterruptedError, NotFoundError, StorageError } from '../errors.js';
import { ID_BYTES, type BlobId } from '../ids.js';
import { packObjectName } from '../pack/packFormat.js';
import { packCipherFor, packInStorage } from '../pack/packReader.js';
import { Limiter, mapPool } from '../pool.js';
import { notIndexed, type Repository } from '../repository/repository.js';
import type { TreeEntry } from '../tree/index.js';
import { planReads, type LocatedChunk, type ReadRange } from './planReads.js';
import { FILE_CHMOD, FILE_CHOWN, NO_FD, type RestoreBatchMessage, type RestoreWorkerDone } from './restoreWorkerProtocol.js';
import { RestoreWorkers, WorkerFailed } from './restoreWorkers.js';
import { removeTempsIn } from './tempName.js';

/** A batch is sent when it holds this many files… */
export const BATCH_MAX_FILES = 256;
/** …or this many bytes of content (bounds the range buffers and decoded blobs of one batch). */
export const BATCH_MAX_BYTES = 8 * 1024 * 1024;
/** Range reads of one batch in flight at once (overlaps S3 round trips; local reads use the pool). */
const RANGE_READS_IN_FLIGHT = 4;

export interface SmallFile {
  target: Buffer;
  /** The path inside the snapshot, for messages. */
  rel: string;
  entry: TreeEntry;
  chunks: BlobId[];
  uid: number;
  gid: number;
  /** Creating the file as this process does not give it uid/gid. */
  chown: boolean;
  /** Creating the file with open(…, mode) does not give it exactly its mode. */
  chmod: boolean;
}

/** A segment of a big file: its chunks, located, go at `position` of the open descriptor `fd`. */
export interface FileSegment {
  fd: number;
  position: number;
  chunks: LocatedChunk[];
  /** Raw bytes of the chunks. */
  bytes: number;
}

export class SmallFileBatches {
  private files: SmallFile[] = [];
  private bytes = 0;
  /** Id of the batch being filled; batches before it are sent (or failed). */
  private openId = 1;
  /** Every batch with an id ≤ this is written. */
  private doneThrough = 0;
  private readonly done = new Set<number>();
  private readonly deferred: Array<{ after: number; fn: () => void }> = [];
  private readonly sent = new Set<Promise<void>>();
  /** The files of each batch a worker has and has not answered for (its temporary files may exist). */
  private readonly unanswered = new Map<number, SmallFile[]>();
  private workers: RestoreWorkers | undefined;
  private slots: Limiter | undefined;
  private failure: unknown;
  /** Ids of segment batches: negative, apart from the small-file batches' ids. */
  private lastSegmentId = 0;

  constructor(
    private readonly repo: Repository,
    private readonly onWritten: (files: number, bytes: number, last: string) => void,
    /** A file left unwritten: a blob of it is damaged or missing (the restore goes on). */
    private readonly onFailed: (rel: string, reason: string) => void,
    private readonly signal?: AbortSignal,
  ) {}

  /** Queues a file; when that fills the batch, sends it and returns a promise to wait for (the writers
   * may be busy: backpressure). Synchronous otherwise: small files are many, promises are not free. */
  add(f: SmallFile): Promise<void> | undefined {
    this.check();
    this.files.push(f);
    this.bytes += Number(f.entry.size);
    if (this.files.length >= BATCH_MAX_FILES || this.bytes >= BATCH_MAX_BYTES) return this.flush();
    return undefined;
  }

  /** Runs `fn` once every file queued so far is written (at once if they are). */
  defer(fn: () => void): void {
    const after = this.files.length ? this.openId : this.openId - 1;
    if (after <= this.doneThrough && this.deferred.length === 0) this.runDeferred(fn);
    else this.deferred.push({ after, fn });
  }

  /** Sends what is queued, waits for every batch and deferred step; throws the first failure. */
  async drain(): Promise<void> {
    await this.flush();
    while (this.sent.size) await Promise.all([...this.sent]);
    this.check();
  }

  /** Stops the workers; the temporary files of batches they were writing (an interrupt) are removed. */
  async close(): Promise<void> {
    await this.workers?.close();
    for (const files of this.unanswered.values()) removeTempsIn(files.map((f) => f.target));
  }

  /** Records a failure of the walk, so every other walk stops at its next check(). */
  fail(e: unknown): void {
    this.failure ??= e;
  }

  /** Throws the first failure of a batch (or of deferred work), or InterruptedError once aborted. */
  check(): void {
    if (this.failure) throw this.failure;
    if (this.signal?.aborted) throw new InterruptedError();
  }

  private async flush(): Promise<void> {
    if (this.files.length === 0) return;
    let files = this.files;
    const id = this.openId++;
    this.files = [];
    this.bytes = 0;
    const workers = this.startWorkers();
    await this.slots!.acquire();
    let batch: RestoreBatchMessage;
    try {
      this.check();
      ({ batch, files } = await this.prepare(id, files));
    } catch (e) {
      this.slots!.release();
      this.failure ??= e;
      throw e;
    }
    this.unanswered.set(id, files);
    const p = workers.run(batch).then(
      (r) => this.finished(id, r, files),
      (e) => void (this.failure ??= typedError(e, files)),
    );
    this.sent.add(p);
    void p.finally(() => {
      this.unanswered.delete(id);
      this.sent.delete(p);
      this.slots!.release();
    });
  }

  /**
   * Sends one segment of a big file to a writer (waits for a slot: backpressure). Resolves to
   * `written`, the promise of its write (wrapped: a promise would be flattened), which rejects with the typed error of a write that failed, or with an
   * IntegrityError when a blob of it is damaged or its pack unreadable. Segments take no batch id:
   * the order of deferred directory work follows the small files only (the caller waits for its
   * segments before it goes on).
   */
  async sendSegment(seg: FileSegment, rel: string): Promise<{ written: Promise<void> }> {
    this.check();
    const workers = this.startWorkers();
    await this.slots!.acquire();
    let batch: RestoreBatchMessage;
    try {
      this.check();
      batch = await this.layout(--this.lastSegmentId, [], [], [seg]);
    } catch (e) {
      this.slots!.release();
      throw e;
    }
    const done = workers.run(batch).then(
      (r) => {
        if (r.failed.length) throw new IntegrityError(r.failed[0]!.message, { path: rel });
      },
      (e) => {
        throw typedError(e, [], rel);
      },
    );
    void done.then(
      () => this.slots!.release(),
      () => this.slots!.release(),
    );
    return { written: done };
  }

  private startWorkers(): RestoreWorkers {
    this.workers ??= new RestoreWorkers({
      masterKey: this.repo.crypt.keys?.masterKey,
      idKey: this.repo.crypt.keys?.idKey,
    });
    this.slots ??= new Limiter(this.workers.capacity);
    return this.workers;
  }

  private finished(id: number, r: RestoreWorkerDone, files: SmallFile[]): void {
    for (const f of r.failed) this.onFailed(files[f.file]!.rel, f.message);
    if (files.length) this.onWritten(r.files, r.bytes, files[files.length - 1]!.rel);
    this.done.add(id);
    while (this.done.delete(this.doneThrough + 1)) this.doneThrough++;
    // Post-order: a directory is deferred after everything inside it, so release from the front.
    while (this.deferred.length && this.deferred[0]!.after <= this.doneThrough) this.runDeferred(this.deferred.shift()!.fn);
  }

  private runDeferred(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.failure ??= e;
    }
  }

  /**
   * Locates every chunk, reads each needed pack region once, and lays the batch out as columns. A file
   * with a chunk the index lacks is reported and left out; a region that cannot be read (missing or
   * truncated pack) fails only the files that need it (the worker reports them).
   */
  private async prepare(id: number, queued: SmallFile[]): Promise<{ batch: RestoreBatchMessage; files: SmallFile[] }> {
    const index = await this.repo.blobIndex();
    const files: SmallFile[] = [];
    const located: LocatedChunk[][] = [];
    for (const f of queued) {
      const chunks: LocatedChunk[] = [];
      for (const blob of f.chunks) {
        const loc = index.lookup(blob);
        if (!loc) break;
        chunks.push({ id: blob, loc });
      }
      if (chunks.length < f.chunks.length) {
        this.onFailed(f.rel, notIndexed(f.chunks[chunks.length]!).message);
        continue;
      }
      files.push(f);
      located.push(chunks);
    }
    return { batch: await this.layout(id, files, located, []), files };
  }

  /**
   * Reads the pack regions the files (their chunks located, in `located`) and segments need, and
   * lays the batch out as columns, segments after the files.
   */
  private async layout(id: number, files: SmallFile[], located: LocatedChunk[][], segments: FileSegment[]): Promise<RestoreBatchMessage> {
    const plan = planReads([...located, ...segments.map((s) => s.chunks)]);
    const { backend, crypt } = this.repo;
    const saltBytes = crypt.packPrefixBytes;
    const rangeSalts = new Uint8Array(plan.ranges.length * saltBytes);
    const rangeErrors: Array<[number, string]> = [];
    const failRange = (r: number, e: unknown) => {
      if (!(e instanceof IntegrityError || e instanceof NotFoundError)) throw e;
      rangeErrors.push([r, e.message]);
    };
    for (let r = 0; r < plan.ranges.length && saltBytes; r++) {
      const packId = plan.ranges[r]!.packId;
      try {
        const cipher = (await packCipherFor(crypt, packId, packInStorage(backend, packId)))!;
        rangeSalts.set(cipher.salt, r * saltBytes);
      } catch (e) {
        failRange(r, e);
      }
    }
    const buffers = await readRanges(this.repo, plan.ranges, (r) => rangeErrors.some(([x]) => x === r), failRange);
    const nb = plan.blobs.length;
    const nf = files.length + segments.length;
    const batch: RestoreBatchMessage = {
      id,
      ranges: buffers.map(ownArrayBuffer),
      rangePackIds: plan.ranges.map((r) => r.packId),
      rangeSalts,
      blobRange: new Uint32Array(nb),
      blobStart: new Uint32Array(nb),
      blobStored: new Uint32Array(nb),
      blobRaw: new Uint32Array(nb),
      blobCodec: new Uint8Array(nb),
      blobPackOffset: new Float64Array(nb),
      blobIds: new Uint8Array(nb * ID_BYTES),
      paths: Buffer.concat(files.map((f) => f.target)),
      pathEnds: new Uint32Array(nf),
      size: new Float64Array(nf),
      mode: new Uint32Array(nf),
      uid: new Uint32Array(nf),
      gid: new Uint32Array(nf),
      mtimeNs: new BigInt64Array(nf),
      flags: new Uint8Array(nf),
      fd: new Int32Array(nf).fill(NO_FD),
      position: new Float64Array(nf),
      refs: Uint32Array.from(plan.fileBlobs.flat()),
      refEnds: new Uint32Array(nf),
      xattrs: [],
      rangeErrors,
    };
    plan.blobs.forEach((b, i) => {
      batch.blobRange[i] = b.range;
      batch.blobStart[i] = b.start;
      batch.blobStored[i] = b.loc.storedLength;
      batch.blobRaw[i] = b.loc.rawLength;
      batch.blobCodec[i] = b.loc.codec;
      batch.blobPackOffset[i] = b.loc.offset;
      batch.blobIds.set(b.id, i * ID_BYTES);
    });
    let pathEnd = 0;
    let refEnd = 0;
    files.forEach((f, i) => {
      batch.pathEnds[i] = pathEnd += f.target.length;
      batch.refEnds[i] = refEnd += plan.fileBlobs[i]!.length;
      batch.size[i] = Number(f.entry.size);
      batch.mode[i] = f.entry.mode;
      batch.uid[i] = f.uid;
      batch.gid[i] = f.gid;
      batch.mtimeNs[i] = f.entry.mtimeNs;
      batch.flags[i] = (f.chown ? FILE_CHOWN : 0) | (f.chmod ? FILE_CHMOD : 0);
      if (f.entry.xattrs?.length) batch.xattrs.push([i, f.entry.xattrs]);
    });
    // (segments after the files; a segment has no path)
    segments.forEach((seg, j) => {
      const i = files.length + j;
      batch.pathEnds[i] = pathEnd;
      batch.refEnds[i] = refEnd += plan.fileBlobs[i]!.length;
      batch.size[i] = seg.bytes;
      batch.fd[i] = seg.fd;
      batch.position[i] = seg.position;
    });
    return batch;
  }
}

/** Each range's bytes; a range already failed, or failing now (`onError`), gets empty bytes. */
async function readRanges(repo: Repository, ranges: ReadRange[], failed: (r: number) => boolean, onError: (r: number, e: unknown) => void): Promise<Buffer[]> {
  // A failed range reads as empty; the error goes to onError, so one bad pack does not stop the others.
  return mapPool(ranges, RANGE_READS_IN_FLIGHT, async (r, i) => {
    if (failed(i)) return Buffer.alloc(0);
    try {
      return await repo.backend.getRange(packObjectName(r.packId), r.offset, r.length);
    } catch (e) {
      onError(i, e);
      return Buffer.alloc(0);
    }
  });
}

/** The bytes as an ArrayBuffer the batch may take (transfer): a view of a shared pool is copied out. */
function ownArrayBuffer(b: Buffer): ArrayBuffer {
  const ab = b.buffer as ArrayBuffer;
  if (b.byteOffset === 0 && b.byteLength === ab.byteLength) return ab;
  return ab.slice(b.byteOffset, b.byteOffset + b.byteLength);
}

/** A worker's failure as the error class it stands for, naming the file. */
function typedError(e: unknown, files: SmallFile[], segmentOf?: string): unknown {
  if (!(e instanceof WorkerFailed)) return e;
  const { kind, message, file, code, where } = e.error;
  const f = segmentOf !== undefined ? { rel: segmentOf, target: Buffer.from(segmentOf) } : file === undefined ? undefined : files[file];
  switch (kind) {
    case 'integrity':
      return f ? new IntegrityError(`${f.rel}: ${message}`, { ...where, path: f.rel }) : new IntegrityError(message, where);
    case 'storage':
      return new StorageError(message, f?.target.toString());
    case 'system':
      return Object.assign(new Error(message), { code, path: f?.target.toString() });
    default:
      return new Error(`restore worker: ${message}`);
  }
}
