// Removing the snapshot records a forget plan names. Only records go: no data is deleted (that is
// prune's work), so a forget killed halfway leaves a consistent repository with fewer snapshots.

import { crashPoint } from '../../repository/crashPoint.js';
import type { Repository } from '../../repository/repository.js';
import type { SnapshotId } from '../../ids.js';

export interface ForgetExecuteOptions {
  /** Throws when the repository lock was lost; called before removing anything. */
  checkLock?: () => Promise<void>;
}

/** Remove the records and write one audit log entry naming them. Returns how many were removed. */
export async function executeForget(repo: Repository, ids: readonly string[], opts: ForgetExecuteOptions = {}): Promise<number> {
  if (ids.length === 0) return 0;
  await opts.checkLock?.();
  for (const id of ids) {
    await repo.removeSnapshot(id as SnapshotId);
    crashPoint('forget-snapshot-removed');
  }
  await repo.log({ operation: 'forget', snapshot_ids: [...ids], bytes_added: 0, bytes_freed: 0 });
  return ids.length;
}
