// Writing one file's content during restore (big and hardlinked files; other small files go in
// batches, smallFiles.ts): segments of the file are decoded, verified against their ids and written
// with positioned writes by the writer threads. All-zero chunks are not written, so the file stays
// sparse where its source was; the size is set at the end. The file gets its real name only once
// complete (tempName.ts). `fileChunks` streams a file's chunks in order for `dump`.

import fs, { promises as fsp } from 'node:fs';
import type { BlobId } from '../ids.js';
import { IntegrityError } from '../errors.js';
import { notIndexed, type Repository } from '../repository/repository.js';
import type { TreeEntry } from '../tree/index.js';
import { fileChunkIds } from './findEntry.js';
import { CREATE_FLAGS, removeTemp, tempPathFor } from './tempName.js';
import type { FileSegment, SmallFileBatches } from './smallFiles.js';
import { Limiter } from '../pool.js';
import { writeAllSync } from './writeBytes.js';

/** Chunks fetched ahead of the one being written. */
const READ_AHEAD = 8;
/** Files up to this size are written with one synchronous call: open, write, close on the thread
 * pool would cost three round trips each, and restores of many small files are made of them. */
const SYNC_WRITE_MAX_BYTES = 64 * 1024;

/** Chunks of a file in order, each loaded (and verified) up to READ_AHEAD ahead. */
export async function* fileChunks(repo: Repository, entry: TreeEntry): AsyncGenerator<{ id: BlobId; data: Buffer }> {
  const queue: Array<{ id: BlobId; data: Promise<Buffer> }> = [];
  for await (const id of fileChunkIds(repo, entry)) {
    const data = repo.loadBlob(id);
    data.catch(() => undefined); // handled when its turn comes
    queue.push({ id, data });
    if (queue.length > READ_AHEAD) {
      const next = queue.shift()!;
      yield { id: next.id, data: await next.data };
    }
  }
  for (const q of queue) yield { id: q.id, data: await q.data };
}

/**
 * Writes the file under a temporary name beside `target` (tempName.ts), calls `finish(tmp)` to set its
 * metadata there, and renames it into place: only a complete file ever has the real name. On any failure
 * the temporary file is removed and the error thrown as it came (an IntegrityError or NotFoundError is
 * about the stored content: the caller records the file as failed and goes on).
 */
export async function writeFileContent(
  repo: Repository,
  batches: SmallFileBatches,
  entry: TreeEntry,
  target: Buffer,
  rel: string,
  onBytes: (n: number) => void,
  finish: (tmp: Buffer) => void,
): Promise<number> {
  const tmp = tempPathFor(target);
  try {
    const n = entry.size <= BigInt(SYNC_WRITE_MAX_BYTES) ? await writeSmallFile(repo, entry, tmp, onBytes) : await writeSegmented(repo, batches, entry, tmp, rel, onBytes);
    finish(tmp);
    fs.renameSync(tmp, target);
    return n;
  } catch (e) {
    removeTemp(tmp);
    throw e;
  }
}

/**
 * Big files are cut into segments of about this many bytes, each decoded and written by a writer
 * thread. Measured on the real-data AI dataset (1.36 GB, docs/benchmarks.md): 8 MiB 4.5 s and
 * 490 MiB peak RSS, 2 MiB 4.9 s and 265 MiB, 1 MiB 4.1-4.4 s and 255 MiB (finer segments share the
 * two writers more evenly and hold fewer bytes in flight).
 */
export const SEGMENT_BYTES = 1024 * 1024;
/** Segments of one file being read or written at once: overlaps the reads (round trips on S3) with the writers. */
const SEGMENTS_IN_FLIGHT = 4;

/**
 * A big file's content through the restore's writer threads: the main thread locates the chunks,
 * and for each segment reads its pack regions (one read per region, not per chunk) and hands them
 * to a writer, which decodes, verifies and writes them at their position into the descriptor held
 * open here. Segments of one file are written side by side. The descriptor is closed only once
 * every segment sent has settled: a writer must never write to a number that may have been reused.
 */
async function writeSegmented(repo: Repository, batches: SmallFileBatches, entry: TreeEntry, tmp: Buffer, rel: string, onBytes: (n: number) => void): Promise<number> {
  const index = await repo.blobIndex();
  const fh = await fsp.open(tmp, CREATE_FLAGS, 0o600);
  const inFlight = new Limiter(SEGMENTS_IN_FLIGHT);
  let failure: { error: unknown } | undefined;
  let pos = 0;
  try {
    let seg: FileSegment = { fd: fh.fd, position: 0, chunks: [], bytes: 0 };
    const send = async () => {
      const s = seg;
      seg = { fd: fh.fd, position: pos, chunks: [], bytes: 0 };
      await inFlight.acquire();
      batches
        .sendSegment(s, rel)
        .then(({ written }) => written)
        .then(() => onBytes(s.bytes))
        .catch((error) => void (failure ??= { error }))
        .finally(() => inFlight.release());
    };
    for await (const id of fileChunkIds(repo, entry)) {
      if (failure) throw failure.error;
      const loc = index.lookup(id);
      if (!loc) throw notIndexed(id);
      seg.chunks.push({ id, loc });
      seg.bytes += loc.rawLength;
      pos += loc.rawLength;
      if (seg.bytes >= SEGMENT_BYTES) await send();
    }
    if (seg.chunks.length) await send();
    await inFlight.idle();
    if (failure) throw failure.error;
    if (BigInt(pos) !== entry.size) throw new IntegrityError(`content is ${pos} bytes, the snapshot says ${entry.size}`);
    // All-zero chunks were not written (holes): the size comes from truncate.
    await fh.truncate(pos);
  } finally {
    await inFlight.idle();
    await fh.close();
  }
  return pos;
}

async function writeSmallFile(repo: Repository, entry: TreeEntry, tmp: Buffer, onBytes: (n: number) => void): Promise<number> {
  const parts: Buffer[] = [];
  for await (const { data } of fileChunks(repo, entry)) parts.push(data);
  const data = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  if (BigInt(data.length) !== entry.size) throw new IntegrityError(`content is ${data.length} bytes, the snapshot says ${entry.size}`);
  const fd = fs.openSync(tmp, CREATE_FLAGS, 0o600);
  try {
    writeAllSync(fd, data, 0);
  } finally {
    fs.closeSync(fd);
  }
  onBytes(data.length);
  return data.length;
}
