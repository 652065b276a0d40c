// Reading packs from storage or from bytes already in memory: the header (to rebuild an index or
// check a pack), a pack's cipher, and single blobs by location, opened and verified by openBlob.ts.

import type { Backend } from '../backend/backend.js';
import type { Crypt, IdHasher, PackCipher } from '../crypto/index.js';
import { IntegrityError } from '../errors.js';
import type { BlobId } from '../ids.js';
import { openBlob, type BlobLocation } from './openBlob.js';
import { decodePackHeader, HEADER_LENGTH_BYTES, packObjectName, type PackEntry } from './packFormat.js';

export type { BlobLocation } from './openBlob.js';

/** What reading a pack's header needs: its size and ranges of it (from the backend or from memory). */
export interface PackBytes {
  size: number;
  range(offset: number, length: number): Promise<Buffer>;
}

/** A pack read whole, as PackBytes. */
export function packInMemory(bytes: Buffer): PackBytes {
  return { size: bytes.length, range: async (offset, length) => bytes.subarray(offset, Math.min(offset + length, bytes.length)) };
}

/** Ranges of a pack in storage. */
export function packInStorage(backend: Backend, packId: string): Pick<PackBytes, 'range'> {
  const name = packObjectName(packId);
  return { range: (offset, length) => backend.getRange(name, offset, length) };
}

export async function readPackHeader(backend: Backend, crypt: Crypt, packId: string): Promise<{ entries: PackEntry[]; size: number }> {
  const st = await backend.stat(packObjectName(packId));
  if (!st) throw new IntegrityError(`pack ${packId} is missing`, { pack: packId });
  const entries = await packHeaderOf({ size: st.size, ...packInStorage(backend, packId) }, crypt, packId);
  return { entries, size: st.size };
}

/** The header of a pack, checked against the pack's size: its blobs end where the header starts. */
export async function packHeaderOf(pack: PackBytes, crypt: Crypt, packId: string): Promise<PackEntry[]> {
  const size = pack.size;
  const prefix = crypt.packPrefixBytes;
  if (size < prefix + HEADER_LENGTH_BYTES) throw new IntegrityError(`pack ${packId} is truncated (${size} bytes)`, { pack: packId });
  const tail = await pack.range(size - HEADER_LENGTH_BYTES, HEADER_LENGTH_BYTES);
  const headerLength = tail.readUInt32LE(0);
  const headerOffset = size - HEADER_LENGTH_BYTES - headerLength;
  if (headerOffset < prefix) throw new IntegrityError(`pack ${packId}: header length ${headerLength} exceeds the pack`, { pack: packId });
  const stored = await pack.range(headerOffset, headerLength);
  const cipher = await packCipherFor(crypt, packId, pack);
  let header: Buffer;
  try {
    header = cipher ? cipher.decryptAt(headerOffset, stored) : stored;
  } catch (e) {
    throw new IntegrityError(`pack ${packId}: header does not decrypt (damaged pack)`, { pack: packId });
  }
  const entries = decodePackHeader(header, prefix, packId);
  const end = entries.length ? entries[entries.length - 1]!.offset + entries[entries.length - 1]!.storedLength : prefix;
  if (end !== headerOffset) throw new IntegrityError(`pack ${packId}: blobs end at ${end}, header starts at ${headerOffset}`, { pack: packId });
  return entries;
}

/** A pack's cipher, its salt read from `pack` unless the pack was seen before; undefined when unencrypted. */
export async function packCipherFor(crypt: Crypt, packId: string, pack: Pick<PackBytes, 'range'>): Promise<PackCipher | undefined> {
  if (!crypt.encrypted) return undefined;
  return crypt.cachedPackCipher(packId) ?? crypt.packCipher(packId, await pack.range(0, crypt.packPrefixBytes));
}

/** Read the blob `id` at `loc` from storage, decrypted, decompressed and verified against its id. */
export async function readBlobAt(backend: Backend, crypt: Crypt, hasher: IdHasher, id: BlobId, loc: BlobLocation): Promise<Buffer> {
  const stored = await backend.getRange(packObjectName(loc.packId), loc.offset, loc.storedLength);
  const cipher = await packCipherFor(crypt, loc.packId, packInStorage(backend, loc.packId));
  return (await openBlob(stored, loc, id, cipher, hasher)).plain;
}
