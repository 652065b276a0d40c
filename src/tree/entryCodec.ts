// The stored bytes of one tree entry (format v1): a sequence of fields
//   tag (u8) | length (unsigned LEB128) | value
// with tags strictly increasing and absent optional fields omitted. Readers skip tags they do not know
// (a later version may add fields) and reject a repeated or out-of-order tag, a wrong fixed width,
// a non-minimal length or a missing required field, so every entry has exactly one byte form.
// Fixed-width integers are little-endian: u32 for mode/uid/gid, u64 for size/dev/inode/nlink/rdev,
// i64 for times. docs/tree.md is the byte-exact specification.
//
// Speed matters (a million-entry directory is one call per entry each way): the encoder writes each
// entry straight into a shared slab and returns a view of it (no copy; a fresh slab when one fills);
// the decoder returns views into its input (names, ids, xattrs are subarrays, not copies), so do not
// mutate a buffer after encoding into it or decoding from it.

import { type BlobId, ID_BYTES } from '../ids.js';
import { type TreeEntry, type Xattr, isEntryType, isValidName } from './entry.js';
import { Tag, U32, U64 } from './entryFields.js';
import { MAX_LEB_BYTES, lebLength, writeLeb } from './leb128.js';

export { Tag } from './entryFields.js';
export { decodeEntry, encodedName } from './entryDecode.js';

/** Encoded entries are carved out of slabs of this size (like Buffer's pool, but larger). */
const SLAB_BYTES = 64 * 1024;

let scratch = Buffer.allocUnsafe(SLAB_BYTES);
// DataView's BigInt accessors are ~6x faster than Buffer's writeBigUInt64LE & co. (no BigInt arithmetic).
let view = viewOf(scratch);
let entryStart = 0; // where the entry being encoded begins in the slab
let pos = 0;
const U64_MAX = 2n ** 64n - 1n;
const I64_MIN = -(2n ** 63n);
const I64_MAX = 2n ** 63n - 1n;
/** Encoded user and group names: a few distinct strings repeated over a million entries. */
const stringCache = new Map<string, Buffer>();
const STRING_CACHE_MAX = 1024;

function viewOf(b: Buffer): DataView {
  return new DataView(b.buffer, b.byteOffset, b.length);
}

/** Makes room for n more bytes: a new slab (big enough for a huge entry), the entry so far moved to it. */
function room(n: number): void {
  if (pos + n <= scratch.length) return;
  const have = pos - entryStart;
  let size = SLAB_BYTES;
  while (size < 2 * (have + n)) size *= 2;
  const slab = Buffer.allocUnsafe(size);
  scratch.copy(slab, 0, entryStart, pos);
  scratch = slab;
  view = viewOf(slab);
  entryStart = 0;
  pos = have;
}

function header(tag: number, len: number): void {
  room(1 + MAX_LEB_BYTES + len);
  scratch[pos++] = tag;
  pos = writeLeb(scratch, pos, len);
}

function putBytes(b: Buffer): void {
  const n = b.length;
  if (n <= 32) for (let i = 0; i < n; i++) scratch[pos + i] = b[i]; // cheaper than a native copy call
  else b.copy(scratch, pos);
  pos += n;
}

function putField(tag: number, b: Buffer): void {
  header(tag, b.length);
  putBytes(b);
}

function putU32(tag: number, v: number): void {
  if (!(Number.isInteger(v) && v >= 0 && v <= 0xffffffff)) throw new RangeError(`field ${tag}: ${v} is not a u32`);
  header(tag, U32);
  view.setUint32(pos, v, true);
  pos += U32;
}

function putU64(tag: number, v: bigint): void {
  if (v < 0n || v > U64_MAX) throw new RangeError(`field ${tag}: ${v} is not a u64`);
  header(tag, U64);
  view.setBigUint64(pos, v, true);
  pos += U64;
}

function putI64(tag: number, v: bigint): void {
  if (v < I64_MIN || v > I64_MAX) throw new RangeError(`field ${tag}: ${v} is not an i64`);
  header(tag, U64);
  view.setBigInt64(pos, v, true);
  pos += U64;
}

