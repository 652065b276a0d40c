// Extended attributes, read at backup and written at restore with @napi-rs/xattr. POSIX ACLs
// (system.posix_acl_access / _default) and file capabilities (security.capability) are xattrs, so
// they come along. Symlinks are skipped: Linux allows only trusted.* and security.* on them, and
// restoring those needs privileges a restore rarely has. A filesystem without xattr support, or one
// refusing a namespace, means "no xattrs", not a failed backup.

import { isUtf8 } from 'node:buffer';
import fs from 'node:fs';
import { constants as osConstants } from 'node:os';
import { createRequire } from 'node:module';
import { StorageError } from '../errors.js';
import { EntryType, type Xattr } from './entry.js';
import { showPath, withStringPath, withWritableStringPath } from './fsPaths.js';

type XattrModule = typeof import('@napi-rs/xattr');
const require = createRequire(import.meta.url);
let native: XattrModule | undefined;
/**
 * Loaded on first use: loading the native module costs ~10 ms, paid by every run otherwise, and a
 * backup that changes nothing (the directory cache answers) reads no xattrs.
 */
function xattr(): XattrModule {
  native ??= require('@napi-rs/xattr') as XattrModule;
  return native;
}

const { EPERM, EACCES, ENOTSUP, EOPNOTSUPP, ENODATA } = osConstants.errno;
/** Errors meaning "this file or filesystem has no xattrs for us": ENOTSUP is EOPNOTSUPP on Linux. */
const NO_XATTRS = new Set([ENOTSUP, EOPNOTSUPP, EPERM, ENODATA]);

/** The errno of an @napi-rs/xattr error: it reports "... (os error N)" with code "GenericFailure". */
export function xattrErrno(err: unknown): number | undefined {
  const m = /\(os error (\d+)\)/.exec(err instanceof Error ? err.message : String(err));
  return m ? Number(m[1]) : undefined;
}

export interface XattrReadOptions {
  /** The file's type if known (saves an lstat). */
  type?: EntryType;
  /** Told about xattrs that exist or may exist but could not be read. */
  onNote?: (message: string) => void;
}

/** The xattrs of a file, sorted by name bytes; undefined when it has none (or is a symlink). */
export function readXattrs(path: Buffer, opts: XattrReadOptions = {}): Xattr[] | undefined {
  let result: { value: Xattr[] } | undefined;
  try {
    let type = opts.type;
    if (type === undefined) {
      const st = fs.lstatSync(path);
      type = st.isSymbolicLink() ? EntryType.Symlink : st.isDirectory() ? EntryType.Dir : EntryType.File;
    }
    if (type === EntryType.Symlink) return undefined;
    result = withStringPath(path, type === EntryType.Dir, (p) => readAll(p, path, opts.onNote));
  } catch (err) {
    throw new StorageError(`cannot read xattrs of ${showPath(path)}: ${(err as Error).message}`, path.toString(), { cause: err });
  }
  if (!result) {
    opts.onNote?.(`xattrs of ${showPath(path)} not read: its name is not UTF-8 (a limit of the xattr binding)`);
    return undefined;
  }
  return result.value.length > 0 ? result.value : undefined;
}

function readAll(p: string, path: Buffer, onNote?: (m: string) => void): Xattr[] {
  let names: string[];
  try {
    names = xattr().listAttributesSync(p);
  } catch (err) {
    if (NO_XATTRS.has(xattrErrno(err) ?? -1)) return [];
    throw err;
  }
  const out: Xattr[] = [];
  for (const name of names) {
    let value: Buffer | null;
    try {
      value = xattr().getAttributeSync(p, name);
    } catch (err) {
      const errno = xattrErrno(err);
      if (errno === EACCES || errno === EPERM) {
        onNote?.(`xattr ${name} of ${showPath(path)} not readable: ${(err as Error).message}`);
        continue;
      }
      if (errno === ENODATA) continue; // removed since the listing
      throw err;
    }
    if (value !== null) out.push({ name: Buffer.from(name, 'utf8'), value });
  }
  return out.sort((a, b) => Buffer.compare(a.name, b.name));
}

/** Sets the given xattrs (existing others are left alone). Returns a note per attribute not set. */
export function writeXattrs(path: Buffer, type: EntryType, xattrs: Xattr[]): string[] {
  const notes: string[] = [];
  if (xattrs.length === 0) return notes;
  if (type === EntryType.Symlink) {
    notes.push(`xattrs of symlink ${showPath(path)} not restored`);
    return notes;
  }
  withWritableStringPath(path, type === EntryType.Dir, (p) => {
    for (const { name, value } of xattrs) {
      if (!isUtf8(name)) {
        notes.push(`xattr ${showPath(name)} of ${showPath(path)} not restored: its name is not UTF-8`);
        continue;
      }
      try {
        xattr().setAttributeSync(p, name.toString('utf8'), value);
      } catch (err) {
        // EPERM for trusted.*/security.* without privileges or user.* on a device, ENOTSUP on a
        // filesystem without xattrs: the file is restored, the attribute is reported.
        notes.push(`xattr ${name.toString('utf8')} of ${showPath(path)} not restored: ${(err as Error).message}`);
      }
    }
  });
  return notes;
}
