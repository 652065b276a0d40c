// The way out of a full repository (issue 12; restic's --unsafe-recover-no-free-space): prune needs
// its exclusive lock, and the lock is an object it cannot write when the storage is full. Here the
// exclusive lock is taken as usual; only if writing it fails for lack of space, and no other lock
// counts (the same judgement, on this machine's clock, as `unlock`), room is made with deletions
// that are provably safe, the smallest first, trying the lock again after each:
//   1. files staged by killed writers (never listed, never indexed: nothing refers to them);
//   2. one at a time, packs the caller has proved hold no blob any snapshot uses.
// Unsafe only in one way, which the flag's name and docs/operations.md state: a backup that starts
// in the moment between the check and the lock is not seen. Every deletion is one that the prune
// that follows would make anyway, and a pack deleted before its index entries are dropped is
// "missing" to the next prune, which drops them.

import { StorageError } from '../errors.js';
import { RepositoryLock, UnreadableLockError, type LockOptions } from './lock.js';
import { RepositoryLockedError } from '../errors.js';
import { thisProcess } from './lockRecord.js';
import { DEFAULT_LOCK_TIMES, readLocks, staleReason } from './lockReader.js';
import type { Repository } from './repository.js';

export interface NoSpaceRecovery {
  /** Files staged by killed writers that were removed. */
  leftovers: { files: number; bytes: number };
  /** Packs deleted before the lock could be written. */
  packsDeleted: string[];
}

export function isNoSpace(e: unknown): boolean {
  for (let x = e as { code?: string; cause?: unknown } | undefined, depth = 0; x && depth < 4; x = x.cause as typeof x, depth++) {
    if (x.code === 'ENOSPC' || x.code === 'EDQUOT') return true;
  }
  return e instanceof StorageError && /no space left on device/.test(e.message);
}

/** Throw when a lock other than ours counts (a live holder, or an unreadable object). */
async function assertNoOtherLock(repo: Repository, staleMs: number): Promise<void> {
  const judge = { self: thisProcess(), storageNow: Date.now(), staleMs };
  const counting = (await readLocks(repo.backend, repo.crypt)).filter((e) => !staleReason(e, judge));
  const live = counting.find((e) => e.lock);
  if (live?.lock) {
    const l = live.lock;
    throw new RepositoryLockedError({ host: l.host, pid: l.pid, since: l.created, user: l.user, exclusive: l.exclusive });
  }
  if (counting.length > 0) throw new UnreadableLockError(counting.map((e) => e.name));
}

/**
 * The exclusive lock, making room for its object first when the storage is full. `unusedPacks`
 * lists pack ids that hold no used blob (largest first); it is only called when needed.
 */
export async function lockWithoutSpace(
  repo: Repository, opts: LockOptions, unusedPacks: () => Promise<string[]>,
): Promise<{ lock: RepositoryLock; recovery: NoSpaceRecovery }> {
  const recovery: NoSpaceRecovery = { leftovers: { files: 0, bytes: 0 }, packsDeleted: [] };
  const attempt = async (): Promise<RepositoryLock | undefined> => {
    try {
      return await repo.lock(true, opts);
    } catch (e) {
      if (!isNoSpace(e)) throw e;
      return undefined;
    }
  };
  let lock = await attempt();
  if (lock) return { lock, recovery };
  const staleMs = opts.staleMs ?? DEFAULT_LOCK_TIMES.staleMs;
  await assertNoOtherLock(repo, staleMs);
  recovery.leftovers = (await repo.backend.removeLeftovers?.()) ?? recovery.leftovers;
  if ((lock = await attempt())) return { lock, recovery };
  for (const id of await unusedPacks()) {
    await assertNoOtherLock(repo, staleMs);
    await repo.backend.remove(`data/${id.slice(0, 2)}/${id}`);
    recovery.packsDeleted.push(id);
    if ((lock = await attempt())) return { lock, recovery };
  }
  throw new StorageError(
    `no space left on device: could not write the lock even after removing ${recovery.leftovers.files} staged file(s) and ` +
      `${recovery.packsDeleted.length} unused pack(s); free space on ${repo.location} by other means`,
    repo.location,
  );
}
