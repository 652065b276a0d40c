// Encryption of repository objects (everything but keys/). Each object carries a fresh random salt;
// its key is HKDF-SHA256(masterKey, salt, "snap v1 " + purpose), and its GCM nonces count inside the
// object: 0 for a single object, the blob's byte offset for a pack. So no (key, nonce) pair repeats
// without any global counter, however many objects the repository holds.

import { hkdfSync, randomBytes } from 'node:crypto';
import { IntegrityError, InvalidArgumentError } from '../errors.js';
import { AEAD_KEY_BYTES, aeadOpen, aeadSeal, aeadSealParts, NONCE_BYTES, TAG_BYTES } from './aead.js';
import { checkKey } from './keyMaterial.js';

export { NONCE_BYTES, TAG_BYTES };
/** Per-object HKDF salt, stored in clear with the object. */
export const SALT_BYTES = 32;
/** HKDF output: an AES-256 key. */
export const SUBKEY_BYTES = AEAD_KEY_BYTES;
/** Prefix of the HKDF info; the purpose follows it. */
export const SUBKEY_INFO_PREFIX = 'snap v1 ';

/** What an object is for; part of the HKDF info, so an object of one kind never opens as another. */
export type ObjectPurpose = 'config' | 'index' | 'snapshot' | 'lock' | 'log' | 'pack';
export const OBJECT_PURPOSES: readonly ObjectPurpose[] = ['config', 'index', 'snapshot', 'lock', 'log', 'pack'];

/** A single object is one GCM message under a key used once, so its nonce is the counter's start: zero. */
const SINGLE_OBJECT_NONCE = Buffer.alloc(NONCE_BYTES);
/** Bytes 0..3 of a pack nonce stay zero: offsets are below 2^53, so 8 bytes hold them. */
const OFFSET_NONCE_POSITION = NONCE_BYTES - 8;
const TWO_TO_32 = 2 ** 32;

/** HKDF-SHA256(ikm = masterKey, salt, info = "snap v1 " + purpose) → SUBKEY_BYTES. */
export function deriveObjectKey(masterKey: Buffer, salt: Buffer, purpose: ObjectPurpose): Buffer {
  checkKey(masterKey, 'masterKey');
  if (salt.length !== SALT_BYTES) throw new InvalidArgumentError(`object salt must be ${SALT_BYTES} bytes, got ${salt.length}`);
  if (!OBJECT_PURPOSES.includes(purpose)) throw new InvalidArgumentError(`unknown object purpose ${JSON.stringify(purpose)}`);
  return Buffer.from(hkdfSync('sha256', masterKey, salt, SUBKEY_INFO_PREFIX + purpose, SUBKEY_BYTES));
}

/** Encrypts one object: salt(32) || ciphertext || tag(16). */
export function sealObject(masterKey: Buffer, purpose: ObjectPurpose, plaintext: Buffer): Buffer {
  return sealObjectWithSalt(masterKey, purpose, plaintext, randomBytes(SALT_BYTES));
}

/** sealObject with a chosen salt. For golden-vector tests only: a reused salt reuses a key and nonce. */
export function sealObjectWithSalt(masterKey: Buffer, purpose: ObjectPurpose, plaintext: Buffer, salt: Buffer): Buffer {
  const key = deriveObjectKey(masterKey, salt, purpose);
  return Buffer.concat([salt, aeadSeal(key, SINGLE_OBJECT_NONCE, plaintext)]);
}

/** Inverse of sealObject; IntegrityError when the input is short or fails authentication. */
export function openObject(masterKey: Buffer, purpose: ObjectPurpose, stored: Buffer): Buffer {
  if (stored.length < SALT_BYTES + TAG_BYTES) {
    throw new IntegrityError(`cannot decrypt ${purpose} object: ${stored.length} bytes is shorter than salt and tag`);
  }
  const key = deriveObjectKey(masterKey, stored.subarray(0, SALT_BYTES), purpose);
  const plaintext = aeadOpen(key, SINGLE_OBJECT_NONCE, stored.subarray(SALT_BYTES));
  if (plaintext === undefined) {
    throw new IntegrityError(`cannot decrypt ${purpose} object: authentication failed (corrupted, or another repository's key)`);
  }
  return plaintext;
}

