// The body of a restore worker thread: takes a batch of small files (or one segment of a big file)
// with the pack ranges that hold their blobs, opens each blob once (decrypt, decompress, check
// against its id) and writes each file with synchronous calls on a descriptor (open, positioned
// writes, metadata, close; a segment only gets its positioned writes, into the descriptor the main
// thread holds open). Two of these beside the main thread's tree walk keep both cores busy, on
// trees of many small files and on big files alike.

import { ID_BYTES, type BlobId } from '../ids.js';
import { parentPort, workerData } from 'node:worker_threads';
import fs from 'node:fs';
import { IdHasher, PackCipher, PackCiphers } from '../crypto/index.js';
import { IntegrityError, StorageError } from '../errors.js';
import type { Codec } from '../pack/codec.js';
import { openBlob } from '../pack/openBlob.js';
import { applyFileMetadataFd } from '../tree/fdMetadata.js';
import type { Xattr } from '../tree/index.js';
import { CREATE_FLAGS, removeTemp, tempPathFor } from './tempName.js';
import { isAllZero, writeAllSync } from './writeBytes.js';
import { FILE_CHMOD, FILE_CHOWN, NO_FD, type WorkerFailedFile, type RestoreBatchMessage, type RestoreWorkerData, type RestoreWorkerDone, type RestoreWorkerReply, type WorkerError } from './restoreWorkerProtocol.js';

const SALT_BYTES = PackCipher.SALT_BYTES;

const init = workerData as RestoreWorkerData;
const masterKey = init.masterKey ? Buffer.from(init.masterKey) : undefined;
const hasher = new IdHasher(init.idKey ? Buffer.from(init.idKey) : undefined);
const ciphers = masterKey ? new PackCiphers(masterKey) : undefined;

/** A failure tied to one blob, raised when the first file that needs it is written. */
class BlobFailure {
  constructor(readonly error: IntegrityError) {}
}

// Batches run one after another: a worker holds one batch's decoded blobs at a time, and the next
// batch (already sent: backpressure allows two per worker) waits in the port, ready to start.
let queue: Promise<void> = Promise.resolve();
parentPort!.on('message', (b: RestoreBatchMessage) => {
  queue = queue.then(() => runBatch(b));
});

async function runBatch(b: RestoreBatchMessage): Promise<void> {
  let reply: RestoreWorkerReply;
  const current = { file: undefined as number | undefined };
  try {
    const blobs = await openBlobs(b);
    reply = { id: b.id, ...writeFiles(b, blobs, current) };
  } catch (e) {
    reply = { id: b.id, error: errorOf(e, current.file) };
  }
  parentPort!.postMessage(reply);
}

/** Every blob of the batch, opened at once (zstd runs on the thread pool); failures kept per blob. */
async function openBlobs(b: RestoreBatchMessage): Promise<Array<Buffer | BlobFailure>> {
  const ranges = b.ranges.map((ab) => Buffer.from(ab));
  return Promise.all(
    Array.from(b.blobRange, async (range, i): Promise<Buffer | BlobFailure> => {
      const packId = b.rangePackIds[range]!;
      const offset = b.blobPackOffset[i]!;
      const id = Buffer.from(b.blobIds.buffer, b.blobIds.byteOffset + i * ID_BYTES, ID_BYTES);
      const fail = (message: string) => new BlobFailure(new IntegrityError(message, { pack: packId, blob: id.toString('hex') }));
      const rangeError = b.rangeErrors.find(([r]) => r === range);
      if (rangeError) return fail(rangeError[1]);
      const start = b.blobStart[i]!;
      const stored = ranges[range]!.subarray(start, start + b.blobStored[i]!);
      const loc = { packId, offset, storedLength: b.blobStored[i]!, rawLength: b.blobRaw[i]!, codec: b.blobCodec[i] as Codec };
      const salt = b.rangeSalts.subarray(range * SALT_BYTES, (range + 1) * SALT_BYTES);
      try {
        return (await openBlob(stored, loc, id as BlobId, ciphers?.of(packId, salt), hasher)).plain;
      } catch (e) {
        if (e instanceof IntegrityError) return new BlobFailure(e);
        throw e;
      }
    }),
  );
}

