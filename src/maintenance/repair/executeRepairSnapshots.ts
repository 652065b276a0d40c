// Carrying out a `repair snapshots` plan. For each damaged snapshot, only the trees on the paths to the
// damage are rebuilt (every other entry, undamaged subtree ids included, is kept byte for byte); new
// tree blobs go through a BlobSaver, which is flushed — packs and index durable — before any new
// snapshot record is written (invariants 1–3). Each new record keeps the old one's time, host, user,
// paths, tags and parent, and names it in `original`. With `forget`, the old records are removed once
// every new one is written, and so are records that do not load at all. An audit log entry records
// what was done.

import { BlobType, type BlobId, type SnapshotId } from '../../ids.js';
import { BlobSaver } from '../../repository/blobSaver.js';
import { crashPoint } from '../../repository/crashPoint.js';
import { loadMarks } from '../prune/condemned.js';
import type { Repository } from '../../repository/repository.js';
import { VERSION } from '../../version.js';
import { TreeWriter } from '../../tree/index.js';
import { foldTree, type TreeFold } from '../../tree/walk.js';
import type { DirDamage, TreeDamage } from './findDamage.js';
import type { RepairPlan } from './planRepairSnapshots.js';

export interface RepairSnapshotsResult {
  ok: boolean;
  dry_run: boolean;
  snapshots: Array<{ id: string; new_id: string | null; dropped: string[] }>;
  /** Old records removed (--forget). */
  forgotten: string[];
}

export async function executeRepairSnapshots(
  repo: Repository,
  plan: RepairPlan,
  opts: {
    dryRun?: boolean;
    forget?: boolean;
    unreadable?: string[];
    loadTree?: (id: BlobId) => Promise<Buffer>;
    /** Throws when the repository lock was lost: called before any record is written or removed. */
    checkLock?: () => Promise<void>;
  } = {},
): Promise<RepairSnapshotsResult> {
  // The trees to rebuild are read from where the damage walk read them (the index files).
  const loadTree = opts.loadTree ?? repo.loadTreeBlob;
  const result: RepairSnapshotsResult = { ok: true, dry_run: Boolean(opts.dryRun), snapshots: [], forgotten: [] };
  const unreadable = opts.unreadable ?? [];
  if (opts.dryRun || (plan.repairs.length === 0 && !(opts.forget && unreadable.length))) {
    result.snapshots = plan.repairs.map((r) => ({ id: r.snapshot.id, new_id: null, dropped: r.dropped }));
    return result;
  }
  // No dedup against condemned packs (prune/condemned.ts); repair holds the exclusive lock, so no
  // prune runs until its records are written and the commit point needs no grace-period check.
  const saver = new BlobSaver(repo, false, { avoidPacks: new Set((await loadMarks(repo)).byPack.keys()) });
  const store = async (bytes: Buffer): Promise<BlobId> => {
    const id = repo.idHasher.hash(bytes);
    await saver.save(BlobType.Tree, id, bytes);
    return id;
  };
  let emptyTree: BlobId | undefined;
  const empty = async (): Promise<BlobId> => (emptyTree ??= await store(await new TreeWriter(store).finish()));
  // The damage below each tree to rebuild, by hex id (a tree's damage depends on its id only): set
  // before the walk descends into it. Undamaged entries are kept as they are and not walked.
  const damageOf = new Map<string, DirDamage>();
  const fold: TreeFold<{ writer: TreeWriter; damage: DirDamage }, BlobId> = {
    load: loadTree,
    // Shared subtrees (within and across snapshots) are rebuilt once.
    shared: new Map(),
    open: (tree) => ({ writer: new TreeWriter(store), damage: damageOf.get(tree.toString('hex'))! }),
    entry: async ({ writer, damage }, e, _dir, descend) => {
      const k = e.name.toString('latin1');
      if (damage.files.has(k)) return;
      const sub = damage.dirs.get(k);
      if (!sub) return writer.add(e);
      if (sub.damage.lost) return writer.add({ ...e, subtree: await empty() });
      damageOf.set(sub.subtree.toString('hex'), sub.damage);
      await writer.add({ ...e, subtree: await descend() });
    },
    close: async ({ writer }) => store(await writer.finish()),
  };
  const rebuild = async (root: BlobId, damage: TreeDamage): Promise<BlobId> => {
    if (damage.lost) return empty();
    damageOf.set(root.toString('hex'), damage);
    return foldTree(fold, root);
  };

  const roots: Array<BlobId | undefined> = [];
  for (const r of plan.repairs) roots.push(r.repairedAs ? undefined : await rebuild(Buffer.from(r.snapshot.tree, 'hex') as BlobId, r.damage));
  await saver.flush();

  const newIds: SnapshotId[] = [];
  await opts.checkLock?.();
  for (const [i, r] of plan.repairs.entries()) {
    const s = r.snapshot;
    if (r.repairedAs) {
      // A run stopped between writing this repair and removing the original: keep what it wrote.
      result.snapshots.push({ id: s.id, new_id: r.repairedAs, dropped: r.dropped });
      continue;
    }
    const newId = await repo.saveSnapshot({
      version: s.version,
      time: s.time,
      hostname: s.hostname,
      username: s.username,
      paths: s.paths,
      tags: s.tags,
      tree: roots[i]!.toString('hex'),
      parent: s.parent,
      program_version: `snap ${VERSION}`,
      partial: s.partial,
      original: s.id,
      summary: s.summary,
    });
    newIds.push(newId);
    result.snapshots.push({ id: s.id, new_id: newId, dropped: r.dropped });
    crashPoint('repair-snapshot-written');
  }
  // Logged before anything is removed: a run killed halfway has named every record it removed, so
  // none of them is taken for a rollback (repository/rollback.ts), as forget does.
  const forgotten = opts.forget ? [...plan.repairs.map((r) => r.snapshot.id), ...unreadable] : [];
  await repo.log({
    operation: opts.forget ? 'repair snapshots --forget' : 'repair snapshots',
    snapshot_ids: [...newIds, ...forgotten],
    bytes_added: saver.stats.treeBytesStored,
    bytes_freed: 0,
  });
  if (forgotten.length > 0) await opts.checkLock?.();
  // Records that do not even load hold nothing to rewrite (`forget` cannot select them): they go too.
  for (const id of forgotten) {
    await repo.removeSnapshot(id as SnapshotId);
    result.forgotten.push(id);
    crashPoint('repair-snapshot-removed');
  }
  return result;
}
