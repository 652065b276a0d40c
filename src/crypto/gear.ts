// The chunker's gear table in an encrypted repository, derived from the chunker key. With a public
// table, chunk sizes alone fingerprint known files; a secret table hides them. The binding has no
// XOF, so the 2048 bytes are keyed BLAKE3 hashes of a counter, laid end to end.

import { Blake3Hasher } from '@napi-rs/blake-hash';
import { GEAR_ENTRIES, GEAR_TABLE_BYTES } from '../chunker/gear.js';
import { checkKey } from './keyMaterial.js';

/** The derived table is the chunker's serialized gear table: GEAR_ENTRIES u64 little-endian. */
export const GEAR_BYTES = GEAR_TABLE_BYTES;
const GEAR_ENTRY_BYTES = GEAR_TABLE_BYTES / GEAR_ENTRIES;
/** Domain separation: these hashes can never equal blob ids, even if a repository reused a key. */
export const GEAR_DOMAIN = Buffer.from('snap gear v1', 'ascii');
const BLAKE3_OUT_BYTES = 32;
const COUNTER_BYTES = 4;
const ENTRIES_PER_HASH = BLAKE3_OUT_BYTES / GEAR_ENTRY_BYTES;

/**
 * Entry i = u64le at byte 8·(i mod 4) of keyed_BLAKE3(chunkerKey, "snap gear v1" || u32le(⌊i/4⌋)).
 * Equivalently: the concatenation of the 64 hashes for counters 0..63.
 */
export function deriveGearBytes(chunkerKey: Buffer): Buffer {
  checkKey(chunkerKey, 'chunkerKey');
  const hasher = Blake3Hasher.newKeyed(chunkerKey);
  const message = Buffer.alloc(GEAR_DOMAIN.length + COUNTER_BYTES);
  GEAR_DOMAIN.copy(message);
  const out = Buffer.alloc(GEAR_BYTES);
  for (let counter = 0; counter < GEAR_ENTRIES / ENTRIES_PER_HASH; counter++) {
    message.writeUInt32LE(counter, GEAR_DOMAIN.length);
    hasher.reset();
    hasher.update(message);
    hasher.digestBuffer().copy(out, counter * BLAKE3_OUT_BYTES);
  }
  return out;
}
