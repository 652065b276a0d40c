// Removing the snapshot records a forget plan names. Only records go: no data is deleted (that is
// prune's work), so a forget killed halfway leaves a consistent repository with fewer snapshots.

import { crashPoint } from '../../repository/crashPoint.js';
import type { Repository } from '../../repository/repository.js';
import type { SnapshotId } from '../../ids.js';

export interface ForgetExecuteOptions {
  /** Throws when the repository lock was lost; called before removing anything. */
  checkLock?: () => Promise<void>;
}

/** Write one audit log entry naming the records, then remove them. Returns how many were removed. */
export async function executeForget(repo: Repository, ids: readonly string[], opts: ForgetExecuteOptions = {}): Promise<number> {
  if (ids.length === 0) return 0;
  await opts.checkLock?.();
  // Logged before the first removal: a forget killed halfway has then named every record it
  // removed, so the records it took are never taken for a rollback (repository/rollback.ts). One it
  // did not reach yet stays and is named by the entry; the same forget run again removes it.
  await repo.log({ operation: 'forget', snapshot_ids: [...ids], bytes_added: 0, bytes_freed: 0 });
  for (const id of ids) {
    await repo.removeSnapshot(id as SnapshotId);
    crashPoint('forget-snapshot-removed');
  }
  return ids.length;
}
