// Carrying out a prune plan, in the order that keeps every snapshot restorable if the process dies
// at any point (DESIGN.md invariants 1 and 4):
//   1. repack: copy the used blobs of the packs to repack into new packs (durable), and index
//      them as they are written;
//   2. write new index files for every pack that stays, as listed by the index files being
//      replaced (durable);
//   3. delete the replaced index files;
//   4. only then delete the packs that are no longer in any index;
//   5. bring the local index cache in step.
// A crash after 1 leaves unindexed new packs (the next prune deletes them); after 2, blobs indexed
// twice (harmless, the next prune picks one copy); after 3, packs no index names (deleted next
// time). Nothing a snapshot needs is ever unindexed or deleted. crashPoint() marks each step for
// the fault-injection tests.

import { InterruptedError } from '../../errors.js';
import type { IndexPack } from '../../blobindex/indexFormat.js';
import type { CondemnedEntry } from './condemnedFormat.js';
import { saveMarks, type Marks } from './condemned.js';
import { packObjectName } from '../../pack/packFormat.js';
import { crashPoint, pausePoint } from '../../repository/crashPoint.js';
import type { Repository } from '../../repository/repository.js';
import type { SortedIds } from './idSet.js';
import type { PrunePlan } from './planPrune.js';
import { repackPacks, type RepackProgress } from './repack.js';
import type { IndexScan, ScannedPack } from './scanIndex.js';

/** Index entries per new index file (~2 MB): bounded memory, and few files. */
const INDEX_FILE_ENTRIES = 50_000;

export type PrunePhase = 'repack' | 'index' | 'delete-index' | 'delete-packs';

/** The two-phase part of the plan (deferDeletes.ts); absent: delete everything planned (no marks). */
export interface MarkPlan {
  instant: boolean;
  graceMs: number;
  marks: Marks;
  newMarks: string[];
  dropMarks: Set<string>;
}

export interface ExecuteOptions {
  marks?: MarkPlan;
  /** Throws when the repository lock was lost; called before every destructive step. */
  checkLock?: () => Promise<void>;
  /** Checked between pack deletions (cheaper than a lock check per pack). */
  signal?: AbortSignal;
  onPhase?: (phase: PrunePhase) => void;
  onRepack?: (p: RepackProgress) => void;
  onDelete?: (done: number, total: number) => void;
}

export interface PruneOutcome {
  packsDeleted: number;
  packsRewritten: number;
  packsWritten: number;
  blobsRepacked: number;
  /** Pack bytes removed minus pack bytes written. */
  bytesFreed: number;
  /** Bytes of the new packs. */
  bytesWritten: number;
  indexFilesWritten: number;
  indexFilesDeleted: number;
  /** Packs newly condemned (two-phase mode): deleted by a later prune after the grace period. */
  packsCondemned: number;
}

