// `snap unlock`: remove the locks that no longer count (lockReader.ts judges them), or all of them.
// It takes no lock itself (it must work exactly when the repository looks locked) and writes
// nothing (but the audit log entry of a --remove-all that removed a lock, written after the
// removals), so it also works on a full disk. With no lock of its own to date, "now" is this
// machine's clock, compared with the storage time of each lock object.

import type { Repository } from './repository.js';
import { thisProcess } from './lockRecord.js';
import { DEFAULT_LOCK_TIMES, readLocks, staleReason, type LockEntry } from './lockReader.js';

export interface UnlockResult {
  removed: Array<LockEntry & { reason: string }>;
  /** Unreadable lock objects left in place (only --remove-all removes them while they are fresh). */
  unreadable: LockEntry[];
}

export async function unlockRepository(repo: Repository, opts: { removeAll?: boolean; staleMs?: number } = {}): Promise<UnlockResult> {
  const judge = { self: thisProcess(), storageNow: Date.now(), staleMs: opts.staleMs ?? DEFAULT_LOCK_TIMES.staleMs };
  const out: UnlockResult = { removed: [], unreadable: [] };
  for (const e of await readLocks(repo.backend, repo.crypt)) {
    const reason = opts.removeAll ? 'removed by --remove-all' : staleReason(e, judge);
    if (!reason) {
      if (!e.lock) out.unreadable.push(e);
      continue;
    }
    await repo.backend.remove(e.name);
    out.removed.push({ ...e, reason });
  }
  // Removing a running process's lock is an act someone should be able to trace.
  if (opts.removeAll && out.removed.length > 0) await repo.log({ operation: 'unlock --remove-all', snapshot_ids: [], bytes_added: 0, bytes_freed: 0 });
  return out;
}
