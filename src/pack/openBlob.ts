// Opening one stored blob, the single place that turns a blob's stored bytes into its content and
// says why they are not it (invariant 8): check the stored length, decrypt at the offset (the nonce),
// decode, check the raw length, verify the id. Every reader calls it: blob loads through the
// repository, check and repair reading whole packs, prune's repack, the restore workers. Pure: bytes,
// the pack's cipher (Crypt.packCipher / PackCiphers) and the id hasher in, bytes out; no I/O.

import type { IdHasher, PackCipher } from '../crypto/index.js';
import { IntegrityError } from '../errors.js';
import type { BlobId } from '../ids.js';
import { decodeBlob, type Codec } from './codec.js';

/** Where a blob is stored, as the index and the pack header record it. */
export interface BlobLocation {
  packId: string;
  /** Absolute offset of the stored bytes in the pack file (the AES-GCM nonce). */
  offset: number;
  storedLength: number;
  rawLength: number;
  codec: Codec;
}

export interface OpenedBlob {
  /** The blob's content, verified against its id. */
  plain: Buffer;
  /** The stored bytes decrypted, still encoded by `codec` (what a repack stores again). */
  encoded: Buffer;
}

/**
 * The blob `id` stored at `loc`, or why `stored` (the bytes read at loc) are not it, as a reason
 * that reads after "blob <id> at offset <n>" (check and repair list reasons per blob).
 */
export async function tryOpenBlob(
  stored: Buffer,
  loc: BlobLocation,
  id: BlobId,
  cipher: PackCipher | undefined,
  hasher: IdHasher,
): Promise<OpenedBlob | { damage: string }> {
  if (stored.length !== loc.storedLength) return { damage: `is truncated (${stored.length} of ${loc.storedLength} bytes)` };
  let encoded: Buffer;
  try {
    encoded = cipher ? cipher.decryptAt(loc.offset, stored) : stored;
  } catch {
    return { damage: 'fails authentication (damaged)' };
  }
  let plain: Buffer;
  try {
    plain = await decodeBlob(loc.codec, encoded, loc.rawLength);
  } catch {
    return { damage: 'does not decompress (damaged)' };
  }
  if (plain.length !== loc.rawLength) return { damage: `has ${plain.length} bytes, not the recorded ${loc.rawLength}` };
  if (!hasher.hash(plain).equals(id)) return { damage: 'does not match its id (damaged data)' };
  return { plain, encoded };
}

/** tryOpenBlob, with damage as an IntegrityError naming the pack, the blob and the offset. */
export async function openBlob(stored: Buffer, loc: BlobLocation, id: BlobId, cipher: PackCipher | undefined, hasher: IdHasher): Promise<OpenedBlob> {
  const r = await tryOpenBlob(stored, loc, id, cipher, hasher);
  if ('damage' in r) throw blobDamage(loc, id, r.damage);
  return r;
}

/** The error for a blob that is not what `loc` says, with the message every reader gives. */
function blobDamage(loc: BlobLocation, id: BlobId, damage: string): IntegrityError {
  const blob = id.toString('hex');
  return new IntegrityError(`pack ${loc.packId}: blob ${blob} at offset ${loc.offset} ${damage}`, { pack: loc.packId, blob });
}
