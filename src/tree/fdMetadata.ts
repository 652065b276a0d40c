// applyMetadata's sibling for a regular file the caller has open (restore's small-file writers): the
// same steps in the same order — owner, xattrs, mode, times — but on the descriptor, so the kernel
// does not resolve the path again for each step, and steps that would change nothing are skipped.

import fs from 'node:fs';
import { StorageError } from '../errors.js';
import { EntryType, type Xattr } from './entry.js';
import { MODE_BITS, utimeArg } from './fsMetadata.js';
import { showPath } from './fsPaths.js';
import { writeXattrs } from './xattrs.js';

export interface FileMetadata {
  /** Owner and group to set; only when `chown` (the caller knows creating the file gave others). */
  uid: number;
  gid: number;
  chown: boolean;
  mode: number;
  /** False when the file was just created with exactly `mode` (no umask bits removed, no special bits). */
  chmod: boolean;
  mtimeNs: bigint;
  xattrs?: Xattr[];
}

/**
 * Owner first (fchown clears setuid/setgid and security.capability), then xattrs (by path: the
 * binding has no fd calls), then the mode (after ACLs, so the stored mode is the final word), then the
 * times (atime = mtime, exact to the µs). Returns notes for what could not be restored (owner without
 * privilege, some xattrs); other failures throw StorageError.
 */
export function applyFileMetadataFd(fd: number, path: Buffer, m: FileMetadata): string[] {
  const notes: string[] = [];
  const fail = (what: string, err: unknown): never => {
    throw new StorageError(`cannot ${what} ${showPath(path)}: ${(err as Error).message}`, path.toString(), { cause: err });
  };
  let chmod = m.chmod;
  if (m.chown) {
    try {
      fs.fchownSync(fd, m.uid, m.gid);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EPERM') fail('change the owner of', err);
      notes.push(`owner of ${showPath(path)} not restored: ${(err as Error).message}`);
    }
    chmod = true;
  }
  if (m.xattrs?.length) {
    try {
      notes.push(...writeXattrs(path, EntryType.File, m.xattrs));
    } catch (err) {
      fail('restore xattrs of', err);
    }
    chmod = true;
  }
  if (chmod) {
    try {
      fs.fchmodSync(fd, m.mode & MODE_BITS);
    } catch (err) {
      fail('set the mode of', err);
    }
  }
  try {
    const t = utimeArg(m.mtimeNs);
    fs.futimesSync(fd, t, t);
  } catch (err) {
    fail('set the times of', err);
  }
  return notes;
}
