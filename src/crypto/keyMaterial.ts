// The repository's secrets: three independent random keys. They are separate (not derived from one
// another) so that `init --from-repo` can share the id and chunker keys with a second repository,
// making `copy` deduplicate, without sharing the encryption key.

import { randomBytes } from 'node:crypto';
import { InvalidArgumentError } from '../errors.js';

/** Size of each of the three keys. */
export const KEY_BYTES = 32;
/** The wrapped form: masterKey || idKey || chunkerKey. */
export const KEY_MATERIAL_BYTES = 3 * KEY_BYTES;

export interface KeyMaterial {
  /** Encryption master key: every object key is HKDF'd from it (objectCipher.ts). */
  masterKey: Buffer;
  /** Key of the keyed BLAKE3 that names blobs (idHasher.ts). */
  idKey: Buffer;
  /** Key from which the chunker's gear table is derived (gear.ts). */
  chunkerKey: Buffer;
}

export function generateKeyMaterial(): KeyMaterial {
  return { masterKey: randomBytes(KEY_BYTES), idKey: randomBytes(KEY_BYTES), chunkerKey: randomBytes(KEY_BYTES) };
}

/** Throws InvalidArgumentError unless `key` is a KEY_BYTES Buffer. */
export function checkKey(key: Buffer, what: string): void {
  if (!Buffer.isBuffer(key) || key.length !== KEY_BYTES) {
    throw new InvalidArgumentError(`${what} must be ${KEY_BYTES} bytes, got ${Buffer.isBuffer(key) ? key.length : typeof key}`);
  }
}

/** masterKey || idKey || chunkerKey, the plaintext a key file wraps. */
export function encodeKeyMaterial(material: KeyMaterial): Buffer {
  checkKey(material.masterKey, 'masterKey');
  checkKey(material.idKey, 'idKey');
  checkKey(material.chunkerKey, 'chunkerKey');
  return Buffer.concat([material.masterKey, material.idKey, material.chunkerKey]);
}

/** Inverse of encodeKeyMaterial; the result owns fresh copies, not views of `encoded`. */
export function decodeKeyMaterial(encoded: Buffer): KeyMaterial {
  if (encoded.length !== KEY_MATERIAL_BYTES) {
    throw new InvalidArgumentError(`key material must be ${KEY_MATERIAL_BYTES} bytes, got ${encoded.length}`);
  }
  const key = (i: number) => Buffer.from(encoded.subarray(i * KEY_BYTES, (i + 1) * KEY_BYTES));
  return { masterKey: key(0), idKey: key(1), chunkerKey: key(2) };
}
