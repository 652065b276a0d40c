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

/**
 * Stored blobs are copied into a batch buffer of this size and written to the staged pack a batch
 * at a time. Copying, rather than keeping the blobs until the write, matters for memory: a small
 * sealed blob is a slice of Node's shared 8 KiB buffer pool, and a list of thousands of them keeps
 * thousands of pool chunks alive (30 MiB at 60 000 small files, docs/benchmarks.md).
 */
const WRITE_BATCH_BYTES = 1024 * 1024;
/** Blobs at least this large are written as they are, not copied into a batch. */
const DIRECT_WRITE_MIN_BYTES = WRITE_BATCH_BYTES / 4;
/** Batch buffers kept for reuse once their write is done (one filling, one being written). */
const SPARE_BATCHES = 1;

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
  private batch: Buffer | undefined;
  private batchBytes = 0;
  private batchOffset = 0;
  private readonly spare: Buffer[] = [];

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

  /**
   * Encrypt the blob at its offset and write it there; resolves when the bytes are written, after
   * which `bytes` is no longer read (the caller may reuse its memory).
   */
  async add(id: BlobId, type: BlobType, codec: Codec, bytes: Buffer, rawLength: number): Promise<void> {
    const { fh } = await this.open();
    // From here to the write call nothing awaits: offsets, hashing and entries stay in file order.
    const offset = this.offset;
    // Ciphertext and tag stay two buffers (not joined): each is copied or written where it goes.
    const parts = this.cipher ? this.cipher.encryptPartsAt(offset, bytes) : [bytes];
    const storedLength = parts.length === 1 ? bytes.length : parts[0]!.length + parts[1]!.length;
    this.offset += storedLength;
    this.payload += bytes.length;
    this.entries.push({ id, type, codec, offset, storedLength, rawLength });
    if (storedLength >= DIRECT_WRITE_MIN_BYTES) {
      // (the batch before it first: the pack's name hashes the bytes in file order)
      const before = this.flushBatch(fh);
      for (const part of parts) this.hasher.update(part);
      const write = writevAt(fh, parts, offset);
      this.writes.push(write);
      // Both settle before this returns (allSettled): a failed batch write must not return while
      // this blob's write still reads `bytes`.
      const [a, b] = await Promise.allSettled([before, write]);
      if (a.status === 'rejected') throw a.reason;
      if (b.status === 'rejected') throw b.reason;
      return;
    }
    // Small blobs are gathered and written together: one syscall per WRITE_BATCH_BYTES, not per blob.
    // The full batch's write is awaited only after this blob is in the next one: another add() may
    // run during the await, and bytes must land in the batch in the order their offsets were given.
    const full = this.batchBytes + storedLength > WRITE_BATCH_BYTES ? this.flushBatch(fh) : undefined;
    if (this.batchBytes === 0) this.batchOffset = offset;
    this.batch ??= this.spare.pop() ?? Buffer.allocUnsafeSlow(WRITE_BATCH_BYTES);
    for (const part of parts) this.batchBytes += part.copy(this.batch, this.batchBytes);
    if (full) await full;
  }

  private flushBatch(fh: fs.FileHandle): Promise<void> {
    if (this.batchBytes === 0 || !this.batch) return Promise.resolve();
    const buf = this.batch;
    const data = buf.subarray(0, this.batchBytes);
    const at = this.batchOffset;
    this.batch = undefined;
    this.batchBytes = 0;
    // The pack's name is hashed per batch, in file order: one native call per 1 MiB, not per blob.
    this.hasher.update(data);
    const write = writeAt(fh, data, at).then(() => {
      if (this.spare.length < SPARE_BATCHES) this.spare.push(buf);
    });
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

/** The buffers one after another from `position` (one writev call unless the kernel writes less). */
async function writevAt(fh: fs.FileHandle, bufs: Buffer[], position: number): Promise<void> {
  if (bufs.length === 1) return writeAt(fh, bufs[0]!, position);
  const total = bufs.reduce((n, b) => n + b.length, 0);
  const { bytesWritten } = await fh.writev(bufs, position);
  if (bytesWritten < total) await writeAt(fh, Buffer.concat(bufs).subarray(bytesWritten), position + bytesWritten);
}

async function writeAt(fh: fs.FileHandle, buf: Buffer, position: number): Promise<void> {
  let done = 0;
  while (done < buf.length) done += (await fh.write(buf, done, buf.length - done, position + done)).bytesWritten;
}
