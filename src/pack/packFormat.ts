// pack/ owns pack files: their format (this file, pure), writing them (packWriter.ts: shuffle,
// compress, encrypt, stage, fsync, rename), reading blobs back (packReader.ts) and blob codecs (codec.ts).
//
// The pack file format (v1), pure encode/decode. A pack is
//   [salt (32 bytes, encrypted repositories only)] [blob]... [header] [header length: u32le]
// Blobs are stored back to back; their offsets follow from the header's stored lengths. The header is
// encrypted like a blob (nonce = its own offset), so an observer sees only the pack's total size.

import { BlobType, ID_BYTES, type BlobId } from '../ids.js';
import { IntegrityError, UnsupportedFormatError } from '../errors.js';
import type { Codec } from './codec.js';

export const PACK_FORMAT_VERSION = 1;
/** Where each field of a header entry starts: type u8, codec u8, stored length u32le, raw length u32le, id. */
const TYPE_AT = 0;
const CODEC_AT = 1;
const STORED_AT = 2;
const RAW_AT = 6;
const ID_AT = 10;
export const HEADER_ENTRY_BYTES = ID_AT + ID_BYTES;
/** u8 version, u32le entry count. */
const HEADER_PREFIX_BYTES = 1 + 4;
const ENTRY_COUNT_AT = 1;
export const HEADER_LENGTH_BYTES = 4;

export interface PackEntry {
  id: BlobId;
  type: BlobType;
  codec: Codec;
  /** Absolute offset of the stored blob in the pack file. */
  offset: number;
  /** Bytes on disk (compressed, plus the GCM tag when encrypted). */
  storedLength: number;
  /** Bytes after decryption and decompression. */
  rawLength: number;
}

export function encodePackHeader(entries: readonly PackEntry[]): Buffer {
  const buf = Buffer.alloc(HEADER_PREFIX_BYTES + entries.length * HEADER_ENTRY_BYTES);
  buf.writeUInt8(PACK_FORMAT_VERSION, 0);
  buf.writeUInt32LE(entries.length, ENTRY_COUNT_AT);
  let p = HEADER_PREFIX_BYTES;
  for (const e of entries) {
    buf.writeUInt8(e.type, p + TYPE_AT);
    buf.writeUInt8(e.codec, p + CODEC_AT);
    buf.writeUInt32LE(e.storedLength, p + STORED_AT);
    buf.writeUInt32LE(e.rawLength, p + RAW_AT);
    e.id.copy(buf, p + ID_AT);
    p += HEADER_ENTRY_BYTES;
  }
  return buf;
}

/** Decode a plaintext header; `firstOffset` is where the first blob starts (after the salt). */
export function decodePackHeader(buf: Buffer, firstOffset: number, pack: string): PackEntry[] {
  if (buf.length < HEADER_PREFIX_BYTES) throw new IntegrityError(`pack ${pack}: header too short`, { pack });
  const version = buf.readUInt8(0);
  if (version !== PACK_FORMAT_VERSION) throw new UnsupportedFormatError(`pack ${pack}: unknown pack format version ${version}`);
  const count = buf.readUInt32LE(ENTRY_COUNT_AT);
  if (buf.length !== HEADER_PREFIX_BYTES + count * HEADER_ENTRY_BYTES) {
    throw new IntegrityError(`pack ${pack}: header length does not match its ${count} entries`, { pack });
  }
  const out: PackEntry[] = [];
  let p = HEADER_PREFIX_BYTES;
  let offset = firstOffset;
  for (let i = 0; i < count; i++) {
    const storedLength = buf.readUInt32LE(p + STORED_AT);
    out.push({
      type: buf.readUInt8(p + TYPE_AT) as BlobType,
      codec: buf.readUInt8(p + CODEC_AT) as Codec,
      storedLength,
      rawLength: buf.readUInt32LE(p + RAW_AT),
      id: Buffer.from(buf.subarray(p + ID_AT, p + ID_AT + ID_BYTES)) as BlobId,
      offset,
    });
    offset += storedLength;
    p += HEADER_ENTRY_BYTES;
  }
  return out;
}

export function packObjectName(id: string): string {
  return `data/${id.slice(0, 2)}/${id}`;
}

/** Where a pack lives: data/<first two hex digits>/<64 hex digits of its id>. */
const PACK_OBJECT_NAME = /^data\/([0-9a-f]{2})\/([0-9a-f]{64})$/;

/**
 * The pack id of a name from a data/ listing, or undefined for anything snap never writes there (a
 * sync tool's conflict copy, an attacker's stray file): listings are untrusted input, and such a
 * name is never read, counted, planned for deletion or used as a path.
 */
export function packIdOf(name: string): string | undefined {
  const m = PACK_OBJECT_NAME.exec(name);
  return m && m[2]!.startsWith(m[1]!) ? m[2]! : undefined;
}

/** The pack names of a data/ listing (see packIdOf). */
export function packNames(listed: readonly string[]): string[] {
  return listed.filter((n) => packIdOf(n) !== undefined);
}
