// Whether two tree entries of the same name and type have the same content, and the same metadata.
// Content is compared by ids (chunk ids, chunk-list ids, link target, device number): equal ids are
// equal bytes, so no data is read. ctime, inode, device and link count are not compared: they change
// when a file is merely copied or restored, and say nothing about what it holds.

import type { BlobId } from '../../ids.js';
import { EntryType, type TreeEntry, type Xattr } from '../../tree/index.js';

export function contentEqual(a: TreeEntry, b: TreeEntry): boolean {
  switch (a.type) {
    case EntryType.File:
      return a.size === b.size && idsEqual(a.chunks, b.chunks) && idsEqual(a.chunkList, b.chunkList);
    case EntryType.Symlink:
      return buffersEqual(a.linkTarget, b.linkTarget);
    case EntryType.CharDevice:
    case EntryType.BlockDevice:
      return (a.rdev ?? 0n) === (b.rdev ?? 0n);
    default:
      return true;
  }
}

/** Mode, owner (ids and names), mtime and xattrs. */
export function metadataEqual(a: TreeEntry, b: TreeEntry): boolean {
  return a.mtimeNs === b.mtimeNs && equalExceptMtime(a, b);
}

/** Everything that metadataEqual compares, the mtime aside, is equal. */
export function equalExceptMtime(a: TreeEntry, b: TreeEntry): boolean {
  return a.mode === b.mode && a.uid === b.uid && a.gid === b.gid && a.user === b.user && a.group === b.group && xattrsEqual(a.xattrs, b.xattrs);
}

function idsEqual(a: BlobId[] | undefined, b: BlobId[] | undefined): boolean {
  const la = a?.length ?? 0;
  if (la !== (b?.length ?? 0)) return false;
  for (let i = 0; i < la; i++) if (!a![i]!.equals(b![i]!)) return false;
  return true;
}

function buffersEqual(a: Buffer | undefined, b: Buffer | undefined): boolean {
  return (a ?? EMPTY).equals(b ?? EMPTY);
}

function xattrsEqual(a: Xattr[] | undefined, b: Xattr[] | undefined): boolean {
  const la = a?.length ?? 0;
  if (la !== (b?.length ?? 0)) return false;
  for (let i = 0; i < la; i++) if (!a![i]!.name.equals(b![i]!.name) || !a![i]!.value.equals(b![i]!.value)) return false;
  return true;
}

const EMPTY = Buffer.alloc(0);
