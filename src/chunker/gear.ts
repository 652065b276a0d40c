// Gear tables: the 256 random 64-bit values the rolling gear hash adds per byte. The standard table
// (public, unkeyed) is used by unencrypted repositories; an encrypted repository derives its own from
// the chunker key in crypto/ and passes it here as 2048 bytes, because with a public table the chunk
// sizes alone fingerprint known files (DESIGN.md, point 7).

import { createHash } from 'node:crypto';
import { InvalidArgumentError } from '../errors.js';

/** One entry per byte value. */
export const GEAR_ENTRIES = 256;
const BYTES_PER_ENTRY = 8;
/** Serialized size of a gear table: 256 × u64 little-endian. */
export const GEAR_TABLE_BYTES = GEAR_ENTRIES * BYTES_PER_ENTRY;

// How the standard table is made (FastCDC C reference, fastcdc-rs `GEAR`): entry i is the first
// 8 bytes, big-endian, of MD5 over 64 bytes that all equal i. We compute it instead of embedding
// 256 literals; test/chunker pins its digest and fastcdc-rs parity covers every entry in use.
const STANDARD_SEED_BYTES = 64;
const MD5_PREFIX_BYTES = 8;

function makeStandardGear(): BigUint64Array {
  const table = new BigUint64Array(GEAR_ENTRIES);
  for (let i = 0; i < GEAR_ENTRIES; i++) {
    const digest = createHash('md5').update(Buffer.alloc(STANDARD_SEED_BYTES, i)).digest();
    table[i] = digest.subarray(0, MD5_PREFIX_BYTES).readBigUInt64BE(0);
  }
  return table;
}

/**
 * fastcdc-rs's public v2020 GEAR table. Treat as read-only: it is shared (a typed array cannot be
 * frozen), and every chunker splits it into its own arrays at construction anyway.
 */
export const STANDARD_GEAR: BigUint64Array = makeStandardGear();

/** Parses a 2048-byte table (256 × u64 little-endian), e.g. one derived from a chunker key. */
export function gearFromBytes(bytes: Uint8Array): BigUint64Array {
  if (!(bytes instanceof Uint8Array) || bytes.length !== GEAR_TABLE_BYTES) {
    throw new InvalidArgumentError(`a gear table is ${GEAR_TABLE_BYTES} bytes, got ${bytes?.length ?? typeof bytes}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const table = new BigUint64Array(GEAR_ENTRIES);
  for (let i = 0; i < GEAR_ENTRIES; i++) table[i] = view.getBigUint64(i * BYTES_PER_ENTRY, true);
  return table;
}

/** The inverse of gearFromBytes. */
export function gearToBytes(gear: BigUint64Array): Buffer {
  checkGear(gear);
  const out = Buffer.alloc(GEAR_TABLE_BYTES);
  for (let i = 0; i < GEAR_ENTRIES; i++) out.writeBigUInt64LE(gear[i], i * BYTES_PER_ENTRY);
  return out;
}

export function checkGear(gear: BigUint64Array): void {
  if (!(gear instanceof BigUint64Array) || gear.length !== GEAR_ENTRIES) {
    throw new InvalidArgumentError(`a gear table is a BigUint64Array of ${GEAR_ENTRIES} entries`);
  }
}
