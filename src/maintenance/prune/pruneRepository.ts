// `prune` from start to end: apply the retention policy if one was given (the same code as
// `forget`), find the blobs the remaining snapshots use, scan the index files, plan (pure), and
// carry the plan out unless this is a dry run. The caller holds the exclusive lock.

import { IntegrityError, InterruptedError } from '../../errors.js';
import type { Repository } from '../../repository/repository.js';
import { executeForget } from '../forget/executeForget.js';
import { planForget, type ForgetPlan, type ForgetRequest } from '../forget/planForget.js';
import { executePrune, type PruneOutcome, type PrunePhase } from './executePrune.js';
import { planPrune, type PrunePlan, type PrunePolicy } from './planPrune.js';
import { holdRetainedPacks } from './retained.js';
import { packFileSize, scanIndex } from './scanIndex.js';
import { collectUsedBlobs } from './usedBlobs.js';

export interface PruneRequest {
  /** The --keep-* policy and snapshot filter; undefined or an empty policy: remove no snapshot. */
  forget?: ForgetRequest;
  policy: PrunePolicy;
  dryRun: boolean;
  checkLock?: () => Promise<void>;
  onProgress?: (p: PruneProgress) => void;
  signal?: AbortSignal;
}

export interface PruneProgress {
  phase: 'walk' | 'scan' | PrunePhase;
  done: number;
  total?: number;
  bytes?: number;
}

export interface PruneReport {
  forget: ForgetPlan | undefined;
  snapshotsRemoved: number;
  plan: PrunePlan;
  /** Undefined in a dry run. */
  outcome: PruneOutcome | undefined;
  /** Pack bytes freed (net of the new packs); estimated in a dry run. */
  bytesFreed: number;
  /** Pack bytes in the repository afterwards; estimated in a dry run. */
  bytesAfter: number;
  /** Files staged by killed writers and removed (not counted in a dry run). */
  leftovers: { files: number; bytes: number };
  dryRun: boolean;
}

export async function pruneRepository(repo: Repository, req: PruneRequest): Promise<PruneReport> {
  const progress = req.onProgress ?? (() => undefined);
  // Before each destructive step: stop cleanly on SIGINT/SIGTERM, and stop if the lock was taken away.
  const checkLock = async (): Promise<void> => {
    if (req.signal?.aborted) throw new InterruptedError();
    await req.checkLock?.();
  };
  await refuseWithUnreadableSnapshots(repo);
  const forget = req.forget ? await planForget(repo, { ...req.forget, allowEmpty: true }) : undefined;
  const remaining = forget ? forget.remaining : await repo.listSnapshots();
  let snapshotsRemoved = forget?.remove.length ?? 0;
  if (forget && !req.dryRun) snapshotsRemoved = await executeForget(repo, forget.remove.map((r) => r.id), { checkLock });

  const used = await collectUsedBlobs(repo, remaining, {
    signal: req.signal,
    onProgress: (p) => progress({ phase: 'walk', done: p.trees }),
  });
  const scan = await scanIndex(repo, used, { onIndexFile: (done, total) => progress({ phase: 'scan', done, total }) });
  if (scan.missing > 0) {
    throw new IntegrityError(
      `${scan.missing} blob(s) that snapshots use are in no pack of the repository (e.g. ${scan.missingSample.join(', ')}); ` +
        `nothing was deleted: run 'snap check' and 'snap repair index' first`,
      { blob: scan.missingSample[0] },
    );
  }
  const plan = await holdRetainedPacks(planPrune(scan.packs, req.policy), repo.backend);
  const keptBytes = plan.packs.filter((d) => d.action === 'keep').reduce((n, d) => n + d.size, 0);

  if (req.dryRun) {
    const repackedBlobs = plan.packs.filter((d) => d.action === 'repack').reduce((n, d) => n + d.usedBlobs, 0);
    const estimate = repackedBlobs > 0 ? packFileSize(repo, repackedBlobs, plan.repackUsedBytes) : 0;
    return {
      forget, snapshotsRemoved, plan, outcome: undefined, dryRun: true, leftovers: { files: 0, bytes: 0 },
      bytesFreed: plan.deleteBytes + plan.repackBytes - estimate,
      bytesAfter: keptBytes + estimate,
    };
  }

  const outcome = await executePrune(repo, scan, plan, used, {
    checkLock,
    signal: req.signal,
    onPhase: (phase) => progress({ phase, done: 0 }),
    onRepack: (p) => progress({ phase: 'repack', done: p.packsDone, total: p.packsTotal, bytes: p.bytesRead }),
    onDelete: (done, total) => progress({ phase: 'delete-packs', done, total }),
  });
  // Staged packs of a create killed mid-pack are no objects (never listed, never indexed): nothing
  // else would ever remove them. With the exclusive lock held, no writer is staging anything now.
  await checkLock();
  const leftovers = (await repo.backend.removeLeftovers?.()) ?? { files: 0, bytes: 0 };
  if (!plan.nothingToDo || leftovers.files > 0) {
    await repo.log({
      operation: 'prune',
      snapshot_ids: forget?.remove.map((r) => r.id) ?? [],
      bytes_added: 0,
      bytes_freed: outcome.bytesFreed + leftovers.bytes,
    });
  }
  return {
    forget, snapshotsRemoved, plan, outcome, dryRun: false, leftovers,
    bytesFreed: outcome.bytesFreed + leftovers.bytes, bytesAfter: keptBytes + outcome.bytesWritten,
  };
}

/**
 * Prune deletes data that no snapshot references; a record it cannot read may reference anything,
 * so while one exists prune deletes nothing (issue 12). The way out is to remove the record first.
 */
async function refuseWithUnreadableSnapshots(repo: Repository): Promise<void> {
  const { unreadable } = await repo.listSnapshotsChecked();
  if (unreadable.length === 0) return;
  const first = unreadable[0]!;
  throw new IntegrityError(
    `prune deletes nothing while a snapshot record cannot be read (${unreadable.length}: ${first.message}); ` +
      `remove it with 'snap forget ${first.id}' or 'snap repair snapshots --forget', then prune again`,
    { object: `snapshots/${first.id}` },
  );
}
