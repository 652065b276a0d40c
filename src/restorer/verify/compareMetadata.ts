// verify: the metadata of one file on disk against its snapshot entry, as restore would have set it:
// permission bits (not for symlinks: Linux has none), mtime to the microsecond (what restore can set),
// and, when running as root (only root can restore owners), uid and gid (mapped by name like restore).

import type { BigIntStats } from 'node:fs';
import { EntryType, MODE_BITS, UserGroupNames, type TreeEntry } from '../../tree/index.js';
import type { VerifyDifference } from './types.js';

const MODE_BITS_N = BigInt(MODE_BITS);

let names: UserGroupNames | undefined;

export function compareMetadata(e: TreeEntry, st: BigIntStats, path: string, owner: boolean): VerifyDifference[] {
  const out: VerifyDifference[] = [];
  if (e.type !== EntryType.Symlink) {
    const disk = Number(st.mode & MODE_BITS_N);
    if (disk !== e.mode) out.push({ path, kind: 'mode', detail: `snapshot ${octal(e.mode)}, disk ${octal(disk)}` });
  }
  const wantUs = floorDiv(e.mtimeNs, 1000n);
  const diskUs = floorDiv(st.mtimeNs, 1000n);
  if (wantUs !== diskUs) out.push({ path, kind: 'mtime', detail: `snapshot ${isoMicros(wantUs)}, disk ${isoMicros(diskUs)}` });
  if (owner) {
    names ??= new UserGroupNames();
    const uid = (e.user !== undefined ? names.uidOf(e.user) : undefined) ?? e.uid;
    const gid = (e.group !== undefined ? names.gidOf(e.group) : undefined) ?? e.gid;
    if (BigInt(uid) !== st.uid || BigInt(gid) !== st.gid) {
      out.push({ path, kind: 'owner', detail: `snapshot ${uid}:${gid}, disk ${st.uid}:${st.gid}` });
    }
  }
  return out;
}

const octal = (m: number): string => m.toString(8).padStart(4, '0');

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

/** 2026-11-25T02:00:00.123456Z */
export function isoMicros(us: bigint): string {
  const ms = floorDiv(us, 1000n);
  const frac = String(us - ms * 1000n).padStart(3, '0');
  return new Date(Number(ms)).toISOString().replace('Z', `${frac}Z`);
}