/**
 * The cipher of one pack file: one subkey (derived once, from the pack's salt), and for each blob
 * the nonce = its byte offset in the pack file as a 96-bit big-endian integer. Blobs occupy
 * disjoint byte ranges, so their offsets, hence nonces, are distinct. The pack format stores `salt`.
 */
export class PackCipher {
  /** The salt's size (SALT_BYTES), where the pack format needs it beside the class. */
  static readonly SALT_BYTES = SALT_BYTES;
  /** Scratch nonce; createCipheriv copies it, so reusing it is safe. */
  private readonly nonce = Buffer.alloc(NONCE_BYTES);
  /** encryptAt refuses offsets below this: a nonce is never used twice by one writer. */
  private nextFreeOffset = 0;

  private constructor(
    /** The pack's HKDF salt (SALT_BYTES). */
    readonly salt: Buffer,
    private readonly key: Buffer,
  ) {}

  /** A new pack: fresh random salt. */
  static create(masterKey: Buffer): PackCipher {
    return PackCipher.fromSalt(masterKey, randomBytes(SALT_BYTES));
  }

  /** An existing pack, from the salt stored in it. */
  static fromSalt(masterKey: Buffer, salt: Buffer): PackCipher {
    const ownSalt = Buffer.from(salt);
    return new PackCipher(ownSalt, deriveObjectKey(masterKey, ownSalt, 'pack'));
  }

  /**
   * Encrypts the blob that will be written at `offset` in the pack file; returns ciphertext || tag.
   * Offsets must increase past each previous output (as an append-only writer's do), which makes
   * nonce reuse impossible rather than merely avoided.
   */
  encryptAt(offset: number, plaintext: Buffer): Buffer {
    return Buffer.concat(this.encryptPartsAt(offset, plaintext));
  }

  /** encryptAt's ciphertext and tag, not joined (the tag goes right after the ciphertext). */
  encryptPartsAt(offset: number, plaintext: Buffer): [body: Buffer, tag: Buffer] {
    if (offset < this.nextFreeOffset) {
      throw new InvalidArgumentError(
        `pack offset ${offset} overlaps an earlier blob (next free offset ${this.nextFreeOffset}): that would reuse a nonce`,
      );
    }
    const parts = aeadSealParts(this.key, this.nonceAt(offset), plaintext);
    this.nextFreeOffset = offset + plaintext.length + TAG_BYTES;
    return parts;
  }

  /** Decrypts the blob stored at `offset`; IntegrityError on a short input, alteration or wrong offset. */
  decryptAt(offset: number, stored: Buffer): Buffer {
    if (stored.length < TAG_BYTES) {
      throw new IntegrityError(`cannot decrypt pack blob at offset ${offset}: ${stored.length} bytes is shorter than a tag`);
    }
    const plaintext = aeadOpen(this.key, this.nonceAt(offset), stored);
    if (plaintext === undefined) {
      throw new IntegrityError(`cannot decrypt pack blob at offset ${offset}: authentication failed`);
    }
    return plaintext;
  }

  private nonceAt(offset: number): Buffer {
    if (!Number.isSafeInteger(offset) || offset < 0) {
      throw new InvalidArgumentError(`pack offset must be a non-negative safe integer, got ${offset}`);
    }
    // Bytes 0..3 are always zero (see OFFSET_NONCE_POSITION); write the 64-bit offset as two u32.
    this.nonce.writeUInt32BE(Math.floor(offset / TWO_TO_32), OFFSET_NONCE_POSITION);
    this.nonce.writeUInt32BE(offset % TWO_TO_32, OFFSET_NONCE_POSITION + 4);
    return this.nonce;
  }
}
