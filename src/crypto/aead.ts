// AES-256-GCM, the one AEAD of format v1. Every caller goes through these two functions, so the
// tag length and the "authentication failed" convention live in one place.

import { createCipheriv, createDecipheriv } from 'node:crypto';

export const AEAD_ALGORITHM = 'aes-256-gcm';
/** AES-256 key size. */
export const AEAD_KEY_BYTES = 32;
/** GCM nonce: 96 bits, the size GCM uses without hashing the IV. */
export const NONCE_BYTES = 12;
/** GCM tag: the full 128 bits. */
export const TAG_BYTES = 16;

/** Encrypts `plaintext`; returns ciphertext || tag (plaintext length + TAG_BYTES). */
export function aeadSeal(key: Buffer, nonce: Buffer, plaintext: Buffer, aad?: Buffer): Buffer {
  const [body, tag] = aeadSealParts(key, nonce, plaintext, aad);
  return Buffer.concat([body, tag]);
}

/**
 * aeadSeal's two parts, ciphertext and tag, not joined: the pack writer copies or writes them
 * where they go, which saves a copy (and an allocation the size of the blob) per blob.
 */
export function aeadSealParts(key: Buffer, nonce: Buffer, plaintext: Buffer, aad?: Buffer): [body: Buffer, tag: Buffer] {
  const cipher = createCipheriv(AEAD_ALGORITHM, key, nonce, { authTagLength: TAG_BYTES });
  if (aad !== undefined) cipher.setAAD(aad);
  const body = cipher.update(plaintext);
  cipher.final(); // empty for GCM
  return [body, cipher.getAuthTag()];
}

/**
 * Decrypts ciphertext || tag. Returns undefined when authentication fails (wrong key, wrong nonce,
 * wrong AAD or altered bytes) or the input is shorter than a tag; callers decide whether that means
 * "wrong password" or "corrupted".
 */
export function aeadOpen(key: Buffer, nonce: Buffer, sealed: Buffer, aad?: Buffer): Buffer | undefined {
  if (sealed.length < TAG_BYTES) return undefined;
  const bodyEnd = sealed.length - TAG_BYTES;
  // authTagLength pins the tag to 16 bytes: without it Node accepts truncated tags.
  const decipher = createDecipheriv(AEAD_ALGORITHM, key, nonce, { authTagLength: TAG_BYTES });
  decipher.setAuthTag(sealed.subarray(bodyEnd));
  if (aad !== undefined) decipher.setAAD(aad);
  const body = decipher.update(sealed.subarray(0, bodyEnd));
  try {
    decipher.final();
  } catch {
    return undefined;
  }
  return body;
}
