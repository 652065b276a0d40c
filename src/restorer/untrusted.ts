// Restore options for snapshots the user does not trust (made on another machine, or by whoever could
// write to the repository): what a root restore would otherwise plant as the snapshot says.
// --no-owner keeps the restoring user as owner; --no-xattrs restores no extended attributes (ACLs and
// capabilities included); --no-setuid clears setuid/setgid on everything but directories (where setgid
// only passes the group on) and drops security.capability; --no-special-files skips FIFOs and devices.

import { EntryType, type TreeEntry } from '../tree/index.js';

export interface UntrustedOptions {
  noOwner?: boolean;
  noXattrs?: boolean;
  noSetuid?: boolean;
  noSpecialFiles?: boolean;
}

const SETID_BITS = 0o6000;
const CAPABILITY_XATTR = 'security.capability';

/** FIFOs and device nodes: what --no-special-files leaves out (sockets are never created anyway). */
export const isSpecialFile = (e: TreeEntry): boolean =>
  e.type === EntryType.Fifo || e.type === EntryType.CharDevice || e.type === EntryType.BlockDevice;

/** The entry as restore should apply it; the same object when the options change nothing. */
export function sanitizeEntry(e: TreeEntry, o: UntrustedOptions): TreeEntry {
  let out = e;
  if (o.noXattrs && e.xattrs?.length) out = { ...out, xattrs: undefined };
  if (o.noSetuid && e.type !== EntryType.Dir) {
    if (e.mode & SETID_BITS) out = { ...out, mode: e.mode & ~SETID_BITS };
    if (out.xattrs?.some((x) => x.name.toString() === CAPABILITY_XATTR)) {
      out = { ...out, xattrs: out.xattrs.filter((x) => x.name.toString() !== CAPABILITY_XATTR) };
    }
  }
  return out;
}
