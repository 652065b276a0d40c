// The stored bytes of one tree entry (format v1): a sequence of fields
//   tag (u8) | length (unsigned LEB128) | value
// with tags strictly increasing and absent optional fields omitted. Readers skip tags they do not know
// (a later version may add fields) and reject a repeated or out-of-order tag, a wrong fixed width,
// a non-minimal length or a missing required field, so every entry has exactly one byte form.
// Fixed-width integers are little-endian: u32 for mode/uid/gid, u64 for size/dev/inode/nlink/rdev,
// i64 for times. docs/tree.md is the byte-exact specification.
//
// Speed matters (a million-entry directory is one call per entry each way): the encoder writes into
// one growing scratch buffer and copies out once; the decoder returns views into its input (names,
// ids, xattrs are subarrays, not copies), so do not mutate a buffer after decoding from it.

import { IntegrityError, UnsupportedFormatError } from '../errors.js';
import { type BlobId, ID_BYTES } from '../ids.js';
import { type TreeEntry, type Xattr, isEntryType, isValidName } from './entry.js';
import { MAX_LEB_BYTES, lebEnd, readLeb, writeLeb } from './leb128.js';

/** Field tags, in the order they must appear. */
export const Tag = {
  Name: 1,
  Type: 2,
  Mode: 3,
  Uid: 4,
  Gid: 5,
  User: 6,
  Group: 7,
  Size: 8,
  MtimeNs: 9,
  CtimeNs: 10,
  Dev: 11,
  Inode: 12,
  Nlink: 13,
  Rdev: 14,
  LinkTarget: 15,
  Xattrs: 16,
  Chunks: 17,
  ChunkList: 18,
  Subtree: 19,
} as const;

const U32 = 4;
const U64 = 8;
const INITIAL_SCRATCH_BYTES = 64 * 1024;
/** Tags that every entry carries: a bit per tag. */
const REQUIRED_MASK = [Tag.Name, Tag.Type, Tag.Mode, Tag.Uid, Tag.Gid, Tag.Size, Tag.MtimeNs, Tag.CtimeNs, Tag.Dev, Tag.Inode, Tag.Nlink]
  .reduce((m, t) => m | (1 << t), 0);

// ---- encoding ----

let scratch = Buffer.allocUnsafe(INITIAL_SCRATCH_BYTES);
// DataView's BigInt accessors are ~6x faster than Buffer's writeBigUInt64LE & co. (no BigInt arithmetic).
let view = viewOf(scratch);
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

function room(n: number): void {
  if (pos + n <= scratch.length) return;
  let size = scratch.length * 2;
  while (size < pos + n) size *= 2;
  const bigger = Buffer.allocUnsafe(size);
  scratch.copy(bigger, 0, 0, pos);
  scratch = bigger;
  view = viewOf(scratch);
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
  let len = lebBytes(sorted.length);
  for (const x of sorted) len += lebBytes(x.name.length) + x.name.length + lebBytes(x.value.length) + x.value.length;
  header(Tag.Xattrs, len);
  pos = writeLeb(scratch, pos, sorted.length);
  for (const x of sorted) {
    pos = writeLeb(scratch, pos, x.name.length);
    putBytes(x.name);
    pos = writeLeb(scratch, pos, x.value.length);
    putBytes(x.value);
  }
}

const lebBytes = (v: number): number => (v < 0x80 ? 1 : v < 0x4000 ? 2 : v < 0x200000 ? 3 : v < 0x10000000 ? 4 : 5);

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
  pos = 0;
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
  const out = Buffer.allocUnsafe(pos);
  scratch.copy(out, 0, 0, pos);
  return out;
}

// ---- decoding ----

const utf8 = new TextDecoder('utf-8', { fatal: true });

function getString(buf: Buffer, start: number, end: number): string {
  let ascii = true;
  for (let i = start; i < end && ascii; i++) ascii = buf[i] < 0x80;
  if (ascii) return buf.toString('latin1', start, end);
  try {
    return utf8.decode(buf.subarray(start, end));
  } catch {
    throw new IntegrityError('user or group name is not valid UTF-8');
  }
}

function getIds(buf: Buffer, start: number, end: number): BlobId[] {
  const len = end - start;
  if (len === 0 || len % ID_BYTES !== 0) throw new IntegrityError(`id list of ${len} bytes`);
  const ids = new Array<BlobId>(len / ID_BYTES);
  for (let i = 0, p = start; p < end; i++, p += ID_BYTES) ids[i] = buf.subarray(p, p + ID_BYTES) as BlobId;
  return ids;
}

function getXattrs(buf: Buffer, start: number, end: number): Xattr[] {
  const count = readLeb(buf, start, end);
  let p = lebEnd;
  if (count === 0) throw new IntegrityError('empty xattr list stored');
  const out: Xattr[] = [];
  for (let i = 0; i < count; i++) {
    const nameLen = readLeb(buf, p, end);
    p = lebEnd;
    if (nameLen === 0 || p + nameLen > end) throw new IntegrityError('bad xattr name length');
    const name = buf.subarray(p, (p += nameLen));
    if (name.indexOf(0) >= 0) throw new IntegrityError('xattr name containing NUL');
    if (i > 0 && Buffer.compare(out[i - 1].name, name) >= 0) throw new IntegrityError('xattrs not in strictly increasing name order');
    const valueLen = readLeb(buf, p, end);
    p = lebEnd;
    if (p + valueLen > end) throw new IntegrityError('bad xattr value length');
    out.push({ name, value: buf.subarray(p, (p += valueLen)) });
  }
  if (p !== end) throw new IntegrityError('trailing bytes in xattr field');
  return out;
}

