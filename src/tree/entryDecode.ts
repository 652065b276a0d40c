// Decoding of tree entries (format v1; the encoding and its rules are in entryCodec.ts and
// docs/tree.md). Strict: anything but the canonical form of known fields is an IntegrityError,
// except fields with unknown tags, which are skipped (forward compatibility). The result holds views
// into the input buffer, not copies.

import { IntegrityError, UnsupportedFormatError } from '../errors.js';
import { type BlobId, ID_BYTES } from '../ids.js';
import { type TreeEntry, type Xattr, isEntryType, isValidName } from './entry.js';
import { REQUIRED_MASK, Tag, U32, U64 } from './entryFields.js';
import { lebEnd, readLeb } from './leb128.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The last user and group name decoded: consecutive entries mostly share them. */
const STRING_CACHE_BYTES = 64;
const lastStrings = [
  { bytes: Buffer.alloc(0), text: '' },
  { bytes: Buffer.alloc(0), text: '' },
];

function getString(buf: Buffer, start: number, end: number, slot: number): string {
  const last = lastStrings[slot];
  const n = end - start;
  if (last.bytes.length === n) {
    let same = true;
    for (let i = 0; i < n && same; i++) same = last.bytes[i] === buf[start + i];
    if (same) return last.text;
  }
  let ascii = true;
  for (let i = start; i < end && ascii; i++) ascii = buf[i] < 0x80;
  let text: string;
  if (ascii) text = buf.toString('latin1', start, end);
  else {
    try {
      text = utf8.decode(buf.subarray(start, end));
    } catch {
      throw new IntegrityError('user or group name is not valid UTF-8');
    }
  }
  if (n <= STRING_CACHE_BYTES) lastStrings[slot] = { bytes: Buffer.from(buf.subarray(start, end)), text };
  return text;
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

// The decoder's DataView over a whole ArrayBuffer, kept while successive calls decode from the same
// memory (a tree node's entries, or entries encoded into one slab).
let inMemory: ArrayBufferLike | undefined;
let inView: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(0));

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
  if (buf.buffer !== inMemory) {
    inMemory = buf.buffer;
    inView = new DataView(buf.buffer);
  }
  const dv = inView;
  const base = buf.byteOffset; // DataView offsets are from the start of the ArrayBuffer
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
      case Tag.Mode: fixed(len, U32, tag); mode = dv.getUint32(base + v, true); break;
      case Tag.Uid: fixed(len, U32, tag); uid = dv.getUint32(base + v, true); break;
      case Tag.Gid: fixed(len, U32, tag); gid = dv.getUint32(base + v, true); break;
      case Tag.User: user = getString(buf, v, p, 0); break;
      case Tag.Group: group = getString(buf, v, p, 1); break;
      case Tag.Size: fixed(len, U64, tag); size = dv.getBigUint64(base + v, true); break;
      case Tag.MtimeNs: fixed(len, U64, tag); mtimeNs = dv.getBigInt64(base + v, true); break;
      case Tag.CtimeNs: fixed(len, U64, tag); ctimeNs = dv.getBigInt64(base + v, true); break;
      case Tag.Dev: fixed(len, U64, tag); dev = dv.getBigUint64(base + v, true); break;
      case Tag.Inode: fixed(len, U64, tag); inode = dv.getBigUint64(base + v, true); break;
      case Tag.Nlink: fixed(len, U64, tag); nlink = dv.getBigUint64(base + v, true); break;
      case Tag.Rdev: fixed(len, U64, tag); rdev = dv.getBigUint64(base + v, true); break;
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
