// The plan of `repair snapshots`, pure: from each snapshot's damage (findDamage.ts), which snapshots
// must be rewritten and which paths each one loses. A file with a missing chunk is dropped; a directory
// whose tree will not load stays, empty (listed as "<path>/", its contents lost); everything else is
// kept as it is.

import { childPath } from '../check/paths.js';
import type { Snapshot } from '../../repository/snapshotRecord.js';
import type { SnapshotDamage, TreeDamage } from './findDamage.js';

export interface SnapshotRepair {
  snapshot: Snapshot;
  damage: TreeDamage;
  /** Every path dropped, in tree order; a directory whose contents are lost ends with "/". */
  dropped: string[];
  /**
   * A whole snapshot that already is this one's repair (its `original`): written by an earlier run
   * that was stopped before it removed the damaged record. It is reused, not written again (in an
   * encrypted repository a second record would get a new name: a duplicate snapshot).
   */
  repairedAs?: string;
}

export interface RepairPlan {
  repairs: SnapshotRepair[];
  /** Snapshots found whole. */
  intact: number;
}

export function planRepairSnapshots(found: SnapshotDamage[]): RepairPlan {
  const repairs: SnapshotRepair[] = [];
  const repairedAs = new Map<string, string>();
  for (const { snapshot, damage } of found) if (!damage && snapshot.original) repairedAs.set(snapshot.original, snapshot.id);
  for (const { snapshot, damage } of found) {
    if (!damage) continue;
    const dropped: string[] = [];
    listDropped(damage, '/', dropped);
    const done = repairedAs.get(snapshot.id);
    repairs.push({ snapshot, damage, dropped, ...(done ? { repairedAs: done } : {}) });
  }
  return { repairs, intact: found.length - repairs.length };
}

function listDropped(d: TreeDamage, dir: string, out: string[]): void {
  if (d.lost) {
    out.push(dir.endsWith('/') ? dir : `${dir}/`);
    return;
  }
  // Files and directories interleaved in name (byte) order, as a listing of the tree would show them.
  const items = [
    ...[...d.files.values()].map((f) => ({ name: f.name, dir: undefined as TreeDamage | undefined })),
    ...[...d.dirs.values()].map((s) => ({ name: s.name, dir: s.damage })),
  ].sort((a, b) => Buffer.compare(a.name, b.name));
  for (const it of items) {
    const p = childPath(dir, it.name);
    if (it.dir) listDropped(it.dir, p, out);
    else out.push(p);
  }
}
