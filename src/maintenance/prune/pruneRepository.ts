// maintenance/prune owns `snap prune`: the used-blob walk (usedBlobs.ts, over the compact id set of
// idSet.ts), the index scan, the pure plan, repacking, two-phase deletion (condemned packs).
//
// `prune` from start to end: apply the retention policy if one was given (the same code as
// `forget`), find the blobs the remaining snapshots use, scan the index files, plan (pure), and
// carry the plan out unless this is a dry run. Two modes (deferDeletes.ts): the default two-phase
// prune runs beside backups under a shared lock, condemning packs and deleting only those whose
// grace period is over; `instant` deletes at once and needs the exclusive lock (the caller holds it).

import { IntegrityError, InterruptedError } from '../../errors.js';
import type { Repository } from '../../repository/repository.js';
import { executeForget } from '../forget/executeForget.js';
import { planForget, type ForgetPlan, type ForgetRequest } from '../forget/planForget.js';
import { executePrune, type PruneOutcome, type PrunePhase } from './executePrune.js';
import { planPrune, type PrunePlan, type PrunePolicy } from './planPrune.js';
import { holdRetainedPacks } from './retained.js';
import { packFileSize, scanIndex } from './scanIndex.js';
import { collectUsedBlobs } from './usedBlobs.js';
import { loadMarks, storageNow } from './condemned.js';
import { DEFAULT_GRACE_MS, deferDeletes } from './deferDeletes.js';

export interface PruneRequest {
  /** The --keep-* policy and snapshot filter; undefined or an empty policy: remove no snapshot. */
  forget?: ForgetRequest;
  policy: PrunePolicy;
  dryRun: boolean;
  /** Delete at once (exclusive lock held, no backup running): today's single-user prune. */
  instant?: boolean;
  /** How long a condemned pack waits before a prune may delete it (two-phase mode). */
  graceMs?: number;
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
  instant: boolean;
  /** Condemned packs still waiting for their grace period (two-phase mode). */
  condemnedWaiting: number;
  /** Packs this prune condemned (planned, in a dry run). */
  condemnedNow: number;
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
  let snapshotsRemoved = forget?.remove.length ?? 0;
  if (forget && !req.dryRun) snapshotsRemoved = await executeForget(repo, forget.remove.map((r) => r.id), { checkLock });
  const instant = req.instant ?? false;
  const graceMs = req.graceMs ?? DEFAULT_GRACE_MS;
  // The storage's time, taken before the snapshots are listed: a pack whose grace period is over by
  // this time is deleted only if no snapshot listed after it uses the pack, and every backup that
  // could use it committed before the grace period ended (archiver/commitPoint.ts).
  const now = instant || req.dryRun ? Date.now() : await storageNow(repo.backend);
  const remaining = forget && req.dryRun ? forget.remaining : await repo.listSnapshots();
  const marks = await loadMarks(repo);

  const used = await collectUsedBlobs(repo, remaining, {
    signal: req.signal,
    onProgress: (p) => progress({ phase: 'walk', done: p.trees }),
  });
  const scan = await scanIndex(repo, used, {
    condemned: new Set(marks.byPack.keys()),
    onIndexFile: (done, total) => progress({ phase: 'scan', done, total }),
  });
  if (scan.missing > 0) {
    throw new IntegrityError(
      `${scan.missing} blob(s) that snapshots use are in no pack of the repository (e.g. ${scan.missingSample.join(', ')}); ` +
        `nothing was deleted: run 'snap check' and 'snap repair index' first`,
      { blob: scan.missingSample[0] },
    );
  }
  const deferred = deferDeletes(await holdRetainedPacks(planPrune(scan.packs, req.policy), repo.backend), marks.byPack, { instant, now });
  const plan = deferred.plan;
  const modeFields = { instant, condemnedWaiting: deferred.waiting, condemnedNow: deferred.newMarks.length };
  const keptBytes = plan.packs.filter((d) => d.action === 'keep' || d.action === 'condemn' || (!instant && d.action === 'repack')).reduce((n, d) => n + d.size, 0);

  if (req.dryRun) {
    const repackedBlobs = plan.packs.filter((d) => d.action === 'repack').reduce((n, d) => n + d.usedBlobs, 0);
    const estimate = repackedBlobs > 0 ? packFileSize(repo, repackedBlobs, plan.repackUsedBytes) : 0;
    return {
      forget, snapshotsRemoved, plan, outcome: undefined, dryRun: true, leftovers: { files: 0, bytes: 0 }, ...modeFields,
      // Two-phase: repacked packs are condemned, not deleted yet; what they free comes a prune later.
      bytesFreed: Math.max(0, plan.deleteBytes + (instant ? plan.repackBytes : 0) - estimate),
      bytesAfter: keptBytes + estimate,
    };
  }

  const outcome = await executePrune(repo, scan, plan, used, {
    marks: { instant, graceMs, marks, newMarks: deferred.newMarks, dropMarks: deferred.dropMarks },
    checkLock,
    signal: req.signal,
    onPhase: (phase) => progress({ phase, done: 0 }),
    onRepack: (p) => progress({ phase: 'repack', done: p.packsDone, total: p.packsTotal, bytes: p.bytesRead }),
    onDelete: (done, total) => progress({ phase: 'delete-packs', done, total }),
  });
  // Staged packs and multipart uploads of a create killed mid-pack are no objects (never listed,
  // never indexed): nothing else would ever remove them. Only with the exclusive lock held is no
  // writer staging anything now; beside backups (two-phase), only those older than the grace
  // period go, which no running backup can own (the grace period's own promise).
  await checkLock();
  const leftovers = (await repo.backend.removeLeftovers?.(instant ? {} : { olderThanMs: graceMs })) ?? { files: 0, bytes: 0 };
  // Negative when a two-phase prune repacks: the new packs are written now, the old ones only
  // condemned (freed by a later prune). The log's byte counts are never negative (auditLog.ts).
  const bytesFreed = Math.max(0, outcome.bytesFreed + leftovers.bytes);
  if (!plan.nothingToDo || leftovers.files > 0) {
    await repo.log({
      operation: 'prune',
      snapshot_ids: forget?.remove.map((r) => r.id) ?? [],
      bytes_added: 0,
      bytes_freed: bytesFreed,
    });
  }
  return {
    forget, snapshotsRemoved, plan, outcome, dryRun: false, leftovers, ...modeFields,
    bytesFreed, bytesAfter: keptBytes + outcome.bytesWritten,
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
