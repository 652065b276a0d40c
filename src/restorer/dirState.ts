// What a new file takes from its directory before any metadata is set: its group (a setgid directory
// gives its own) and its permission bits (a default ACL, instead of the umask, decides them). Knowing
// both lets the batched writers skip fchown and fchmod when creating the file already gave the wanted
// owner and mode — two syscalls of six per small file.

import { readXattrs } from '../tree/index.js';
import { EntryType } from '../tree/index.js';

/** The setgid bit of a mode (node:fs has no constant for it). */
const S_ISGID = 0o2000;
const DEFAULT_ACL = 'system.posix_acl_default';
const SPECIAL_BITS = 0o7000;
/** rwx for owner, group and others: what a umask or a default ACL removes (not MODE_BITS). */
const PERMISSION_BITS = 0o777;

export interface DirState {
  setgid: boolean;
  defaultAcl: boolean;
}

/** An existing directory's state (the restore target, or a directory already there). */
export function dirStateOf(path: Buffer, mode: number | bigint): DirState {
  let defaultAcl: boolean;
  try {
    defaultAcl = readXattrs(path, { type: EntryType.Dir })?.some((x) => x.name.toString() === DEFAULT_ACL) ?? false;
  } catch {
    defaultAcl = true; // unknown: never skip the chmod
  }
  return { setgid: (Number(mode) & S_ISGID) !== 0, defaultAcl };
}

// A directory made by the restore inside `parent` inherits both (Linux: mkdir copies the setgid bit
// and takes the default ACL); its own mode and ACLs are applied after its files, so they do not count.

/** A file created by this process gets its euid, and its egid unless the directory is setgid. */
export function needsChown(uid: number, gid: number, dir: DirState, euid: number, egid: number): boolean {
  return dir.setgid || uid !== euid || gid !== egid;
}

/** open(…, mode & 0o777) gives exactly `mode` unless the umask removes bits, special bits are wanted, or a default ACL decides. */
export function needsChmod(mode: number, umask: number, dir: DirState): boolean {
  return dir.defaultAcl || (mode & SPECIAL_BITS) !== 0 || (mode & umask & PERMISSION_BITS) !== 0;
}
