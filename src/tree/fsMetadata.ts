// The filesystem side of tree entries (Linux): an entry from lstat at backup, and at restore the
// special files node:fs cannot make (FIFOs, devices: spawned mkfifo / mknod) and the metadata applied
// after content (owner, xattrs, mode, times). Paths are Buffers throughout: names need not be UTF-8.

import { spawnSync } from 'node:child_process';
import { isUtf8 } from 'node:buffer';
import fs, { type BigIntStats } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { StorageError } from '../errors.js';
import { EntryType, type TreeEntry } from './entry.js';
import { joinPath, showPath, splitPath } from './fsPaths.js';
import { UserGroupNames } from './userGroup.js';
import { writeXattrs } from './xattrs.js';

export { UserGroupNames } from './userGroup.js';
export { readXattrs, writeXattrs, type XattrReadOptions } from './xattrs.js';

const { S_IFMT, S_IFREG, S_IFDIR, S_IFLNK, S_IFIFO, S_IFSOCK, S_IFCHR, S_IFBLK } = fs.constants;
/** The mode bits restore sets and verify compares: permissions plus setuid, setgid and sticky. */
export const MODE_BITS = 0o7777;
const TYPE_BY_FORMAT = new Map<number, EntryType>([
  [S_IFREG, EntryType.File],
  [S_IFDIR, EntryType.Dir],
  [S_IFLNK, EntryType.Symlink],
  [S_IFIFO, EntryType.Fifo],
  [S_IFSOCK, EntryType.Socket],
  [S_IFCHR, EntryType.CharDevice],
  [S_IFBLK, EntryType.BlockDevice],
]);

/**
 * An entry from `lstat(path, {bigint: true})`, without content, link target or xattrs (the caller adds
 * those). With `names`, user and group names are filled in where the ids have one.
 */
export function entryFromStat(name: Buffer, st: BigIntStats, names?: UserGroupNames): TreeEntry {
  const mode = Number(st.mode);
  const type = TYPE_BY_FORMAT.get(mode & S_IFMT);
  if (type === undefined) throw new StorageError(`unknown file type ${(mode & S_IFMT).toString(8)} for ${showPath(name)}`);
  const uid = Number(st.uid);
  const gid = Number(st.gid);
  const isDevice = type === EntryType.CharDevice || type === EntryType.BlockDevice;
  return {
    name,
    type,
    mode: mode & MODE_BITS,
    uid,
    gid,
    user: names?.userName(uid),
    group: names?.groupName(gid),
    size: type === EntryType.File ? st.size : 0n,
    mtimeNs: st.mtimeNs,
    ctimeNs: st.ctimeNs,
    dev: st.dev,
    inode: st.ino,
    nlink: st.nlink,
    rdev: isDevice ? st.rdev : undefined,
    linkTarget: undefined,
    xattrs: undefined,
    chunks: undefined,
    chunkList: undefined,
    subtree: undefined,
  };
}

