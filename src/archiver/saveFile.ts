// One file's content: read with large buffers, cut by FastCDC, hash, and hand new chunks to the saver.
// Chunk lists longer than INLINE_CHUNK_LIMIT are stored as list blobs (metadata scales like data).

import { promises as fs, readFileSync } from 'node:fs';
import { chunkBuffer, chunkFile, StreamChunker } from '../chunker/index.js';
import { IntegrityError, InterruptedError, NotFoundError, UnsupportedFormatError } from '../errors.js';
import { BlobType, type BlobId } from '../ids.js';
import { decodeChunkListBlob, encodeChunkListBlob, INLINE_CHUNK_LIMIT, splitChunkList } from '../tree/index.js';
import type { Repository } from '../repository/repository.js';
import type { BlobSaver } from '../repository/blobSaver.js';
import { WORKER_MIN_FILE_BYTES, type ChunkWorkers, type HashedChunk } from './chunkWorkers.js';
import type { Limiter } from '../pool.js';

/** Read size per file: large enough for sequential throughput, small enough for several files at once. */
const FILE_READ_BYTES = 1024 * 1024;
/** Files up to this size are read with one synchronous call (page-cache reads take microseconds). */
const SYNC_READ_MAX_BYTES = 64 * 1024;
/**
 * Files larger than FILE_READ_BYTES read and chunked here at once (the others of the walk's
 * files in flight wait for a slot). Each holds a chunker memory of 2 × (read size + max chunk),
 * 3 MiB at the defaults; eight at once were 24 MiB of a backup's peak, and the two cores are kept
 * busy by two files while a third one's read is in flight. Measured in docs/benchmarks.md.
 */
export const STREAMED_FILES_AT_ONCE = 3;

export interface FileContent {
  chunks?: BlobId[];
  chunkList?: BlobId[];
}

export async function saveChunks(
  repo: Repository, saver: BlobSaver, chunks: AsyncIterable<HashedChunk>, onBytes: (n: number) => void, signal?: AbortSignal,
): Promise<{ content: FileContent; size: number }> {
  const ids: BlobId[] = [];
  let size = 0;
  for await (const { id, data, owned } of chunks) {
    // Checked per chunk, not per file: one large file must not hold off an interrupt for minutes.
    if (signal?.aborted) throw new InterruptedError();
    // A chunk that is a view into a reader's buffer is copied, and only when it is new and must be kept.
    await saver.save(BlobType.Data, id, data, !owned);
    ids.push(id);
    size += data.length;
    onBytes(data.length);
  }
  return { content: await contentFromIds(repo, saver, ids), size };
}

/** Chunks with their ids, computed on this thread. */
export async function* hashed(repo: Repository, chunks: AsyncIterable<Buffer>): AsyncGenerator<HashedChunk> {
  for await (const data of chunks) yield { id: repo.idHasher.hash(data), data };
}

export async function contentFromIds(repo: Repository, saver: BlobSaver, ids: BlobId[]): Promise<FileContent> {
  if (ids.length <= INLINE_CHUNK_LIMIT) return { chunks: ids };
  const list: BlobId[] = [];
  for (const part of splitChunkList(ids)) {
    const blob = encodeChunkListBlob(part);
    const id = repo.idHasher.hash(blob);
    await saver.save(BlobType.Tree, id, blob);
    list.push(id);
  }
  return { chunkList: list };
}

/**
 * Whether every blob a parent snapshot's file content needs is still indexed (or saved by this
 * run). An unchanged file is reused unread only then: after `repair index` dropped damaged blobs,
 * reusing the parent's ids would point tonight's snapshot at them again (restic checks this too).
 * A chunk list that will not load counts as not indexed: the file is read again.
 */
export async function contentIndexed(repo: Repository, saver: BlobSaver, content: FileContent): Promise<boolean> {
  for (const id of content.chunks ?? []) if (!(await saver.has(id))) return false;
  for (const listId of content.chunkList ?? []) {
    if (!(await saver.has(listId))) return false;
    let ids: BlobId[];
    try {
      ids = decodeChunkListBlob(await repo.loadBlob(listId));
    } catch (e) {
      if (e instanceof IntegrityError || e instanceof NotFoundError || e instanceof UnsupportedFormatError) return false;
      throw e;
    }
    for (const id of ids) if (!(await saver.has(id))) return false;
  }
  return true;
}

/** A file's content. Big files go to a chunking worker (other cores); small ones are done here. */
export async function saveFile(
  repo: Repository, saver: BlobSaver, path: Buffer, size: bigint, onBytes: (n: number) => void, signal: AbortSignal | undefined, workers: ChunkWorkers | undefined,
  streamed: Limiter,
): Promise<{ content: FileContent; size: number }> {
  if (workers && size >= BigInt(WORKER_MIN_FILE_BYTES)) {
    return saveChunks(repo, saver, workers.chunks(path, FILE_READ_BYTES), onBytes, signal);
  }
  const p = repo.config.chunker;
  if (size <= BigInt(FILE_READ_BYTES)) {
    // Small files: one read of exactly their size, chunked in memory (no per-file read buffers).
    // The smallest are read synchronously: four thread-pool round trips (open, fstat, read, close)
    // cost more than the read itself, and with many small files that is most of a backup.
    const data = size <= BigInt(SYNC_READ_MAX_BYTES) ? readFileSync(path) : await fs.readFile(path);
    return saveChunks(repo, saver, hashed(repo, list(chunkBuffer(data, p, repo.gear))), onBytes, signal);
  }
  return streamed.run(async () => {
    const fh = await fs.open(path, 'r');
    try {
      return await saveChunks(repo, saver, hashed(repo, chunkFile(fh, p, repo.gear, FILE_READ_BYTES)), onBytes, signal);
    } finally {
      await fh.close();
    }
  });
}

/** --stdin: the same pipeline over a stream. */
export async function* chunkStream(stream: AsyncIterable<Buffer>, repo: Repository): AsyncGenerator<Buffer> {
  const chunker = new StreamChunker(repo.config.chunker, repo.gear);
  for await (const piece of stream) for (const c of chunker.push(piece)) yield c;
  for (const c of chunker.finish()) yield c;
}

async function* list<T>(items: T[]): AsyncGenerator<T> {
  yield* items;
}
