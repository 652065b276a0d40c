// Writing one file's content during restore: chunks are fetched a few ahead (reads overlap writes),
// verified against their ids by the repository, and written with positioned writes. All-zero chunks
// are not written, so the file stays sparse where its source was; the size is set at the end. The file
// gets its real name only once complete (tempName.ts).

import fs, { promises as fsp } from 'node:fs';
import type { BlobId } from '../ids.js';
import { IntegrityError } from '../errors.js';
import type { Repository } from '../repository/repository.js';
import type { TreeEntry } from '../tree/index.js';
import type { LocatedChunk } from './planReads.js';
import { fileChunkIds } from './findEntry.js';
import { CREATE_FLAGS, removeTemp, tempPathFor } from './tempName.js';

/** Chunks fetched ahead of the one being written. */
const READ_AHEAD = 8;
/** A big file goes to the writer threads in stretches of up to this many chunks or bytes… */
const STRETCH_MAX_CHUNKS = 64;
const STRETCH_MAX_BYTES = 8 * 1024 * 1024;
/** …with this many of one file in flight (reads here overlap decoding and writing there). */
const STRETCHES_IN_FLIGHT = 3;
/** Files up to this size are written with one synchronous call: open, write, close on the thread
 * pool would cost three round trips each, and restores of many small files are made of them. */
const SYNC_WRITE_MAX_BYTES = 64 * 1024;
import { isAllZero } from './zeroes.js';

export { isAllZero };

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
  entry: TreeEntry,
  target: Buffer,
  onBytes: (n: number) => void,
  finish: (tmp: Buffer) => void,
  stretches?: StretchWriter,
): Promise<number> {
  const tmp = tempPathFor(target);
  try {
    const n =
      entry.size <= BigInt(SYNC_WRITE_MAX_BYTES)
        ? await writeSmallFile(repo, entry, tmp, onBytes)
        : stretches
          ? await writeOffThread(repo, entry, tmp, onBytes, stretches)
          : await writeStreamed(repo, entry, tmp, onBytes);
    finish(tmp);
    fs.renameSync(tmp, target);
    return n;
  } catch (e) {
    removeTemp(tmp);
    throw e;
  }
}

/** Writes chunks (located, each at its position) on `fd` elsewhere: smallFiles.ts's writeChunks. */
export type StretchWriter = (fd: number, chunks: LocatedChunk[], pos: number[]) => Promise<{ bytes: number; holes: boolean }>;

/**
 * A big file in stretches of consecutive chunks, each read here as whole pack regions and decoded,
 * verified and written by a worker thread (the main thread only walks, reads and waits). A few stretches
 * are in flight at once; the file is closed only once none is (a worker writes on its descriptor).
 */
async function writeOffThread(repo: Repository, entry: TreeEntry, tmp: Buffer, onBytes: (n: number) => void, stretches: StretchWriter): Promise<number> {
  const index = await repo.index();
  const fh = await fsp.open(tmp, CREATE_FLAGS, 0o600);
  const inFlight = new Set<Promise<void>>();
  let failure: unknown;
  let holes = false;
  let pos = 0;
  let chunks: LocatedChunk[] = [];
  let at: number[] = [];
  let bytes = 0;
  const send = async () => {
    if (chunks.length === 0) return;
    const p: Promise<void> = stretches(fh.fd, chunks, at).then(
      (r) => {
        holes ||= r.holes;
        try {
          onBytes(r.bytes);
        } catch (e) {
          failure ??= e;
        }
      },
      (e) => void (failure ??= e),
    );
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
    chunks = [];
    at = [];
    bytes = 0;
    while (inFlight.size >= STRETCHES_IN_FLIGHT && failure === undefined) await Promise.race(inFlight);
    if (failure !== undefined) throw failure;
  };
  try {
    for await (const id of fileChunkIds(repo, entry)) {
      const loc = index.lookup(id);
      if (!loc) throw new IntegrityError(`blob ${id.toString('hex')} is not in the index (missing data)`, { blob: id.toString('hex') });
      chunks.push({ id, loc });
      at.push(pos);
      pos += loc.rawLength;
      bytes += loc.rawLength;
      if (chunks.length >= STRETCH_MAX_CHUNKS || bytes >= STRETCH_MAX_BYTES) await send();
    }
    await send();
    await Promise.all(inFlight);
    if (failure !== undefined) throw failure;
    if (BigInt(pos) !== entry.size) throw new IntegrityError(`content is ${pos} bytes, the snapshot says ${entry.size}`);
    // Zero chunks were not written (holes): the size comes from truncate.
    if (holes) await fh.truncate(pos);
  } finally {
    // Never close a descriptor a worker may still write on (its number could be reused by then).
    await Promise.allSettled(inFlight);
    await fh.close();
  }
  return pos;
}

async function writeStreamed(repo: Repository, entry: TreeEntry, tmp: Buffer, onBytes: (n: number) => void): Promise<number> {
  const fh = await fsp.open(tmp, CREATE_FLAGS, 0o600);
  let pos = 0;
  let writtenEnd = 0;
  try {
    for await (const { data } of fileChunks(repo, entry)) {
      if (!isAllZero(data)) {
        let done = 0;
        while (done < data.length) done += (await fh.write(data, done, data.length - done, pos + done)).bytesWritten;
        writtenEnd = pos + data.length;
      }
      pos += data.length;
      onBytes(data.length);
    }
    if (BigInt(pos) !== entry.size) throw new IntegrityError(`content is ${pos} bytes, the snapshot says ${entry.size}`);
    // Trailing zeros were not written (holes): the size comes from truncate.
    if (writtenEnd < pos) await fh.truncate(pos);
  } finally {
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
    for (let done = 0; done < data.length; ) done += fs.writeSync(fd, data, done, data.length - done, done);
  } finally {
    fs.closeSync(fd);
  }
  onBytes(data.length);
  return data.length;
}
