// The values that locate a blob, pure encode/decode. In check's scratch tables, a location:
//   pack id (32 bytes) | offset u32le | stored length u32le | raw length u32le | type u8 | codec u8
// (the fields after the pack id stand alone where the key already holds the pack: check's by_pack).
// In the LMDB cache, a cache value names the pack by its place in its index file's pack list, which
// the cache keeps once per file (indexCache.ts), instead of 32 bytes in every entry:
//   index file seq u32le | pack index in that file u32le | the same fields
// A cache of another layout is rebuilt (indexCache.ts LAYOUT), so this can change with LAYOUT.

import { ID_BYTES, type BlobType } from '../ids.js';
import type { Codec } from '../pack/codec.js';

/** Where each field starts, counted from the start of the fields (just after the pack id). */
const OFFSET_AT = 0;
const STORED_AT = 4;
const RAW_AT = 8;
const TYPE_AT = 12;
const CODEC_AT = 13;
/** offset, stored length, raw length, type, codec. */
export const LOCATION_FIELDS_BYTES = 14;
/** pack id and the fields. */
export const LOCATION_BYTES = ID_BYTES + LOCATION_FIELDS_BYTES;
/** Where a cache value's index file seq, pack index and fields start. */
const CACHE_SEQ_AT = 0;
const CACHE_PACK_AT = 4;
const CACHE_FIELDS_AT = 8;
/** A cache value: index file seq, pack index, fields (22 bytes, against 50 with the pack id and seq). */
export const CACHE_VALUE_BYTES = CACHE_FIELDS_AT + LOCATION_FIELDS_BYTES;

export interface LocationFields {
  offset: number;
  storedLength: number;
  rawLength: number;
  type: BlobType;
  codec: Codec;
}

export interface CachedLocation extends LocationFields {
  packId: string;
}

/** Write the fields of `e` into `out` at `at` (LOCATION_FIELDS_BYTES). */
export function writeLocationFields(out: Buffer, at: number, e: LocationFields): void {
  out.writeUInt32LE(e.offset, at + OFFSET_AT);
  out.writeUInt32LE(e.storedLength, at + STORED_AT);
  out.writeUInt32LE(e.rawLength, at + RAW_AT);
  out[at + TYPE_AT] = e.type;
  out[at + CODEC_AT] = e.codec;
}

/** The fields written by writeLocationFields at `at`, in the pack `packId`. */
export function readLocationFields(packId: string, v: Buffer, at: number): CachedLocation {
  return {
    packId,
    offset: v.readUInt32LE(at + OFFSET_AT),
    storedLength: v.readUInt32LE(at + STORED_AT),
    rawLength: v.readUInt32LE(at + RAW_AT),
    type: v[at + TYPE_AT] as BlobType,
    codec: v[at + CODEC_AT] as Codec,
  };
}

/** Write the pack id (hex) at the start of a location value. */
function writeLocationPack(out: Buffer, packId: string): void {
  out.write(packId, 0, ID_BYTES, 'hex');
}

/** A location value: pack id and fields (LOCATION_BYTES). */
export function encodeLocation(packId: string, e: LocationFields): Buffer {
  const out = Buffer.alloc(LOCATION_BYTES);
  writeLocationPack(out, packId);
  writeLocationFields(out, ID_BYTES, e);
  return out;
}

/** The location in a location value. */
export function decodeLocation(v: Buffer): CachedLocation {
  return readLocationFields(v.toString('hex', 0, ID_BYTES), v, ID_BYTES);
}

/** Write a cache value into `out` at `at` (CACHE_VALUE_BYTES). */
export function writeCacheValue(out: Buffer, at: number, seq: number, packIndex: number, e: LocationFields): void {
  out.writeUInt32LE(seq, at + CACHE_SEQ_AT);
  out.writeUInt32LE(packIndex, at + CACHE_PACK_AT);
  writeLocationFields(out, at + CACHE_FIELDS_AT, e);
}

/** The index file seq of a cache value at `at` (e.g. inside a run file's record). */
export function cacheValueSeq(v: Buffer, at = 0): number {
  return v.readUInt32LE(at + CACHE_SEQ_AT);
}

/** Which pack of its index file's pack list a cache value names. */
export function cacheValuePackIndex(v: Buffer, at = 0): number {
  return v.readUInt32LE(at + CACHE_PACK_AT);
}

/** The location in a cache value whose pack (looked up by seq and pack index) is `packId`. */
export function readCacheValue(packId: string, v: Buffer, at = 0): CachedLocation {
  return readLocationFields(packId, v, at + CACHE_FIELDS_AT);
}
