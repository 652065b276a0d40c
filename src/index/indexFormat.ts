// The index file format (v1), pure encode/decode. An index file says which blobs live in which pack:
//   u8 version | u32le pack count | per pack: pack id (32 bytes) | u32le blob count |
//   per blob: id (32) | type u8 | codec u8 | offset u32le | stored length u32le | raw length u32le
// Index files are the truth about where blobs are; the LMDB cache is rebuilt from them.

import { ID_BYTES, type BlobId, type BlobType } from '../ids.js';
import { IntegrityError, UnsupportedFormatError } from '../errors.js';
import type { Codec } from '../pack/codec.js';
import type { PackEntry } from '../pack/packFormat.js';

export const INDEX_FORMAT_VERSION = 1;
const INDEX_ENTRY_BYTES = ID_BYTES + 1 + 1 + 4 + 4 + 4;
const PACK_PREFIX_BYTES = ID_BYTES + 4;

export interface IndexPack {
  packId: string;
  entries: PackEntry[];
}

export function encodeIndex(packs: readonly IndexPack[]): Buffer {
  let size = 1 + 4;
  for (const p of packs) size += PACK_PREFIX_BYTES + p.entries.length * INDEX_ENTRY_BYTES;
  const buf = Buffer.alloc(size);
  buf.writeUInt8(INDEX_FORMAT_VERSION, 0);
  buf.writeUInt32LE(packs.length, 1);
  let o = 5;
  for (const p of packs) {
    buf.write(p.packId, o, ID_BYTES, 'hex');
    buf.writeUInt32LE(p.entries.length, o + ID_BYTES);
    o += PACK_PREFIX_BYTES;
    for (const e of p.entries) {
      e.id.copy(buf, o);
      buf.writeUInt8(e.type, o + 32);
      buf.writeUInt8(e.codec, o + 33);
      buf.writeUInt32LE(e.offset, o + 34);
      buf.writeUInt32LE(e.storedLength, o + 38);
      buf.writeUInt32LE(e.rawLength, o + 42);
      o += INDEX_ENTRY_BYTES;
    }
  }
  return buf;
}

export function decodeIndex(buf: Buffer, name: string): IndexPack[] {
  const fail = (why: string) => new IntegrityError(`index ${name}: ${why}`, { object: `index/${name}` });
  if (buf.length < 5) throw fail('too short');
  const version = buf.readUInt8(0);
  if (version !== INDEX_FORMAT_VERSION) throw new UnsupportedFormatError(`index ${name}: unknown index format version ${version}`);
  const packCount = buf.readUInt32LE(1);
  const packs: IndexPack[] = [];
  let o = 5;
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
        type: buf.readUInt8(o + 32) as BlobType,
        codec: buf.readUInt8(o + 33) as Codec,
        offset: buf.readUInt32LE(o + 34),
        storedLength: buf.readUInt32LE(o + 38),
        rawLength: buf.readUInt32LE(o + 42),
      };
      o += INDEX_ENTRY_BYTES;
    }
    packs.push({ packId, entries });
  }
  if (o !== buf.length) throw fail('trailing bytes');
  return packs;
}
