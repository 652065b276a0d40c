// The in-memory form of one directory entry, shared by the archiver (which fills it from lstat),
// the restorer (which applies it) and the codecs in this folder (which give it its stored bytes).

import type { BlobId } from '../ids.js';

/** File types. The numbers are the stored type byte (format v1): never renumber. */
export enum EntryType {
  File = 1,
  Dir = 2,
  Symlink = 3,
  Fifo = 4,
  Socket = 5,
  CharDevice = 6,
  BlockDevice = 7,
}

/** One extended attribute. Names are bytes: the kernel allows any non-NUL byte in them. */
export interface Xattr {
  name: Buffer;
  value: Buffer;
}

export interface TreeEntry {
  /** Raw bytes, any byte but '/' and NUL; never empty, "." or "..". */
  name: Buffer;
  type: EntryType;
  /** Permission bits including setuid/setgid/sticky (st_mode & 0o7777). */
  mode: number;
  uid: number;
  gid: number;
  user?: string;
  group?: string;
  /** File size in bytes (0 for every other type). */
  size: bigint;
  /** Nanoseconds since the epoch; negative before 1970. */
  mtimeNs: bigint;
  ctimeNs: bigint;
  dev: bigint;
  inode: bigint;
  nlink: bigint;
  /** Device number of a character or block device (Linux dev_t encoding). */
  rdev?: bigint;
  /** Symlink target, raw bytes. */
  linkTarget?: Buffer;
  /** Sorted by name bytes; an empty list is stored as no list. */
  xattrs?: Xattr[];
  /** File content inline: the data chunk ids in order (at most INLINE_CHUNK_LIMIT). */
  chunks?: BlobId[];
  /** File content indirect: ids of chunk-list blobs, each a concatenation of 32-byte data ids. */
  chunkList?: BlobId[];
  /** Directories: the id of the directory's tree object. */
  subtree?: BlobId;
}

export const isEntryType = (t: number): t is EntryType =>
  Number.isInteger(t) && t >= EntryType.File && t <= EntryType.BlockDevice;

/** Names that a tree may hold: a single path component, so a restore can never leave its target. */
export function isValidName(name: Buffer): boolean {
  const n = name.length;
  if (n === 0) return false;
  if (name[0] === DOT && (n === 1 || (n === 2 && name[1] === DOT))) return false;
  // A JS loop beats two native indexOf calls on names of typical length (tens of bytes).
  for (let i = 0; i < n; i++) {
    const b = name[i];
    if (b === 0 || b === SLASH) return false;
  }
  return true;
}

/**
 * Buffer.compare's order (bytes, then length) in JS: for names of tens of bytes a loop is several times
 * cheaper than a native call, and trees compare every adjacent pair.
 */
export function compareBytes(a: Buffer, b: Buffer): number {
  const n = Math.min(a.length, b.length);
  if (n > COMPARE_LOOP_MAX) return Buffer.compare(a, b);
  for (let i = 0; i < n; i++) {
    const d = a[i] - b[i];
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
}

const COMPARE_LOOP_MAX = 64;
const DOT = 0x2e;
const SLASH = 0x2f;
