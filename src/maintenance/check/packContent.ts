// Reading one whole pack and checking its blobs, shared by `check --read-data` and
// `repair index --read-data`. The pack is read once; its header is parsed with readPackHeader over
// the bytes already in memory, and each blob is opened with openStoredBlob and re-hashed (invariant 8).

import type { Backend } from '../../backend/backend.js';
import { objectName } from '../../crypto/index.js';
import { IntegrityError, NotFoundError, UnsupportedFormatError } from '../../errors.js';
import type { BlobId } from '../../ids.js';
import { packObjectName, type PackEntry } from '../../pack/packFormat.js';
import { openStoredBlob, readPackHeader, type BlobLocation } from '../../pack/packReader.js';
import type { Repository } from '../../repository/repository.js';

/** Blobs of one pack opened at once: decompression runs on the libuv pool. */
const BLOB_CONCURRENCY = 8;

export interface LoadedPack {
  packId: string;
  bytes: Buffer;
  /** Whether the bytes hash to the pack's name (any flipped or missing byte shows here). */
  nameMatches: boolean;
  header: PackEntry[] | undefined;
  headerError: string | undefined;
}

/** Read a pack whole; undefined when it is missing. */
export async function loadPack(repo: Repository, packId: string): Promise<LoadedPack | undefined> {
  let bytes: Buffer;
  try {
    bytes = await repo.backend.get(packObjectName(packId));
  } catch (e) {
    if (e instanceof NotFoundError) return undefined;
    throw e;
  }
  let header: PackEntry[] | undefined;
  let headerError: string | undefined;
  try {
    header = (await readPackHeader(memoryBackend(packId, bytes), repo.crypt, packId)).entries;
  } catch (e) {
    if (!(e instanceof IntegrityError || e instanceof UnsupportedFormatError || e instanceof RangeError)) throw e;
    headerError = (e as Error).message;
  }
  return { packId, bytes, nameMatches: objectName(bytes) === packId, header, headerError };
}

/** Why the blob `id` at `loc` in the loaded pack is bad, or undefined when it decrypts, decompresses and hashes to its id. */
export async function verifyBlobIn(repo: Repository, pack: LoadedPack, id: BlobId, loc: BlobLocation): Promise<string | undefined> {
  const stored = pack.bytes.subarray(loc.offset, loc.offset + loc.storedLength);
  if (loc.offset + loc.storedLength > pack.bytes.length) return `runs past the end of the pack (${pack.bytes.length} bytes)`;
  let plain: Buffer;
  try {
    plain = await openStoredBlob(memoryBackend(pack.packId, pack.bytes), repo.crypt, loc, stored);
  } catch (e) {
    if (e instanceof IntegrityError || e instanceof RangeError) return (e as Error).message.replace(/^pack [0-9a-f]+: /, '');
    throw e;
  }
  if (plain.length !== loc.rawLength) return `has ${plain.length} bytes, the header says ${loc.rawLength}`;
  if (!repo.idHasher.hash(plain).equals(id)) return 'does not match its id (damaged data)';
  return undefined;
}

/** Verify many blobs of one loaded pack, a few at a time; the result lists the bad ones with the reason. */
export async function verifyBlobsIn(
  repo: Repository,
  pack: LoadedPack,
  blobs: Array<{ id: BlobId; loc: BlobLocation }>,
): Promise<Array<{ id: BlobId; loc: BlobLocation; reason: string }>> {
  const bad: Array<{ id: BlobId; loc: BlobLocation; reason: string }> = [];
  for (let i = 0; i < blobs.length; i += BLOB_CONCURRENCY) {
    const group = blobs.slice(i, i + BLOB_CONCURRENCY);
    const reasons = await Promise.all(group.map((b) => verifyBlobIn(repo, pack, b.id, b.loc)));
    reasons.forEach((reason, j) => {
      if (reason) bad.push({ ...group[j]!, reason });
    });
  }
  return bad;
}

/** The two reads readPackHeader and openStoredBlob make, served from bytes already in memory. */
function memoryBackend(packId: string, bytes: Buffer): Backend {
  const name = packObjectName(packId);
  const only = (n: string) => {
    if (n !== name) throw new Error(`memory backend for ${name} asked for ${n}`);
  };
  return {
    location: `memory:${name}`,
    stat: async (n: string) => (only(n), { size: bytes.length }),
    getRange: async (n: string, offset: number, length: number) => (only(n), bytes.subarray(offset, Math.min(offset + length, bytes.length))),
  } as unknown as Backend;
}
