// The last step of each restored directory, once every regular file in it (and below it) is written:
// its symlinks and special files, then its own metadata. Creating links last means no file of the
// snapshot is ever written through one: on a case-folding target (Samba, macOS, ext4/ZFS casefold) a
// snapshot holding a symlink `A -> /etc/x` and a file `a` gets the file, and the link fails as a
// name that exists (git's CVE-2021-21300 is this class; restic also makes special files in a second
// pass). Files are never opened through a name that exists anyway (tempName.ts).

import fs from 'node:fs';
import { applyMetadata, createSpecial, EntryType, type ApplyOptions, type TreeEntry } from '../tree/index.js';

export interface Deferred {
  target: Buffer;
  rel: string;
  entry: TreeEntry;
}

/**
 * Creates the links and special files, then applies the directory's metadata (`dir`, absent for the
 * restore target itself). A name that exists by now is not replaced: it is reported through `failed`.
 */
export function finishDir(specials: Deferred[], dir: Deferred | undefined, meta: ApplyOptions, failed: (rel: string, reason: string) => void): void {
  for (const s of specials) {
    if (fs.lstatSync(s.target, { throwIfNoEntry: false })) {
      failed(s.rel, 'not created: a file of the same name was restored (a case-insensitive target?)');
      continue;
    }
    if (s.entry.type === EntryType.Symlink) fs.symlinkSync(s.entry.linkTarget ?? Buffer.alloc(0), s.target);
    else createSpecial(s.target, s.entry);
    applyMetadata(s.target, s.entry, meta);
  }
  if (dir) applyMetadata(dir.target, dir.entry, meta);
}
