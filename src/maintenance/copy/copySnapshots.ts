// maintenance/copy owns `snap copy`: choosing what to copy (matchSnapshot.ts), moving trees and blobs
// (treeCopier.ts) and the id translation between repositories with different id keys (idMap.ts).
//
// `snap copy`: copy snapshots, and only the blobs the target lacks, from one repository to another.
// Per snapshot, oldest first: skip it when the target already holds it (same time, host, paths, tags
// and root tree after copying); else copy its blobs, flush (packs, then the index file naming them),
// and write the snapshot record last, so a copy stopped at any moment leaves at worst unreferenced
// blobs in the target, never a snapshot that points at something missing. Both locks are the
// caller's (shared on both sides). The copied record keeps the source's fields; its parent is the
// copy of the source's parent when this run knows it, else null.

import { BlobSaver } from '../../repository/blobSaver.js';
import { checkCommitPoint } from '../../archiver/commitPoint.js';
import { loadMarks } from '../prune/condemned.js';
import type { Repository } from '../../repository/repository.js';
import type { Snapshot, SnapshotRecord } from '../../repository/snapshotRecord.js';
import { InterruptedError, InvalidArgumentError } from '../../errors.js';
import type { BlobId, SnapshotId } from '../../ids.js';
import { IdMap } from './idMap.js';
import { candidates, findCopy } from './matchSnapshot.js';
import { ReidentifyCopier, SameIdsCopier, type CopyCounters, type TreeCopier } from './treeCopier.js';

export interface CopyProgress {
  snapshotsDone: number;
  snapshotsTotal: number;
  blobsCopied: number;
  bytesCopied: number;
  current?: string;
}

export interface CopyOptions {
  /** The source snapshots to copy, oldest first. */
  snapshots: Snapshot[];
  progress?: (p: CopyProgress) => void;
  signal?: AbortSignal;
  /** Called before each snapshot record is written (the CLI checks that it still holds its lock). */
  beforeSnapshotWrite?: () => Promise<void>;
}

export interface CopySummary {
  snapshots_copied: number;
  snapshots_skipped: number;
  /** Blobs (data chunks and trees) stored in the target by this run. */
  blobs_copied: number;
  /** Their plaintext size (before compression and encryption). */
  bytes_copied: number;
  /** What they took in the target, compressed and encrypted. */
  bytes_stored: number;
  /** "kept" when both repositories share their id key, else "re-identified". */
  blob_ids: 'kept' | 're-identified';
  snapshots: Array<{ id: string; target_id: string; copied: boolean }>;
}

/** Whether blob ids mean the same in both repositories: both unencrypted, or the same id key. */
export function sharesBlobIds(src: Repository, dst: Repository): boolean {
  const a = src.crypt.keys?.idKey;
  const b = dst.crypt.keys?.idKey;
  return a === undefined || b === undefined ? a === b : a.equals(b);
}

/** Whether a file chunked in either repository gets the same boundaries (init --from-repo gives that). */
export function sharesChunker(src: Repository, dst: Repository): boolean {
  const a = src.config.chunker;
  const b = dst.config.chunker;
  const params = a.algorithm === b.algorithm && a.min === b.min && a.avg === b.avg && a.max === b.max && a.level === b.level && a.gear === b.gear;
  if (!params || a.gear === 'standard') return params;
  const ka = src.crypt.keys?.chunkerKey;
  const kb = dst.crypt.keys?.chunkerKey;
  return ka !== undefined && kb !== undefined && ka.equals(kb);
}

export async function copySnapshots(src: Repository, dst: Repository, opts: CopyOptions): Promise<CopySummary> {
  if (src.config.id === dst.config.id) throw new InvalidArgumentError(`source and target are the same repository (${dst.location})`);
  const keepIds = sharesBlobIds(src, dst);
  // As create does: no dedup against the target's condemned packs, and the commit point checked.
  const saver = new BlobSaver(dst, false, { avoidPacks: new Set((await loadMarks(dst)).byPack.keys()) });
  const counters: CopyCounters = { blobsCopied: 0, bytesCopied: 0 };
  const summary: CopySummary = {
    snapshots_copied: 0,
    snapshots_skipped: 0,
    blobs_copied: 0,
    bytes_copied: 0,
    bytes_stored: 0,
    blob_ids: keepIds ? 'kept' : 're-identified',
    snapshots: [],
  };
  let current: string | undefined;
  const report = () =>
    opts.progress?.({
      snapshotsDone: summary.snapshots_copied + summary.snapshots_skipped,
      snapshotsTotal: opts.snapshots.length,
      blobsCopied: counters.blobsCopied,
      bytesCopied: counters.bytesCopied,
      current,
    });
  const idMap = keepIds ? undefined : IdMap.open(src.cacheDir, dst.config.id);
  const copier: TreeCopier = idMap
    ? new ReidentifyCopier(src, dst, saver, counters, report, opts.signal, idMap)
    : new SameIdsCopier(src, dst, saver, counters, report, opts.signal);
  try {
    // Open both index caches once, before the walk's concurrent lookups ask for them.
    await src.blobIndex();
    await dst.blobIndex();
    const targetSnapshots: Array<SnapshotRecord & { id: string }> = await dst.listSnapshots();
    const copiedAs = new Map<string, SnapshotId>();
    for (const s of opts.snapshots) {
      if (opts.signal?.aborted) throw new InterruptedError();
      current = s.id.slice(0, 8);
      report();
      const srcTree = Buffer.from(s.tree, 'hex') as BlobId;
      const maybe = candidates(s, targetSnapshots).length > 0;
      // Cheap path for a snapshot copied before: its root's target id is known without a walk.
      const known = maybe ? copier.knownTargetTree(srcTree) : undefined;
      let hit = known ? findCopy(s, known.toString('hex'), targetSnapshots) : undefined;
      let dstTree: BlobId | undefined;
      if (!hit) {
        dstTree = await copier.copyTree(srcTree);
        await saver.flush();
        if (maybe) hit = findCopy(s, dstTree.toString('hex'), targetSnapshots);
      }
      if (hit) {
        copiedAs.set(s.id, hit.id as SnapshotId);
        summary.snapshots_skipped++;
        summary.snapshots.push({ id: s.id, target_id: hit.id, copied: false });
        continue;
      }
      await opts.beforeSnapshotWrite?.();
      const { id: _sourceId, ...fields } = s;
      const record: SnapshotRecord = { ...fields, tree: dstTree!.toString('hex'), parent: s.parent ? copiedAs.get(s.parent) ?? null : null };
      await checkCommitPoint(dst, saver);
      const id = await dst.saveSnapshot(record);
      targetSnapshots.push({ ...record, id });
      copiedAs.set(s.id, id);
      summary.snapshots_copied++;
      summary.snapshots.push({ id: s.id, target_id: id, copied: true });
    }
    await saver.flush();
  } catch (e) {
    // Sibling branches of the walk may still run: stop them before the cache closes under them.
    copier.stop(e);
    throw e;
  } finally {
    await idMap?.close();
  }
  summary.blobs_copied = counters.blobsCopied;
  summary.bytes_copied = counters.bytesCopied;
  summary.bytes_stored = saver.stats.bytesStored + saver.stats.treeBytesStored;
  current = undefined;
  report();
  if (summary.snapshots_copied > 0 || summary.blobs_copied > 0) {
    await dst.log({
      operation: 'copy',
      snapshot_ids: summary.snapshots.filter((x) => x.copied).map((x) => x.target_id),
      bytes_added: summary.bytes_stored,
      bytes_freed: 0,
    });
  }
  return summary;
}