export async function executePrune(
  repo: Repository,
  scan: IndexScan,
  plan: PrunePlan,
  used: SortedIds,
  opts: ExecuteOptions = {},
): Promise<PruneOutcome> {
  const check = opts.checkLock ?? (async () => undefined);
  const action = new Map(plan.packs.map((d) => [d.id, d.action]));
  // Deferred (two-phase) mode: a repacked or condemned pack stays indexed (and readable) until a
  // later prune deletes it after the grace period.
  const deferred = opts.marks !== undefined && !opts.marks.instant;
  const goes = (id: string): boolean => action.get(id) === 'delete' || (action.get(id) === 'repack' && !deferred);
  const staying = (p: ScannedPack): boolean => p.state === 'indexed' && !goes(p.id);
  const outcome: PruneOutcome = {
    packsDeleted: 0, packsRewritten: 0, packsWritten: 0, blobsRepacked: 0, bytesFreed: 0, bytesWritten: 0, indexFilesWritten: 0, indexFilesDeleted: 0, packsCondemned: 0,
  };
  if (plan.nothingToDo) return outcome;
  await pausePoint('prune-start');
  await check();

  // Index entries go out in files of INDEX_FILE_ENTRIES as they come, each durable before return.
  let batch: IndexPack[] = [];
  let batchEntries = 0;
  // Names are content hashes: in an unencrypted repository a pack or index file this prune writes
  // can have the very name of one on its delete list (same blobs, same order). Never delete those.
  const writtenIndex = new Set<string>();
  const writtenPacks = new Set<string>();
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    writtenIndex.add(await repo.saveIndexFile(batch));
    outcome.indexFilesWritten++;
    crashPoint('prune-index-written');
    batch = [];
    batchEntries = 0;
  };
  const add = async (p: IndexPack): Promise<void> => {
    writtenPacks.add(p.packId);
    batch.push(p);
    batchEntries += p.entries.length;
    if (batchEntries >= INDEX_FILE_ENTRIES) await flush();
  };

  // 1. Repack. Each new pack is durable before an index file names it (invariant 1); indexing the
  // new packs while the old ones are still indexed only makes blobs appear twice, which is harmless.
  opts.onPhase?.('repack');
  const toRepack = scan.packs.filter((p) => action.get(p.id) === 'repack');
  const repacked = await repackPacks(repo, toRepack, used, scan.claims, { beforePack: check, onProgress: opts.onRepack, onPackWritten: add });
  outcome.packsWritten = repacked.packsWritten;
  outcome.blobsRepacked = repacked.blobsCopied;
  outcome.bytesWritten = repacked.bytesWritten;
  if (deferred) outcome.packsRewritten = toRepack.length; // copied; the old packs are condemned

  // 2. New index files replacing every index file that names a pack going away.
  opts.onPhase?.('index');
  const leaving = new Set(scan.packs.filter((p) => goes(p.id) && !writtenPacks.has(p.id)).map((p) => p.id));
  const replaced = new Set<string>();
  for (const p of scan.packs) if (leaving.has(p.id)) for (const f of p.indexFiles) replaced.add(f);
  await check();
  const rewritten = new Set<string>();
  for (const name of [...replaced].sort()) {
    for (const p of await repo.loadIndexFile(name)) {
      const pack = scan.byId.get(p.packId);
      // A staying pack is carried over unless an index file that stays still names it.
      if (!pack || !staying(pack) || rewritten.has(pack.id) || pack.indexFiles.some((f) => !replaced.has(f))) continue;
      rewritten.add(pack.id);
      await add(p);
    }
  }
  await flush();
  for (const name of writtenIndex) replaced.delete(name);

  // 3. The replaced index files. From here on the packs leaving are in no index.
  opts.onPhase?.('delete-index');
  await check();
  for (const name of [...replaced].sort()) {
    await repo.backend.remove(`index/${name}`);
    outcome.indexFilesDeleted++;
    crashPoint('prune-index-deleted');
  }

  // 4. The packs (invariant 4: only now that an index without them is durable).
  opts.onPhase?.('delete-packs');
  await check();
  const doomed = scan.packs.filter((p) => leaving.has(p.id) && p.state !== 'missing');
  for (const p of doomed) {
    // Stopping here is safe: the packs left are in no index, and the next prune deletes them.
    if (opts.signal?.aborted) throw new InterruptedError();
    await repo.backend.remove(packObjectName(p.id));
    outcome.bytesFreed += p.size;
    if (action.get(p.id) === 'repack') outcome.packsRewritten++;
    else outcome.packsDeleted++;
    crashPoint('prune-pack-deleted');
    opts.onDelete?.(outcome.packsDeleted + outcome.packsRewritten, doomed.length);
  }
  outcome.packsDeleted += scan.packs.filter((p) => leaving.has(p.id) && p.state === 'missing').length;
  outcome.bytesFreed -= repacked.bytesWritten;

  // 4b. The condemned marks: one new object with the marks that stay (keeping their times) and the
  // new ones (the time of this object), then the objects it replaces. A crash in between leaves a
  // pack marked twice (the later expiry counts) or a mark on a pack now gone (dropped next time).
  if (opts.marks && (opts.marks.newMarks.length > 0 || opts.marks.dropMarks.size > 0)) {
    const m = opts.marks;
    await check();
    const fresh = new Set(m.newMarks);
    const entries: CondemnedEntry[] = [];
    for (const mark of m.marks.byPack.values()) {
      if (!m.dropMarks.has(mark.packId) && !fresh.has(mark.packId)) entries.push({ packId: mark.packId, markedAt: mark.markedAt, graceMs: mark.graceMs });
    }
    for (const id of fresh) entries.push({ packId: id, markedAt: 0, graceMs: m.graceMs });
    const kept = entries.length > 0 ? await saveMarks(repo, entries) : undefined;
    outcome.packsCondemned = fresh.size;
    crashPoint('prune-marks-written');
    for (const name of m.marks.objects) if (name !== kept) await repo.backend.remove(name);
  }

  // 5. The local cache: drop the entries of the deleted index files (new ones were applied on write).
  await (await repo.blobIndex()).sync(await repo.listIndexFiles(), (n) => repo.loadIndexFile(n));
  return outcome;
}