/**
 * Writes each file of the batch whose blobs all opened; a file with a damaged or missing blob is left
 * out and reported (restore goes on with the others). Each file is written under a temporary name and
 * renamed into place complete, metadata included (tempName.ts).
 */
function writeFiles(b: RestoreBatchMessage, blobs: Array<Buffer | BlobFailure>, current: { file?: number }): Omit<RestoreWorkerDone, 'id'> {
  const xattrs = new Map<number, Xattr[]>(b.xattrs.map(([f, list]) => [f, list.map((x) => ({ name: Buffer.from(x.name), value: Buffer.from(x.value) }))]));
  const failed: WorkerFailedFile[] = [];
  let bytes = 0;
  let files = 0;
  let pathStart = 0;
  let refStart = 0;
  for (let f = 0; f < b.flags.length; f++) {
    current.file = f;
    const path = Buffer.from(b.paths.buffer, b.paths.byteOffset + pathStart, b.pathEnds[f]! - pathStart);
    pathStart = b.pathEnds[f]!;
    const parts: Buffer[] = [];
    let size = 0;
    let failure: string | undefined;
    for (let r = refStart; r < b.refEnds[f]! && failure === undefined; r++) {
      const blob = blobs[b.refs[r]!]!;
      if (blob instanceof BlobFailure) failure = blob.error.message;
      else {
        parts.push(blob);
        size += blob.length;
      }
    }
    refStart = b.refEnds[f]!;
    if (failure === undefined && size !== b.size[f]) failure = `content is ${size} bytes, the snapshot says ${b.size[f]}`;
    if (failure !== undefined) {
      failed.push({ file: f, message: failure });
      continue;
    }
    if (b.fd[f] !== NO_FD) {
      writeSegment(b.fd[f]!, b.position[f]!, parts);
      bytes += size;
      continue;
    }
    const mode = b.mode[f]!;
    const flags = b.flags[f]!;
    const tmp = tempPathFor(path);
    const fd = fs.openSync(tmp, CREATE_FLAGS, mode & 0o777);
    try {
      try {
        let pos = 0;
        for (const part of parts) {
          writeAllSync(fd, part, pos);
          pos += part.length;
        }
        const x = xattrs.get(f);
        applyFileMetadataFd(fd, tmp, {
          uid: b.uid[f]!,
          gid: b.gid[f]!,
          chown: (flags & FILE_CHOWN) !== 0,
          mode,
          chmod: (flags & FILE_CHMOD) !== 0,
          mtimeNs: b.mtimeNs[f]!,
          xattrs: x,
        });
      } finally {
        fs.closeSync(fd);
      }
      fs.renameSync(tmp, path);
    } catch (e) {
      removeTemp(tmp);
      throw e;
    }
    bytes += size;
    files++;
  }
  current.file = undefined;
  return { files, bytes, failed };
}

/** A big file's segment at its position; all-zero blobs are left as holes (the main thread sets the size). */
function writeSegment(fd: number, position: number, parts: Buffer[]): void {
  let pos = position;
  for (const part of parts) {
    if (!isAllZero(part)) writeAllSync(fd, part, pos);
    pos += part.length;
  }
}

function errorOf(e: unknown, file: number | undefined): WorkerError {
  const message = (e as Error)?.message ?? String(e);
  if (e instanceof IntegrityError) return { kind: 'integrity', message, file, where: { pack: e.where.pack, blob: e.where.blob } };
  if (e instanceof StorageError) return { kind: 'storage', message, file };
  const code = (e as NodeJS.ErrnoException)?.code;
  if (typeof code === 'string') return { kind: 'system', message, file, code };
  return { kind: 'internal', message, file };
}
