// Where a big directory's leaf is cut into parts. A cut depends only on the entries of the current part
// and on each entry's NAME bytes and encoded length (never its times, ids or other metadata), so
// touching a file changes only the part that holds it, and inserting or removing an entry moves at
// most the cuts next to it.
//
// The rule, per entry in order (`rec` = its leaf record size, LEB128 length + entry bytes; `h` = a
// 32-bit hash of its name; `bytes` = size of the current part's records so far):
//   1. if the part is not empty and bytes + rec > TREE_PART_MAX: cut before the entry;
//   2. add the entry (bytes += rec);
//   3. if bytes >= TREE_PART_MIN and h * TREE_PART_SPREAD < rec * 2^32: cut after it.
// Step 3 is a mask test on the name hash whose threshold grows with the entry's size: each byte past the
// minimum ends a part with probability 1/TREE_PART_SPREAD, so parts average ~MIN + SPREAD = 64 KiB of
// bytes whatever the mix of small entries and big ones (a file with 1024 inline ids is 32 KiB). A fixed
// mask would average a number of entries instead, and a directory of big entries would hit the forced
// cuts of step 1 everywhere, which shift on every insertion. All quantities are integers below 2^53,
// so the comparison is exact in doubles.

import { IntegrityError } from '../errors.js';
import { Tag } from './entryFields.js';
import { lebEnd, lebLength, readLeb } from './leb128.js';

/** A root leaf up to this size stays one node; beyond it the directory is cut into parts. */
export const TREE_INLINE_LIMIT = 64 * 1024;
export const TREE_PART_MIN = 16 * 1024;
export const TREE_PART_AVG = 64 * 1024;
export const TREE_PART_MAX = 4 * TREE_PART_AVG;
const TREE_PART_SPREAD = TREE_PART_AVG - TREE_PART_MIN;
const TWO_POW_32 = 2 ** 32;

/** FNV-1a 32 over the bytes, then MurmurHash3's fmix32 so that every output bit depends on every input bit. */
export function nameHash(buf: Buffer, start = 0, end = buf.length): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ buf[i], 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** nameHash of an encoded entry's name (its first field), read in place. */
function nameHashOf(encoded: Buffer): number {
  if (encoded[0] !== Tag.Name) throw new IntegrityError('entry does not start with its name');
  const len = readLeb(encoded, 1, encoded.length);
  return nameHash(encoded, lebEnd, lebEnd + len);
}

/** The cutting state machine: feed encoded entries in order, act on the returned cuts. */
export class PartCutter {
  private bytes = 0;
  private readonly result = { before: false, after: false };

  /** Whether to cut before and/or after this entry. The returned object is reused between calls. */
  push(encoded: Buffer): { before: boolean; after: boolean } {
    const rec = lebLength(encoded.length) + encoded.length;
    const r = this.result;
    r.before = this.bytes > 0 && this.bytes + rec > TREE_PART_MAX;
    if (r.before) this.bytes = 0;
    this.bytes += rec;
    r.after = this.bytes >= TREE_PART_MIN && nameHashOf(encoded) * TREE_PART_SPREAD < rec * TWO_POW_32;
    if (r.after) this.bytes = 0;
    return r;
  }
}

/** Cuts sorted encoded entries into parts (the leaf's runs). Only for a leaf over TREE_INLINE_LIMIT. */
export function splitEntries(encoded: Buffer[]): Buffer[][] {
  const cutter = new PartCutter();
  const parts: Buffer[][] = [];
  let cur: Buffer[] = [];
  for (const e of encoded) {
    const cut = cutter.push(e);
    if (cut.before) {
      parts.push(cur);
      cur = [];
    }
    cur.push(e);
    if (cut.after) {
      parts.push(cur);
      cur = [];
    }
  }
  if (cur.length > 0) parts.push(cur);
  return parts;
}
