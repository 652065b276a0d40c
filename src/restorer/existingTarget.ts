// Restoring into a target that already holds files: which ones `--overwrite` replaces, and what
// `--delete` removes.

import { promises as fs, type BigIntStats } from 'node:fs';
import { EntryType, type TreeEntry } from '../tree/index.js';
import { PROCESS_TEMP_PREFIX } from './tempName.js';

/** Whether `--overwrite <mode>` replaces what exists at an entry's name. */
export function shouldOverwrite(mode: string, e: TreeEntry, existing: BigIntStats): boolean {
  switch (mode) {
    case 'never':
      return false;
    case 'if-newer':
      return e.mtimeNs > existing.mtimeNs;
    case 'if-changed':
      // Same type, size and mtime (to the µs that restore can set) counts as unchanged.
      return !(existing.isFile() && e.type === EntryType.File && existing.size === e.size && existing.mtimeNs / 1000n === e.mtimeNs / 1000n);
    default:
      return true;
  }
}

/**
 * `--delete`: removes what `dir` holds beyond the snapshot's names (`keep`, latin1 keys), but not the
 * temporary files this restore is still writing there (tempName.ts); those of an earlier, killed
 * restore go.
 */
export async function deleteExtra(dir: Buffer, keep: Set<string>): Promise<void> {
  for (const name of await fs.readdir(dir, { encoding: 'buffer' })) {
    if (name.toString('latin1').startsWith(PROCESS_TEMP_PREFIX)) continue;
    if (!keep.has(name.toString('latin1'))) await fs.rm(Buffer.concat([dir, Buffer.from('/'), name]) as unknown as string, { recursive: true, force: true });
  }
}
