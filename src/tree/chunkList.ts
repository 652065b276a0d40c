// The content list of a large file, split so that it deduplicates like data: a file of more than
// INLINE_CHUNK_LIMIT chunks keeps its ids in chunk-list blobs, cut at content-defined boundaries (after
// an id whose bits match a mask), so rewriting 5 % of a 100 GB file stores only the parts of its list
// around the changed chunks, not the whole 50 MB list again. A list blob is the bare concatenation of
// 32-byte data ids (no header: the entry field that points at it says what it is).

import { IntegrityError } from '../errors.js';
import { type BlobId, ID_BYTES } from '../ids.js';
import type { TreeEntry } from './entry.js';

/** Files with at most this many chunks list them in the entry itself (32 KiB of ids). */
export const INLINE_CHUNK_LIMIT = 1024;
/** Cut after an id whose last four bytes, read as u32 little-endian, have these bits all zero: 1 in 1024. */
export const CHUNK_LIST_CUT_MASK = 0x3ff;
/** A part never holds more ids than this (128 KiB): bounds a part when no id matches for long. */
export const CHUNK_LIST_MAX_IDS = 4096;
const MASK_OFFSET = ID_BYTES - 4;

/** Whether a part ends after `id` by content (not forced by CHUNK_LIST_MAX_IDS). */
export function isNaturalCut(id: BlobId): boolean {
  return (id.readUInt32LE(MASK_OFFSET) & CHUNK_LIST_CUT_MASK) === 0;
}

/**
 * Cuts a list of data ids into parts. A cut follows an id whose bytes match the mask, so inserting or
 * removing ids changes only the part(s) around the change; no minimum part size, so nothing upstream of
 * an edit ever moves. Forced cuts after CHUNK_LIST_MAX_IDS ids (one in ~e^4 parts) move only when an
 * edit falls between them and the next natural cut.
 */
export function splitChunkList(ids: BlobId[]): BlobId[][] {
  const parts: BlobId[][] = [];
  let start = 0;
  for (let i = 0; i < ids.length; i++) {
    if (ids[i].length !== ID_BYTES) throw new RangeError(`blob id of ${ids[i].length} bytes`);
    if (isNaturalCut(ids[i]) || i + 1 - start === CHUNK_LIST_MAX_IDS) {
      parts.push(ids.slice(start, i + 1));
      start = i + 1;
    }
  }
  if (start < ids.length) parts.push(ids.slice(start));
  return parts;
}

export function encodeChunkListBlob(ids: BlobId[]): Buffer {
  if (ids.length === 0) throw new RangeError('empty chunk list part');
  const out = Buffer.allocUnsafe(ids.length * ID_BYTES);
  ids.forEach((id, i) => {
    if (id.length !== ID_BYTES) throw new RangeError(`blob id of ${id.length} bytes`);
    id.copy(out, i * ID_BYTES);
  });
  return out;
}

/** The ids of a chunk-list blob (views into `buf`). */
export function decodeChunkListBlob(buf: Buffer): BlobId[] {
  if (buf.length === 0 || buf.length % ID_BYTES !== 0) throw new IntegrityError(`chunk list blob of ${buf.length} bytes`);
  const ids: BlobId[] = [];
  for (let p = 0; p < buf.length; p += ID_BYTES) ids.push(buf.subarray(p, p + ID_BYTES) as BlobId);
  return ids;
}

/**
 * The content fields of a file entry for its data ids: inline `chunks` up to INLINE_CHUNK_LIMIT ids,
 * else `chunkList` after storing each part with `storeBlob` (as a metadata blob). No ids: neither.
 */
export async function chunkRefs(
  ids: BlobId[],
  storeBlob: (bytes: Buffer) => Promise<BlobId> | BlobId,
): Promise<Pick<TreeEntry, 'chunks' | 'chunkList'>> {
  if (ids.length === 0) return {};
  if (ids.length <= INLINE_CHUNK_LIMIT) return { chunks: ids };
  const chunkList: BlobId[] = [];
  for (const part of splitChunkList(ids)) chunkList.push(await storeBlob(encodeChunkListBlob(part)));
  return { chunkList };
}

/** A file's data ids in order, one batch per list blob, loading list blobs one at a time. */
export async function* readChunkIds(
  entry: Pick<TreeEntry, 'chunks' | 'chunkList'>,
  loadBlob: (id: BlobId) => Promise<Buffer>,
): AsyncGenerator<BlobId[]> {
  if (entry.chunks?.length) yield entry.chunks;
  for (const listId of entry.chunkList ?? []) yield decodeChunkListBlob(await loadBlob(listId));
}