// The decoder's DataView, kept while successive calls decode the same buffer (a tree node's entries).
let inBuf: Buffer | undefined;
let inView = viewOf(Buffer.alloc(0));

function fixed(len: number, want: number, tag: number): void {
  if (len !== want) throw new IntegrityError(`field ${tag} has ${len} bytes, not ${want}`);
}

/** Decodes `buf[start, end)`; defaults to the whole buffer. Absent optional fields are `undefined`. */
export function decodeEntry(buf: Buffer, start = 0, end = buf.length): TreeEntry {
  let seen = 0;
  let lastTag = 0; // tag 0 is reserved: it can never follow this
  let name: Buffer | undefined, type = 0, mode = 0, uid = 0, gid = 0, user: string | undefined, group: string | undefined;
  let size = 0n, mtimeNs = 0n, ctimeNs = 0n, dev = 0n, inode = 0n, nlink = 0n, rdev: bigint | undefined;
  let linkTarget: Buffer | undefined, xattrs: Xattr[] | undefined, chunks: BlobId[] | undefined;
  let chunkList: BlobId[] | undefined, subtree: BlobId | undefined;
  if (buf !== inBuf) {
    inBuf = buf;
    inView = viewOf(buf);
  }
  const dv = inView;
  let p = start;
  while (p < end) {
    const tag = buf[p++];
    if (tag <= lastTag) throw new IntegrityError(`entry field ${tag} after ${lastTag}: repeated or out of order`);
    lastTag = tag;
    const len = readLeb(buf, p, end);
    p = lebEnd;
    const v = p;
    p += len;
    if (p > end) throw new IntegrityError(`entry field ${tag} runs past the end`);
    if (tag < 31) seen |= 1 << tag;
    switch (tag) {
      case Tag.Name: name = buf.subarray(v, p); break;
      case Tag.Type: fixed(len, 1, tag); type = buf[v]; break;
      case Tag.Mode: fixed(len, U32, tag); mode = dv.getUint32(v, true); break;
      case Tag.Uid: fixed(len, U32, tag); uid = dv.getUint32(v, true); break;
      case Tag.Gid: fixed(len, U32, tag); gid = dv.getUint32(v, true); break;
      case Tag.User: user = getString(buf, v, p); break;
      case Tag.Group: group = getString(buf, v, p); break;
      case Tag.Size: fixed(len, U64, tag); size = dv.getBigUint64(v, true); break;
      case Tag.MtimeNs: fixed(len, U64, tag); mtimeNs = dv.getBigInt64(v, true); break;
      case Tag.CtimeNs: fixed(len, U64, tag); ctimeNs = dv.getBigInt64(v, true); break;
      case Tag.Dev: fixed(len, U64, tag); dev = dv.getBigUint64(v, true); break;
      case Tag.Inode: fixed(len, U64, tag); inode = dv.getBigUint64(v, true); break;
      case Tag.Nlink: fixed(len, U64, tag); nlink = dv.getBigUint64(v, true); break;
      case Tag.Rdev: fixed(len, U64, tag); rdev = dv.getBigUint64(v, true); break;
      case Tag.LinkTarget: linkTarget = buf.subarray(v, p); break;
      case Tag.Xattrs: xattrs = getXattrs(buf, v, p); break;
      case Tag.Chunks: chunks = getIds(buf, v, p); break;
      case Tag.ChunkList: chunkList = getIds(buf, v, p); break;
      case Tag.Subtree: fixed(len, ID_BYTES, tag); subtree = buf.subarray(v, p) as BlobId; break;
      default: break; // a field from a later version: skipped
    }
  }
  if ((seen & REQUIRED_MASK) !== REQUIRED_MASK) throw new IntegrityError('entry lacks a required field');
  if (!isValidName(name!)) throw new IntegrityError(`invalid entry name ${JSON.stringify(name!.toString('latin1'))}`);
  if (!isEntryType(type)) throw new UnsupportedFormatError(`entry type ${type} is unknown to this version of snap`);
  if (chunks && chunkList) throw new IntegrityError('entry holds both chunks and a chunk list');
  // Every property is always set (undefined when absent): one object shape keeps consumers monomorphic.
  return {
    name: name!, type, mode, uid, gid, user, group, size, mtimeNs, ctimeNs, dev, inode, nlink, rdev,
    linkTarget, xattrs, chunks, chunkList, subtree,
  };
}

/** The name bytes of an encoded entry, without decoding the rest (the name is always the first field). */
export function encodedName(buf: Buffer, start = 0, end = buf.length): Buffer {
  if (buf[start] !== Tag.Name) throw new IntegrityError('entry does not start with its name');
  const len = readLeb(buf, start + 1, end);
  if (lebEnd + len > end) throw new IntegrityError('entry name runs past the end');
  return buf.subarray(lebEnd, lebEnd + len);
}