/** Major and minor numbers of a Linux dev_t (glibc's gnu_dev_major/minor). */
export function devMajorMinor(dev: bigint): { major: bigint; minor: bigint } {
  return {
    major: ((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn),
    minor: (dev & 0xffn) | ((dev >> 12n) & ~0xffn),
  };
}

/**
 * Creates a FIFO or device node at `path` (which must not exist); returns a note instead for a socket,
 * which only the program listening on it can create. The mode is set later by applyMetadata.
 * A non-UTF-8 name cannot be an argument of the spawned tool: it then creates a temporary UTF-8 name in
 * the same directory (reached through an inherited directory fd) and hard-links it to the real name.
 */
export function createSpecial(path: Buffer, e: TreeEntry): string | undefined {
  if (e.type === EntryType.Socket) return `socket ${showPath(path)} not created: sockets are made by the programs that listen on them`;
  let cmd: string;
  let extra: string[] = [];
  if (e.type === EntryType.Fifo) cmd = 'mkfifo';
  else if (e.type === EntryType.CharDevice || e.type === EntryType.BlockDevice) {
    const { major, minor } = devMajorMinor(e.rdev ?? 0n);
    cmd = 'mknod';
    extra = [e.type === EntryType.CharDevice ? 'c' : 'b', String(major), String(minor)];
  } else throw new RangeError(`createSpecial cannot make a ${EntryType[e.type]}`);
  if (isUtf8(path)) {
    run(cmd, [path.toString('utf8'), ...extra], path);
    return undefined;
  }
  const { dir, name } = splitPath(path);
  const nameIsUtf8 = isUtf8(name);
  const temp = nameIsUtf8 ? name.toString('utf8') : `.snap-tmp-${randomBytes(8).toString('hex')}`;
  const dirFd = fs.openSync(dir, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
  try {
    run(cmd, [`/proc/self/fd/3/${temp}`, ...extra], path, dirFd); // the child sees our dirFd as its fd 3
  } finally {
    fs.closeSync(dirFd);
  }
  if (!nameIsUtf8) {
    const tempPath = joinPath(dir, temp);
    try {
      fs.linkSync(tempPath, path); // fails rather than replace an existing file
    } finally {
      fs.unlinkSync(tempPath);
    }
  }
  return undefined;
}

/** PATH for the helpers when the program sets none. */
const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
let helperPath = DEFAULT_PATH;

/** Where mkfifo and mknod are looked for (the CLI passes its PATH); empty or undefined: DEFAULT_PATH. */
export function setHelperPath(searchPath: string | undefined): void {
  helperPath = searchPath || DEFAULT_PATH;
}

/**
 * The helpers' whole environment: the search path and a fixed locale, nothing else. Whatever else the
 * process was given (SNAP_PASSWORD, SNAP_PASSWORD_FILE, SNAP_PASSWORD_COMMAND, SNAP_NEW_PASSWORD,
 * cloud credentials) is none of their business.
 */
function helperEnv(): NodeJS.ProcessEnv {
  return { PATH: helperPath, LC_ALL: 'C' };
}

function run(cmd: string, argv: string[], path: Buffer, dirFd?: number): void {
  const r = spawnSync(cmd, argv, { env: helperEnv(), stdio: ['ignore', 'ignore', 'pipe', ...(dirFd === undefined ? [] : [dirFd])] });
  if (r.error) throw new StorageError(`cannot run ${cmd} for ${showPath(path)}: ${r.error.message}`, path.toString(), { cause: r.error });
  if (r.status !== 0) {
    throw new StorageError(`${cmd} failed for ${showPath(path)}: ${r.stderr.toString().trim() || `exit ${r.status}`}`, path.toString());
  }
}

/**
 * The value to give fs.utimes/lutimes so that the file gets floor(ns / 1000) microseconds exactly.
 * Node passes a double of seconds to libuv, which truncates it toward zero to the microsecond. So we
 * aim at the middle of the wanted microsecond's interval (half a µs away from zero), leaving 500 ns
 * for rounding: a double of today's ~2^30.7 s rounds by at most 119 ns (half its ulp), and below
 * 2^33 s (year 2242) by at most 477 ns, so the result is exact for |t| < 2^33 s. Node replaces a
 * negative number by "now", but accepts a numeric string, so times before 1970 go as strings.
 */
export function utimeArg(ns: bigint): number | string {
  const us = floorDiv(ns, 1000n);
  const sec = floorDiv(us, 1_000_000n);
  const frac = Number(us - sec * 1_000_000n); // 0 … 999999
  if (us >= 0n) return Number(sec) + (frac + 0.5) / 1e6;
  return String(Number(sec) + (frac - 0.5) / 1e6);
}

const floorDiv = (a: bigint, b: bigint): bigint => {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
};

export interface ApplyOptions {
  /** Set owner and group (when running as root): local ids of the stored names, else the stored ids. */
  owner: boolean;
  names?: UserGroupNames;
}

let defaultNames: UserGroupNames | undefined;

/**
 * Applies an entry's metadata to the restored file at `path`, in the order that keeps each step:
 * lchown first (it clears setuid/setgid bits and security.capability), then xattrs (ACLs, capabilities),
 * then chmod (not on symlinks: Linux has no lchmod; after ACLs, so the stored mode is the final word),
 * then the times last (exact to the microsecond, see utimeArg). atime is set to
 * mtime (snap stores no atime). Returns notes for what could not be restored (owner without privilege,
 * some xattrs); other failures throw StorageError.
 */
export function applyMetadata(path: Buffer, e: TreeEntry, opts: ApplyOptions): string[] {
  const notes: string[] = [];
  const fail = (what: string, err: unknown): never => {
    throw new StorageError(`cannot ${what} ${showPath(path)}: ${(err as Error).message}`, path.toString(), { cause: err });
  };
  if (opts.owner) {
    const names = opts.names ?? (defaultNames ??= new UserGroupNames());
    const uid = (e.user !== undefined ? names.uidOf(e.user) : undefined) ?? e.uid;
    const gid = (e.group !== undefined ? names.gidOf(e.group) : undefined) ?? e.gid;
    try {
      fs.lchownSync(path, uid, gid);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EPERM') fail('change the owner of', err);
      notes.push(`owner of ${showPath(path)} not restored: ${(err as Error).message}`);
    }
  }
  if (e.xattrs?.length) {
    try {
      notes.push(...writeXattrs(path, e.type, e.xattrs));
    } catch (err) {
      fail('restore xattrs of', err);
    }
  }
  if (e.type !== EntryType.Symlink) {
    try {
      fs.chmodSync(path, e.mode & MODE_BITS);
    } catch (err) {
      fail('set the mode of', err);
    }
  }
  try {
    const mtime = utimeArg(e.mtimeNs);
    fs.lutimesSync(path, mtime, mtime);
  } catch (err) {
    fail('set the times of', err);
  }
  return notes;
}
