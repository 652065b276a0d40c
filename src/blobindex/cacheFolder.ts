// Permissions of the local cache (no lmdb import here: commands that never open the index load this).
// The cache holds the size, pack and offset of every blob, which an encrypted repository hides:
// only its owner may read it, whatever the umask.

import { chmodSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const CACHE_DIR_MODE = 0o700;
export const CACHE_FILE_MODE = 0o600;

/** A private cache folder: made 0700 (whatever the umask), and tightened if it already existed. */
export function privateDir(dir: string): string {
  mkdirSync(dir, { recursive: true, mode: CACHE_DIR_MODE });
  chmodSync(dir, CACHE_DIR_MODE);
  return dir;
}


/** The cache directory for a user: `<xdgCacheHome>/snap`, else `~/.cache/snap` (the CLI passes $XDG_CACHE_HOME). */
export function defaultCacheDir(xdgCacheHome?: string): string {
  return path.join(xdgCacheHome || path.join(os.homedir(), '.cache'), 'snap');
}
