// The index file format (v1), pure encode/decode. An index file says which blobs live in which pack:
//   u8 version | u32le pack count | per pack: pack id (32 bytes) | u32le blob count |
//   per blob: id (32) | type u8 | codec u8 | offset u32le | stored length u32le | raw length u32le
// Index files are the truth about where blobs are; the LMDB cache is rebuilt from them.

import { ID_BYTES, type BlobId, type BlobType } from '../ids.js';
import { IntegrityError, UnsupportedFormatError } from '../errors.js';
import type { Codec } from '../pack/codec.js';
import type { PackEntry } from '../pack/packFormat.js';

export const INDEX_FORMAT_VERSION = 1;
/** u8 version, u32le pack count. */
const FILE_PREFIX_BYTES = 1 + 4;
const PACK_COUNT_AT = 1;
const PACK_PREFIX_BYTES = ID_BYTES + 4;
/** Where each field of a blob entry starts, from the entry's start. */
const TYPE_AT = ID_BYTES;
const CODEC_AT = TYPE_AT + 1;
const OFFSET_AT = CODEC_AT + 1;
const STORED_AT = OFFSET_AT + 4;
const RAW_AT = STORED_AT + 4;
const INDEX_ENTRY_BYTES = RAW_AT + 4;

export interface IndexPack {
  packId: string;
  entries: PackEntry[];
}

export function encodeIndex(packs: readonly IndexPack[]): Buffer {
  let size = FILE_PREFIX_BYTES;
  for (const p of packs) size += PACK_PREFIX_BYTES + p.entries.length * INDEX_ENTRY_BYTES;
  const buf = Buffer.alloc(size);
  buf.writeUInt8(INDEX_FORMAT_VERSION, 0);
  buf.writeUInt32LE(packs.length, PACK_COUNT_AT);
  let o = FILE_PREFIX_BYTES;
  for (const p of packs) {
    buf.write(p.packId, o, ID_BYTES, 'hex');
    buf.writeUInt32LE(p.entries.length, o + ID_BYTES);
    o += PACK_PREFIX_BYTES;
    for (const e of p.entries) {
      e.id.copy(buf, o);
      buf.writeUInt8(e.type, o + TYPE_AT);
      buf.writeUInt8(e.codec, o + CODEC_AT);
      buf.writeUInt32LE(e.offset, o + OFFSET_AT);
      buf.writeUInt32LE(e.storedLength, o + STORED_AT);
      buf.writeUInt32LE(e.rawLength, o + RAW_AT);
      o += INDEX_ENTRY_BYTES;
    }
  }
  return buf;
}

export function decodeIndex(buf: Buffer, name: string): IndexPack[] {
  const fail = (why: string) => new IntegrityError(`index ${name}: ${why}`, { object: `index/${name}` });
  if (buf.length < FILE_PREFIX_BYTES) throw fail('too short');
  const version = buf.readUInt8(0);
  if (version !== INDEX_FORMAT_VERSION) throw new UnsupportedFormatError(`index ${name}: unknown index format version ${version}`);
  const packCount = buf.readUInt32LE(PACK_COUNT_AT);
  const packs: IndexPack[] = [];
  let o = FILE_PREFIX_BYTES;
  for (let i = 0; i < packCount; i++) {
    if (o + PACK_PREFIX_BYTES > buf.length) throw fail('truncated');
    const packId = buf.toString('hex', o, o + ID_BYTES);
    const count = buf.readUInt32LE(o + ID_BYTES);
    o += PACK_PREFIX_BYTES;
    if (o + count * INDEX_ENTRY_BYTES > buf.length) throw fail('truncated');
    const entries: PackEntry[] = new Array(count);
    for (let j = 0; j < count; j++) {
      entries[j] = {
        id: Buffer.from(buf.subarray(o, o + ID_BYTES)) as BlobId,
        type: buf.readUInt8(o + TYPE_AT) as BlobType,
        codec: buf.readUInt8(o + CODEC_AT) as Codec,
        offset: buf.readUInt32LE(o + OFFSET_AT),
        storedLength: buf.readUInt32LE(o + STORED_AT),
        rawLength: buf.readUInt32LE(o + RAW_AT),
      };
      o += INDEX_ENTRY_BYTES;
    }
    packs.push({ packId, entries });
  }
  if (o !== buf.length) throw fail('trailing bytes');
  return packs;
}
