// The format of a condemned-packs object (condemned/<name>), pure encode/decode. A prune that finds
// packs no snapshot uses does not delete them: it records them here, and a later prune deletes them
// once the grace period has passed (docs/format.md, "Condemned packs"):
//   u8 version (0xC1) | u32le count | per pack: pack id (32 bytes) | u64le marked-at ms | u32le grace s
// marked-at 0 means "the storage time of this object" (a fresh mark); a mark carried over into a
// rewritten object keeps its original time. The first byte differs from the index format's version
// so that an object moved between index/ and condemned/ fails to decode.

import { ID_BYTES } from '../../ids.js';
import { IntegrityError, UnsupportedFormatError } from '../../errors.js';

export const CONDEMNED_FORMAT_VERSION = 0xc1;
const ENTRY_BYTES = ID_BYTES + 8 + 4;
/** A sanity bound for storage that is not trusted (a u32 count could claim 4 G entries). */
const MAX_ENTRIES = 1 << 24;

export interface CondemnedEntry {
  packId: string;
  /** Storage time (ms) of the original mark; 0: the time of the object holding this entry. */
  markedAt: number;
  graceMs: number;
}

export function encodeCondemned(entries: readonly CondemnedEntry[]): Buffer {
  const buf = Buffer.alloc(5 + entries.length * ENTRY_BYTES);
  buf.writeUInt8(CONDEMNED_FORMAT_VERSION, 0);
  buf.writeUInt32LE(entries.length, 1);
  let o = 5;
  for (const e of entries) {
    if (!/^[0-9a-f]{64}$/.test(e.packId)) throw new Error(`not a pack id: ${e.packId}`);
    buf.write(e.packId, o, ID_BYTES, 'hex');
    buf.writeBigUInt64LE(BigInt(Math.max(0, Math.floor(e.markedAt))), o + ID_BYTES);
    buf.writeUInt32LE(Math.min(0xffffffff, Math.ceil(e.graceMs / 1000)), o + ID_BYTES + 8);
    o += ENTRY_BYTES;
  }
  return buf;
}

export function decodeCondemned(buf: Buffer, name: string): CondemnedEntry[] {
  const fail = (why: string) => new IntegrityError(`condemned/${name}: ${why}`, { object: `condemned/${name}` });
  if (buf.length < 5) throw fail('too short');
  const version = buf.readUInt8(0);
  if (version !== CONDEMNED_FORMAT_VERSION) throw new UnsupportedFormatError(`condemned/${name}: unknown format version ${version}`);
  const count = buf.readUInt32LE(1);
  if (count > MAX_ENTRIES || buf.length !== 5 + count * ENTRY_BYTES) throw fail('length does not match its entry count');
  const out: CondemnedEntry[] = new Array(count);
  let o = 5;
  for (let i = 0; i < count; i++) {
    const markedAt = Number(buf.readBigUInt64LE(o + ID_BYTES));
    if (!Number.isSafeInteger(markedAt)) throw fail('mark time out of range');
    out[i] = { packId: buf.toString('hex', o, o + ID_BYTES), markedAt, graceMs: buf.readUInt32LE(o + ID_BYTES + 8) * 1000 };
    o += ENTRY_BYTES;
  }
  return out;
}
