// Names: blob ids (what a chunk or tree object is called in the index) and object names (what a
// stored file is called). Blob ids are keyed BLAKE3 in encrypted repositories so that ids reveal
// nothing about content; object names are plain BLAKE3 of the stored (already encrypted) bytes, so
// anyone can check a stored object against its name without a key.

import { blake3, Blake3Hasher } from '@napi-rs/blake-hash';
import { asBlobId, type BlobId } from '../ids.js';
import { checkKey } from './keyMaterial.js';

/** Computes blob ids; one instance per thread, reused (a keyed hasher costs ~7 µs to build). */
export class IdHasher {
  private readonly keyed: Blake3Hasher | undefined;

  /** With `idKey`: keyed BLAKE3 (encrypted repositories). Without: plain BLAKE3. */
  constructor(idKey?: Buffer) {
    if (idKey !== undefined) checkKey(idKey, 'idKey');
    this.keyed = idKey === undefined ? undefined : Blake3Hasher.newKeyed(idKey);
  }

  get isKeyed(): boolean {
    return this.keyed !== undefined;
  }

  hash(data: Buffer): BlobId {
    if (this.keyed === undefined) return asBlobId(blake3(data));
    // reset() keeps the key. Reset first, so a call that threw halfway cannot taint the next.
    this.keyed.reset();
    this.keyed.update(data);
    return asBlobId(this.keyed.digestBuffer());
  }
}

/** Reused for multi-part names; safe because hashing is synchronous. */
const nameHasher = new Blake3Hasher();

/** Hex plain BLAKE3 of one buffer. */
export function hashHex(data: Buffer): string {
  return blake3(data).toString('hex');
}

/** The name of a stored object (pack, index, snapshot, key file): hex plain BLAKE3 of its bytes, as
 * one buffer or the list of buffers that are written one after another. */
export function objectName(stored: Buffer | readonly Buffer[]): string {
  if (Buffer.isBuffer(stored)) return hashHex(stored);
  nameHasher.reset();
  for (const part of stored) nameHasher.update(part);
  return nameHasher.digestBuffer().toString('hex');
}

/** objectName computed incrementally, for objects written piece by piece (packs staged on disk). */
export class ObjectNameHasher {
  private readonly hasher = new Blake3Hasher();

  update(part: Buffer): void {
    this.hasher.update(part);
  }

  digestHex(): string {
    return this.hasher.digestBuffer().toString('hex');
  }
}
