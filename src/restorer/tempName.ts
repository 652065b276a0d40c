// Restore writes every regular file under a temporary name in its own directory and renames it into
// place once its content and metadata are complete: an interrupted or failed restore never leaves a
// partial file under a real name (which a later `--overwrite if-newer` would keep: its mtime is "now").
// The temporary name is fixed-length (any real name may already be 255 bytes) and unique per thread;
// it is opened O_CREAT|O_EXCL|O_NOFOLLOW, so nothing that appears at it is ever written through.

import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { threadId } from 'node:worker_threads';

/** Prefix of the temporary names, documented (docs/operations.md): what a SIGKILLed restore leaves. */
export const TEMP_PREFIX = '.snap-restore-';
/** Create only, never follow a link, never reuse what is there. */
export const CREATE_FLAGS = fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW;

/** Every thread of this process shares this start (the pid), so the restore can tell its own files in
 * flight from what an earlier, killed restore left (which `--delete` removes). */
export const PROCESS_TEMP_PREFIX = `${TEMP_PREFIX}${process.pid.toString(36)}-`;
const tag = `${PROCESS_TEMP_PREFIX}${randomBytes(4).toString('hex')}${threadId.toString(36)}-`;
let counter = 0;
const SLASH = 0x2f;

/** A fresh temporary path beside `target` (a path with at least one '/'). */
export function tempPathFor(target: Buffer): Buffer {
  const cut = target.lastIndexOf(SLASH);
  return Buffer.concat([target.subarray(0, cut + 1), Buffer.from(`${tag}${(counter++).toString(36)}`)]);
}

/** Best effort: the temporary file of a write that failed. */
export function removeTemp(tmp: Buffer): void {
  try {
    fs.unlinkSync(tmp);
  } catch {
    // already gone, or the directory is: nothing is left under a real name either way
  }
}

/** Best effort: this process's temporary files in the directories of `targets` (workers stopped mid-batch). */
export function removeTempsIn(targets: Buffer[]): void {
  const dirs = new Set(targets.map((t) => t.subarray(0, t.lastIndexOf(SLASH) + 1).toString('latin1')));
  for (const dir of dirs) {
    const d = Buffer.from(dir, 'latin1');
    let names: Buffer[];
    try {
      names = fs.readdirSync(d, { encoding: 'buffer' });
    } catch {
      continue;
    }
    for (const n of names) if (n.toString('latin1').startsWith(PROCESS_TEMP_PREFIX)) removeTemp(Buffer.concat([d, n]));
  }
}
