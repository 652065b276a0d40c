// Reading packs: the header (to rebuild an index or check a pack) and single blobs by location.
// Every blob read here is decrypted (authenticated) and decompressed; its id is checked by the caller.

import type { Backend } from '../backend/backend.js';
import { IntegrityError } from '../errors.js';
import type { Crypt } from '../crypto/index.js';
import { decodeBlob, type Codec } from './codec.js';
import { decodePackHeader, HEADER_LENGTH_BYTES, packObjectName, type PackEntry } from './packFormat.js';

export interface BlobLocation {
  packId: string;
  offset: number;
  storedLength: number;
  rawLength: number;
  codec: Codec;
}

export async function readPackHeader(backend: Backend, crypt: Crypt, packId: string): Promise<{ entries: PackEntry[]; size: number }> {
  const name = packObjectName(packId);
  const st = await backend.stat(name);
  if (!st) throw new IntegrityError(`pack ${packId} is missing`, { pack: packId });
  const size = st.size;
  const prefix = crypt.packPrefixBytes;
  if (size < prefix + HEADER_LENGTH_BYTES) throw new IntegrityError(`pack ${packId} is truncated (${size} bytes)`, { pack: packId });
  const tail = await backend.getRange(name, size - HEADER_LENGTH_BYTES, HEADER_LENGTH_BYTES);
  const headerLength = tail.readUInt32LE(0);
  const headerOffset = size - HEADER_LENGTH_BYTES - headerLength;
  if (headerOffset < prefix) throw new IntegrityError(`pack ${packId}: header length ${headerLength} exceeds the pack`, { pack: packId });
  const stored = await backend.getRange(name, headerOffset, headerLength);
  const cipher = await packCipherFor(backend, crypt, packId);
  let header: Buffer;
  try {
    header = cipher ? cipher.decryptAt(headerOffset, stored) : stored;
  } catch (e) {
    throw new IntegrityError(`pack ${packId}: header does not decrypt (damaged pack)`, { pack: packId });
  }
  const entries = decodePackHeader(header, prefix, packId);
  const end = entries.length ? entries[entries.length - 1]!.offset + entries[entries.length - 1]!.storedLength : prefix;
  if (end !== headerOffset) throw new IntegrityError(`pack ${packId}: blobs end at ${end}, header starts at ${headerOffset}`, { pack: packId });
  return { entries, size };
}

async function packCipherFor(backend: Backend, crypt: Crypt, packId: string) {
  if (!crypt.encrypted) return undefined;
  const cached = crypt.cachedPackCipher(packId);
  if (cached) return cached;
  const salt = await backend.getRange(packObjectName(packId), 0, crypt.packPrefixBytes);
  if (salt.length !== crypt.packPrefixBytes) throw new IntegrityError(`pack ${packId} is truncated`, { pack: packId });
  return crypt.packCipher(packId, salt);
}

/** Decrypt and decompress stored blob bytes already read from a pack. */
export async function openStoredBlob(backend: Backend, crypt: Crypt, loc: BlobLocation, stored: Buffer): Promise<Buffer> {
  if (stored.length !== loc.storedLength) {
    throw new IntegrityError(`pack ${loc.packId}: blob at ${loc.offset} is truncated`, { pack: loc.packId });
  }
  const cipher = await packCipherFor(backend, crypt, loc.packId);
  let plain: Buffer;
  try {
    plain = cipher ? cipher.decryptAt(loc.offset, stored) : stored;
  } catch {
    throw new IntegrityError(`pack ${loc.packId}: blob at offset ${loc.offset} fails authentication (damaged)`, { pack: loc.packId });
  }
  try {
    return await decodeBlob(loc.codec, plain, loc.rawLength);
  } catch (e) {
    throw new IntegrityError(`pack ${loc.packId}: blob at offset ${loc.offset} does not decompress (damaged)`, { pack: loc.packId });
  }
}

export async function readBlobAt(backend: Backend, crypt: Crypt, loc: BlobLocation): Promise<Buffer> {
  const stored = await backend.getRange(packObjectName(loc.packId), loc.offset, loc.storedLength);
  return openStoredBlob(backend, crypt, loc, stored);
}