function putString(tag: number, s: string): void {
  let b = stringCache.get(s);
  if (b === undefined) {
    b = Buffer.from(s, 'utf8');
    if (stringCache.size >= STRING_CACHE_MAX) stringCache.clear();
    stringCache.set(s, b);
  }
  putField(tag, b);
}

function putIds(tag: number, ids: BlobId[]): void {
  header(tag, ids.length * ID_BYTES);
  for (const id of ids) {
    if (id.length !== ID_BYTES) throw new RangeError(`blob id of ${id.length} bytes, not ${ID_BYTES}`);
    putBytes(id);
  }
}

function putXattrs(xattrs: Xattr[]): void {
  const sorted = sortedXattrs(xattrs);
  let len = lebLength(sorted.length);
  for (const x of sorted) len += lebLength(x.name.length) + x.name.length + lebLength(x.value.length) + x.value.length;
  header(Tag.Xattrs, len);
  pos = writeLeb(scratch, pos, sorted.length);
  for (const x of sorted) {
    pos = writeLeb(scratch, pos, x.name.length);
    putBytes(x.name);
    pos = writeLeb(scratch, pos, x.value.length);
    putBytes(x.value);
  }
}

/** The xattrs in canonical order (by name bytes); the input is returned as is when already sorted. */
function sortedXattrs(xattrs: Xattr[]): Xattr[] {
  let ordered = true;
  for (let i = 1; i < xattrs.length && ordered; i++) ordered = Buffer.compare(xattrs[i - 1].name, xattrs[i].name) < 0;
  const out = ordered ? xattrs : [...xattrs].sort((a, b) => Buffer.compare(a.name, b.name));
  for (let i = 0; i < out.length; i++) {
    const name = out[i].name;
    if (name.length === 0 || name.indexOf(0) >= 0) throw new RangeError('xattr name empty or containing NUL');
    if (i > 0 && name.equals(out[i - 1].name)) throw new RangeError(`duplicate xattr ${name.toString()}`);
  }
  return out;
}

/** The canonical bytes of an entry. Throws RangeError on an entry no tree may hold (bad name, id, range). */
export function encodeEntry(e: TreeEntry): Buffer {
  if (!isValidName(e.name)) throw new RangeError(`invalid entry name ${JSON.stringify(e.name.toString('latin1'))}`);
  if (!isEntryType(e.type)) throw new RangeError(`invalid entry type ${e.type}`);
  if (e.chunks?.length && e.chunkList?.length) throw new RangeError('an entry holds either chunks or chunkList');
  pos = entryStart;
  putField(Tag.Name, e.name);
  header(Tag.Type, 1);
  scratch[pos++] = e.type;
  putU32(Tag.Mode, e.mode);
  putU32(Tag.Uid, e.uid);
  putU32(Tag.Gid, e.gid);
  if (e.user !== undefined) putString(Tag.User, e.user);
  if (e.group !== undefined) putString(Tag.Group, e.group);
  putU64(Tag.Size, e.size);
  putI64(Tag.MtimeNs, e.mtimeNs);
  putI64(Tag.CtimeNs, e.ctimeNs);
  putU64(Tag.Dev, e.dev);
  putU64(Tag.Inode, e.inode);
  putU64(Tag.Nlink, e.nlink);
  if (e.rdev !== undefined) putU64(Tag.Rdev, e.rdev);
  if (e.linkTarget !== undefined) putField(Tag.LinkTarget, e.linkTarget);
  // Empty lists mean the same as no list, so they are omitted: one meaning, one byte form.
  if (e.xattrs?.length) putXattrs(e.xattrs);
  if (e.chunks?.length) putIds(Tag.Chunks, e.chunks);
  if (e.chunkList?.length) putIds(Tag.ChunkList, e.chunkList);
  if (e.subtree !== undefined) {
    if (e.subtree.length !== ID_BYTES) throw new RangeError('subtree id is not 32 bytes');
    putField(Tag.Subtree, e.subtree);
  }
  const out = scratch.subarray(entryStart, pos);
  entryStart = pos;
  return out;
}
