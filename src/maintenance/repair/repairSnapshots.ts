// maintenance/repair owns `snap repair`: rebuilding index files from packs (repairIndex.ts) and
// rewriting snapshots without what is lost (this file: find the damage, plan, execute).
//
// `snap repair snapshots` as one operation: read every snapshot record that loads, find the damage
// below each one against the index FILES (findDamage.ts), plan the rewrite and carry it out (or, dry
// run, only say it). Runs under the exclusive lock (`checkLock` is called before any write).

import { ScratchDb } from '../../scratch/scratchDb.js';
import type { Repository } from '../../repository/repository.js';
import { executeRepairSnapshots, type RepairSnapshotsResult } from './executeRepairSnapshots.js';
import { DamageFinder, indexedBlobsFromFiles, loadReadableSnapshots } from './findDamage.js';
import { planRepairSnapshots, type RepairPlan } from './planRepairSnapshots.js';

export interface RepairSnapshotsOptions {
  dryRun?: boolean;
  /** Remove the damaged records once their repairs are written, and the unreadable ones. */
  forget?: boolean;
  signal?: AbortSignal;
  /** Throws when the repository lock was lost. */
  checkLock?: () => Promise<void>;
  /** Each snapshot record that cannot be read, before the walk starts (the CLI warns). */
  onUnreadable?: (u: { id: string; message: string }) => void;
}

export interface RepairSnapshotsReport extends RepairSnapshotsResult {
  unreadable: Array<{ id: string; message: string }>;
  /** Snapshot records read and walked. */
  readable: number;
  plan: RepairPlan;
}

export async function repairSnapshots(repo: Repository, opts: RepairSnapshotsOptions = {}): Promise<RepairSnapshotsReport> {
  const { snapshots, unreadable } = await loadReadableSnapshots(repo);
  for (const u of unreadable) opts.onUnreadable?.(u);
  const scratch = ScratchDb.open(repo.cacheDir, 'repair');
  try {
    // The index files, not the cache, say what is missing and where the trees to rebuild are.
    const indexed = await indexedBlobsFromFiles(repo, scratch, opts.signal);
    const plan = planRepairSnapshots(await new DamageFinder(indexed, scratch, opts.signal).snapshots(snapshots));
    const r = await executeRepairSnapshots(repo, plan, {
      dryRun: opts.dryRun, forget: opts.forget, unreadable: unreadable.map((u) => u.id), loadTree: indexed.load, checkLock: opts.checkLock,
    });
    return { ...r, unreadable, readable: snapshots.length, plan };
  } finally {
    await scratch.close();
  }
}
