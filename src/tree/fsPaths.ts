// Paths are Buffers (names need not be UTF-8), but @napi-rs/xattr and child-process arguments take JS
// strings, which reach the kernel as UTF-8. These helpers find a string that names the same file:
//   - the path itself, when it is valid UTF-8;
//   - "/proc/self/fd/<dirfd>/<name>" when only a directory part is not UTF-8 (the kernel follows the
//     fd link because it is not the last component);
//   - "/proc/self/fd/<fd>/." for a directory whose own name is not UTF-8.
// What is left, a non-directory whose own name is not UTF-8, has no such string: the library uses the
// l*xattr calls, which do not follow "/proc/self/fd/<fd>" itself. For writing (restore), we hard-link
// the file under a temporary UTF-8 name beside it and work on that; for reading (backup) we must not
// touch the source, so its xattrs cannot be read (see docs/tree.md, limitations).

import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { isUtf8 } from 'node:buffer';

const O_DIR = fs.constants.O_RDONLY | fs.constants.O_DIRECTORY;
const SLASH = 0x2f;
const SLASH_BYTES = Buffer.from([SLASH]);

/** The directory part and the last component of a path (the directory is "." for a bare name). */
export function splitPath(path: Buffer): { dir: Buffer; name: Buffer } {
  const i = path.lastIndexOf(SLASH);
  if (i < 0) return { dir: Buffer.from('.'), name: path };
  return { dir: i === 0 ? Buffer.from('/') : path.subarray(0, i), name: path.subarray(i + 1) };
}

export const joinPath = (dir: Buffer, name: Buffer | string): Buffer => Buffer.concat([dir, SLASH_BYTES, typeof name === 'string' ? Buffer.from(name) : name]);

/** A printable form of a path for messages (invalid UTF-8 shown as U+FFFD). */
export const showPath = (path: Buffer): string => JSON.stringify(path.toString('utf8'));

function withFd<T>(path: Buffer, flags: number, fn: (fd: number) => T): T {
  const fd = fs.openSync(path, flags);
  try {
    return fn(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Runs `fn` with a string naming `path` (last component not followed), or returns `undefined` when there
 * is none (a non-directory whose last component is not UTF-8).
 */
export function withStringPath<T>(path: Buffer, isDir: boolean, fn: (p: string) => T): { value: T } | undefined {
  if (isUtf8(path)) return { value: fn(path.toString('utf8')) };
  const { dir, name } = splitPath(path);
  if (isUtf8(name)) return { value: withFd(dir, O_DIR, (fd) => fn(`/proc/self/fd/${fd}/${name.toString('utf8')}`)) };
  if (isDir) return { value: withFd(path, O_DIR | fs.constants.O_NOFOLLOW, (fd) => fn(`/proc/self/fd/${fd}/.`)) };
  return undefined;
}

/**
 * Like withStringPath, but for a file we may alter (restore): a non-directory with a non-UTF-8 name is
 * reached through a temporary hard link with a UTF-8 name in the same directory, removed afterwards.
 */
export function withWritableStringPath<T>(path: Buffer, isDir: boolean, fn: (p: string) => T): T {
  const direct = withStringPath(path, isDir, fn);
  if (direct) return direct.value;
  const temp = joinPath(splitPath(path).dir, `.snap-tmp-${randomBytes(8).toString('hex')}`);
  fs.linkSync(path, temp); // fails rather than replace anything already there
  try {
    return withStringPath(temp, false, fn)!.value;
  } finally {
    fs.unlinkSync(temp);
  }
}
