// Builds one pack, staged in a file the backend provides, and stores it. Each blob is encrypted at
// the offset it will have (the GCM nonce) and written there as it arrives, so a pack being filled
// costs disk, not memory; the pack id (BLAKE3 of the bytes) is computed as the bytes go out.

import type { promises as fs } from 'node:fs';
import type { Backend, StagedObject } from '../backend/backend.js';
import { ObjectNameHasher } from '../crypto/index.js';
import { asPackId, type BlobId, type BlobType, type PackId } from '../ids.js';
import type { Crypt } from '../crypto/index.js';
import type { PackCipher } from '../crypto/index.js';
import type { Codec } from './codec.js';
import { encodePackHeader, HEADER_LENGTH_BYTES, packObjectName, type PackEntry } from './packFormat.js';

/** Stored blobs are written to the staged pack in batches of about this size. */
const WRITE_BATCH_BYTES = 1024 * 1024;

export interface FinishedPack {
  packId: PackId;
  entries: PackEntry[];
  size: number;
}

export class PackWriter {
  private readonly entries: PackEntry[] = [];
  private readonly hasher = new ObjectNameHasher();
  private readonly cipher: PackCipher | undefined;
  private offset: number;
  private payload = 0;
  private file: Promise<{ staged: StagedObject; fh: fs.FileHandle }> | undefined;
  private readonly writes: Array<Promise<unknown>> = [];
  private batch: Buffer[] = [];
  private batchBytes = 0;
  private batchOffset = 0;

  constructor(
    private readonly backend: Backend,
    crypt: Crypt,
  ) {
    this.cipher = crypt.newPackCipher();
    this.offset = crypt.packPrefixBytes;
  }

  /** Payload bytes so far (before encryption overhead). */
  get size(): number {
    return this.payload;
  }

  get count(): number {
    return this.entries.length;
  }

  private open(): Promise<{ staged: StagedObject; fh: fs.FileHandle }> {
    this.file ??= (async () => {
      const staged = await this.backend.stage();
      const fh = staged.handle;
      try {
        if (this.cipher) {
          this.hasher.update(this.cipher.salt);
          await fh.write(this.cipher.salt, 0, this.cipher.salt.length, 0);
        }
      } catch (e) {
        // (disk full already at the salt: nothing staged may stay behind)
        await staged.discard().catch(() => undefined);
        throw e;
      }
      return { staged, fh };
    })();
    return this.file;
  }

  /** Encrypt the blob at its offset and write it there; resolves when the bytes are written. */
  async add(id: BlobId, type: BlobType, codec: Codec, bytes: Buffer, rawLength: number): Promise<void> {
    const { fh } = await this.open();
    // From here to the write call nothing awaits: offsets, hashing and entries stay in file order.
    const offset = this.offset;
    const stored = this.cipher ? this.cipher.encryptAt(offset, bytes) : bytes;
    this.offset += stored.length;
    this.payload += bytes.length;
    this.entries.push({ id, type, codec, offset, storedLength: stored.length, rawLength });
    // Small blobs are gathered and written together: one syscall per WRITE_BATCH_BYTES, not per blob.
    if (this.batch.length === 0) this.batchOffset = offset;
    this.batch.push(stored);
    this.batchBytes += stored.length;
    if (this.batchBytes >= WRITE_BATCH_BYTES) await this.flushBatch(fh);
  }

  private flushBatch(fh: fs.FileHandle): Promise<void> {
    if (this.batch.length === 0) return Promise.resolve();
    const parts = this.batch;
    const at = this.batchOffset;
    this.batch = [];
    this.batchBytes = 0;
    const data = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
    // The pack's name is hashed per batch, in file order: one native call per 1 MiB, not per blob.
    this.hasher.update(data);
    const write = writeAt(fh, data, at);
    this.writes.push(write);
    return write;
  }

  /** Append the header, fsync, and store the pack under its final name (invariant 1). */
  async finish(): Promise<FinishedPack> {
    const { staged, fh } = await this.open();
    let tail: Buffer;
    try {
      await this.flushBatch(fh);
      await Promise.all(this.writes);
      const header = encodePackHeader(this.entries);
      const storedHeader = this.cipher ? this.cipher.encryptAt(this.offset, header) : header;
      const len = Buffer.alloc(HEADER_LENGTH_BYTES);
      len.writeUInt32LE(storedHeader.length);
      tail = Buffer.concat([storedHeader, len]);
      this.hasher.update(tail);
      await writeAt(fh, tail, this.offset);
      await fh.sync();
      const size = this.offset + tail.length;
      const packId = asPackId(this.hasher.digestHex());
      await staged.store(packObjectName(packId));
      return { packId, entries: this.entries, size };
    } catch (e) {
      // A pack that cannot be finished (disk full) must not stay staged: on a full disk its bytes
      // are what the user needs back. After a successful store the staged file is gone anyway.
      await staged.discard().catch(() => undefined);
      throw e;
    }
  }

  /** Drop a staged pack that will not be finished (dry runs, failures). */
  async discard(): Promise<void> {
    if (!this.file) return;
    const { staged } = await this.file;
    await staged.discard();
  }
}

async function writeAt(fh: fs.FileHandle, buf: Buffer, position: number): Promise<void> {
  let done = 0;
  while (done < buf.length) done += (await fh.write(buf, done, buf.length - done, position + done)).bytesWritten;
}
