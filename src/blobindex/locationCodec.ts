// The value that locates a blob in the LMDB cache and in check's scratch tables, pure encode/decode:
//   pack id (32 bytes) | offset u32le | stored length u32le | raw length u32le | type u8 | codec u8
//   [| index file seq u32le: the cache only, which file the entry came from]
// The fields after the pack id stand alone where the key already holds the pack (check's by_pack).
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
/** Where the cache's index file seq sits, after the location. */
const SEQ_AT = LOCATION_BYTES;
/** A cache value: the location and the index file seq. */
export const CACHED_LOCATION_BYTES = SEQ_AT + 4;

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
export function writeLocationPack(out: Buffer, packId: string): void {
  out.write(packId, 0, ID_BYTES, 'hex');
}

/** A location value: pack id and fields (LOCATION_BYTES), or with `seq` a cache value (CACHED_LOCATION_BYTES). */
export function encodeLocation(packId: string, e: LocationFields, seq?: number): Buffer {
  const out = Buffer.alloc(seq === undefined ? LOCATION_BYTES : CACHED_LOCATION_BYTES);
  writeLocationPack(out, packId);
  writeLocationFields(out, ID_BYTES, e);
  if (seq !== undefined) writeLocationSeq(out, seq);
  return out;
}

/** The location in a value of either size (the seq, if any, is left out). */
export function decodeLocation(v: Buffer): CachedLocation {
  return readLocationFields(v.toString('hex', 0, ID_BYTES), v, ID_BYTES);
}

export function writeLocationSeq(out: Buffer, seq: number): void {
  out.writeUInt32LE(seq, SEQ_AT);
}

/** The index file seq of a cache value (at `at` inside a bigger record, e.g. a run file's). */
export function locationSeq(v: Buffer, at = 0): number {
  return v.readUInt32LE(at + SEQ_AT);
}
