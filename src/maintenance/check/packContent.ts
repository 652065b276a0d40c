// Reading one whole pack and checking its blobs, shared by `check --read-data` and
// `repair index --read-data`. The pack is read once; its header is parsed from the bytes in memory,
// and each blob is opened and re-hashed by tryOpenBlob (invariant 8), which says why a bad one is bad.

import { objectName, type PackCipher } from '../../crypto/index.js';
import { IntegrityError, NotFoundError, UnsupportedFormatError } from '../../errors.js';
import type { BlobId } from '../../ids.js';
import { packObjectName, type PackEntry } from '../../pack/packFormat.js';
import { tryOpenBlob, type BlobLocation } from '../../pack/openBlob.js';
import { packHeaderOf, packInMemory } from '../../pack/packReader.js';
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
    header = await packHeaderOf(packInMemory(bytes), repo.crypt, packId);
  } catch (e) {
    if (!(e instanceof IntegrityError || e instanceof UnsupportedFormatError || e instanceof RangeError)) throw e;
    headerError = (e as Error).message;
  }
  return { packId, bytes, nameMatches: objectName(bytes) === packId, header, headerError };
}

/** Why the blob `id` at `loc` in the loaded pack is bad, or undefined when it decrypts, decompresses and hashes to its id. */
async function verifyBlobIn(repo: Repository, pack: LoadedPack, id: BlobId, loc: BlobLocation): Promise<string | undefined> {
  let cipher: PackCipher | undefined;
  try {
    cipher = repo.crypt.packCipher(pack.packId, pack.bytes);
  } catch (e) {
    if (e instanceof IntegrityError) return e.message;
    throw e;
  }
  const opened = await tryOpenBlob(pack.bytes.subarray(loc.offset, loc.offset + loc.storedLength), loc, id, cipher, repo.idHasher);
  return 'damage' in opened ? opened.damage : undefined;
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
