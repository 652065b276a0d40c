// Builds one pack in memory and stores it. Blobs arrive compressed; encryption happens when the pack
// is finished, because the GCM nonce is the blob's final offset. In an encrypted repository the blob
// order is shuffled so that a pack's layout does not mirror the layout of the files it came from.

import { randomInt } from 'node:crypto';
import type { Backend } from '../backend/backend.js';
import { objectName } from '../crypto/index.js';
import { asPackId, type BlobId, type BlobType, type PackId } from '../ids.js';
import type { Crypt } from '../repository/crypt.js';
import type { Codec } from './codec.js';
import { encodePackHeader, HEADER_LENGTH_BYTES, packObjectName, type PackEntry } from './packFormat.js';

interface PendingBlob {
  id: BlobId;
  type: BlobType;
  codec: Codec;
  bytes: Buffer;
  rawLength: number;
}

export interface FinishedPack {
  packId: PackId;
  entries: PackEntry[];
  size: number;
}

export class PackWriter {
  private readonly blobs: PendingBlob[] = [];
  private bytes = 0;

  constructor(
    private readonly backend: Backend,
    private readonly crypt: Crypt,
  ) {}

  add(id: BlobId, type: BlobType, codec: Codec, bytes: Buffer, rawLength: number): void {
    this.blobs.push({ id, type, codec, bytes, rawLength });
    this.bytes += bytes.length;
  }

  /** Payload bytes so far (before encryption overhead). */
  get size(): number {
    return this.bytes;
  }

  get count(): number {
    return this.blobs.length;
  }

  /** Encrypt, write durably under the final name (the backend fsyncs), and report the entries. */
  async finish(): Promise<FinishedPack> {
    const cipher = this.crypt.newPackCipher();
    const order = cipher ? shuffled(this.blobs) : this.blobs.slice();
    this.blobs.length = 0;
    const parts: Buffer[] = [];
    if (cipher) parts.push(cipher.salt);
    let offset = this.crypt.packPrefixBytes;
    const entries: PackEntry[] = [];
    for (let i = 0; i < order.length; i++) {
      const b = order[i]!;
      const stored = cipher ? cipher.encryptAt(offset, b.bytes) : b.bytes;
      // Let each plaintext go as soon as its ciphertext exists: a pack is held once, not twice.
      order[i] = undefined as unknown as PendingBlob;
      parts.push(stored);
      entries.push({ id: b.id, type: b.type, codec: b.codec, offset, storedLength: stored.length, rawLength: b.rawLength });
      offset += stored.length;
    }
    const header = encodePackHeader(entries);
    const storedHeader = cipher ? cipher.encryptAt(offset, header) : header;
    const len = Buffer.alloc(HEADER_LENGTH_BYTES);
    len.writeUInt32LE(storedHeader.length);
    parts.push(storedHeader, len);
    const size = offset + storedHeader.length + HEADER_LENGTH_BYTES;
    const packId = asPackId(objectName(parts));
    await this.backend.put(packObjectName(packId), parts);
    this.bytes = 0;
    return { packId, entries, size };
  }
}

function shuffled<T>(items: T[]): T[] {
  const a = items.slice();
  for (let i = a.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}
