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

// The common fields of every fixture: mode/uid/gid vary, so they are spelled out per entry.
const TIMES_AND_IDS =
  '090815cd853dfe9c9717' + // mtime_ns 1700000000123456789 (i64 LE)
  '0a08ffffffffffffffff' + // ctime_ns -1
  '0b080108000000000000' + // dev 0x801
  '0c082a00000000000000'; // inode 42
const ID = (byte: string): string => byte.repeat(32);

export const GOLDEN: Array<[string, TreeEntry, string]> = [
  ['file with chunks', fileEntry,
    '0105612e747874' + '020101' + '0304a4010000' + '0404e8030000' + '050464000000' +
    '0605616c696365' + '07057573657273' + '08087011010000000000' + TIMES_AND_IDS + '0d080100000000000000' +
    '1140' + ID('aa') + ID('bb')],
  ['dir with subtree', dirEntry,
    '0103646972' + '020102' + '0304ff030000' + '0404e8030000' + '050464000000' + '08080000000000000000' +
    TIMES_AND_IDS + '0d080200000000000000' + '1320' + ID('11')],
  ['symlink with non-UTF-8 name and target', symlinkEntry,
    '01036cfffe' + '020103' + '0304ff010000' + '0404e8030000' + '050464000000' + '08080000000000000000' +
    TIMES_AND_IDS + '0d080100000000000000' + '0f052e2e2fc328'],
  ['block device', deviceEntry,
    '0103736461' + '020107' + '0304b0010000' + '040400000000' + '050406000000' + '08080000000000000000' +
    TIMES_AND_IDS + '0d080100000000000000' + '0e080008000000000000'],
  ['setuid file with xattrs and a chunk list', xattrEntry,
    '010178' + '020101' + '0304ed090000' + '0404e8030000' + '050464000000' + '08080000000000000000' +
    TIMES_AND_IDS + '0d080100000000000000' +
    '1026' + '02' + '13' + Buffer.from('security.capability').toString('hex') + '0401000002' +
    '09' + Buffer.from('user.test').toString('hex') + '0176' +
    '1220' + ID('cc')],
];

export const fixtures = { fileEntry, dirEntry, symlinkEntry, deviceEntry, xattrEntry };
