// Writing one file's content during restore: chunks are fetched a few ahead (reads overlap writes),
// verified against their ids by the repository, and written with positioned writes. All-zero chunks
// are not written, so the file stays sparse where its source was; the size is set at the end. The file
// gets its real name only once complete (tempName.ts).

import fs, { promises as fsp } from 'node:fs';
import type { BlobId } from '../ids.js';
import { IntegrityError } from '../errors.js';
import type { Repository } from '../repository/repository.js';
import type { TreeEntry } from '../tree/index.js';
import { fileChunkIds } from './findEntry.js';
import { CREATE_FLAGS, removeTemp, tempPathFor } from './tempName.js';

/** Chunks fetched ahead of the one being written. */
const READ_AHEAD = 8;
/** Files up to this size are written with one synchronous call: open, write, close on the thread
 * pool would cost three round trips each, and restores of many small files are made of them. */
const SYNC_WRITE_MAX_BYTES = 64 * 1024;
const ZERO_BLOCK = Buffer.alloc(1024 * 1024);

export function isAllZero(b: Buffer): boolean {
  for (let o = 0; o < b.length; o += ZERO_BLOCK.length) {
    const n = Math.min(ZERO_BLOCK.length, b.length - o);
    if (!b.subarray(o, o + n).equals(ZERO_BLOCK.subarray(0, n))) return false;
  }
  return true;
}

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
export async function writeFileContent(repo: Repository, entry: TreeEntry, target: Buffer, onBytes: (n: number) => void, finish: (tmp: Buffer) => void): Promise<number> {
  const tmp = tempPathFor(target);
  try {
    const n = entry.size <= BigInt(SYNC_WRITE_MAX_BYTES) ? await writeSmallFile(repo, entry, tmp, onBytes) : await writeStreamed(repo, entry, tmp, onBytes);
    finish(tmp);
    fs.renameSync(tmp, target);
    return n;
  } catch (e) {
    removeTemp(tmp);
    throw e;
  }
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
