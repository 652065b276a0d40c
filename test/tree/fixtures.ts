// Fixed entries for the golden-byte tests: one of each type, with every optional field somewhere.

import { asBlobId, type BlobId } from '../../src/ids.js';
import { EntryType, type TreeEntry } from '../../src/tree/index.js';

/** A recognisable id: 32 bytes of `byte`. */
export const fill = (byte: number): BlobId => asBlobId(Buffer.alloc(32, byte));

const base = {
  mode: 0o644,
  uid: 1000,
  gid: 100,
  size: 0n,
  mtimeNs: 1_700_000_000_123_456_789n,
  ctimeNs: -1n,
  dev: 0x801n,
  inode: 42n,
  nlink: 1n,
};

export const fileEntry: TreeEntry = {
  ...base,
  name: Buffer.from('a.txt'),
  type: EntryType.File,
  user: 'alice',
  group: 'users',
  size: 70000n,
  chunks: [fill(0xaa), fill(0xbb)],
};

export const dirEntry: TreeEntry = {
  ...base,
  name: Buffer.from('dir'),
  type: EntryType.Dir,
  mode: 0o1777,
  nlink: 2n,
  subtree: fill(0x11),
};

export const symlinkEntry: TreeEntry = {
  ...base,
  name: Buffer.from([0x6c, 0xff, 0xfe]),
  type: EntryType.Symlink,
  mode: 0o777,
  linkTarget: Buffer.from([0x2e, 0x2e, 0x2f, 0xc3, 0x28]), // "../" then invalid UTF-8
};

export const deviceEntry: TreeEntry = {
  ...base,
  name: Buffer.from('sda'),
  type: EntryType.BlockDevice,
  mode: 0o660,
  uid: 0,
  gid: 6,
  rdev: 0x800n,
};

export const xattrEntry: TreeEntry = {
  ...base,
  name: Buffer.from('x'),
  type: EntryType.File,
  mode: 0o4755,
  xattrs: [
    { name: Buffer.from('security.capability'), value: Buffer.from([1, 0, 0, 2]) },
    { name: Buffer.from('user.test'), value: Buffer.from('v') },
  ],
  chunkList: [fill(0xcc)],
};

export const fixtures = { fileEntry, dirEntry, symlinkEntry, deviceEntry, xattrEntry };
