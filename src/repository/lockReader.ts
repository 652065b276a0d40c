// Reading the locks/ folder and judging each lock: live, stale, or unreadable.
//
// Staleness by time compares the storage's own time of the lock object (local file mtime, S3
// LastModified) with a "now" on the same clock (the storage time of the reader's own lock, just
// written), so neither the holder's clock nor the reader's decides alone: a holder whose clock is
// 31 minutes behind, or a reader whose clock is ahead, does not make a live lock look stale.
// A lock that vanished between list and get (released, or replaced by an older snap's refresh) or
// that cannot be read is read again a few times before the caller sees it.

import type { Backend } from '../backend/backend.js';
import { NotFoundError } from '../errors.js';
import type { Crypt } from '../crypto/index.js';
import { decodeLock, holderIsDead, type LockRecord, type ProcessIdentity } from './lockRecord.js';

/** Refresh every 5 minutes, stale after 30 minutes without one (restic's values). */
export const LOCK_REFRESH_MS = 5 * 60_000;
export const LOCK_STALE_MS = 30 * 60_000;
/** Rounds of re-reading when a lock vanished or could not be read, and the pause before each. */
const REREAD_DELAYS_MS = [100, 300, 900];

export interface LockTimes {
  refreshMs: number;
  staleMs: number;
}
export const DEFAULT_LOCK_TIMES: LockTimes = { refreshMs: LOCK_REFRESH_MS, staleMs: LOCK_STALE_MS };

export interface LockEntry {
  name: string;
  /** The decoded record; undefined when the object could not be read or decoded. */
  lock: LockRecord | undefined;
  /** Why it could not be read. */
  error?: string;
  /** The storage's time of the object (ms since the epoch), when the backend tells it. */
  storedAt: number | undefined;
}

type Read = LockEntry | 'vanished';

async function readOne(backend: Backend, crypt: Crypt, name: string): Promise<Read> {
  let bytes: Buffer;
  let st;
  try {
    bytes = await backend.get(name);
    st = await backend.stat(name);
  } catch (e) {
    if (e instanceof NotFoundError) return 'vanished';
    return { name, lock: undefined, error: (e as Error).message, storedAt: undefined };
  }
  if (!st) return 'vanished';
  try {
    return { name, lock: decodeLock(crypt.open('lock', bytes), name), storedAt: st.mtime };
  } catch (e) {
    return { name, lock: undefined, error: (e as Error).message, storedAt: st.mtime };
  }
}

/**
 * Every lock object under locks/. Listed-but-vanished ones are dropped after a re-list confirms
 * they are gone; unreadable ones are re-read a few times (unless the caller ignores them anyway)
 * and then returned with `lock` undefined.
 */
export async function readLocks(backend: Backend, crypt: Crypt, opts: { rereadUnreadable?: boolean } = {}): Promise<LockEntry[]> {
  const delays = REREAD_DELAYS_MS;
  const reread = opts.rereadUnreadable ?? true;
  for (let round = 0; ; round++) {
    const names = await backend.list('locks/');
    const reads = await Promise.all(names.map((n) => readOne(backend, crypt, n)));
    const unsettled = reads.some((r) => r === 'vanished' || (reread && r.lock === undefined));
    if (!unsettled || round >= delays.length) return reads.filter((r): r is LockEntry => r !== 'vanished');
    await new Promise((r) => setTimeout(r, delays[round]));
  }
}

export interface Judge {
  self: ProcessIdentity;
  /** "Now" on the storage's clock: the storage time of the reader's own fresh lock, else the reader's clock. */
  storageNow: number;
  staleMs: number;
}

/** Not refreshed within staleMs, by the storage's time (the holder's recorded time only when the storage gives none). */
export function staleByTime(e: LockEntry, j: Judge): boolean {
  const at = e.storedAt ?? (e.lock ? Date.parse(e.lock.time) : undefined);
  return at !== undefined && j.storageNow - at > j.staleMs;
}

/** Why a lock no longer counts, or undefined while it does (an unreadable one counts until stale by time). */
export function staleReason(e: LockEntry, j: Judge): string | undefined {
  if (staleByTime(e, j)) return 'not refreshed';
  if (e.lock && holderIsDead(e.lock, j.self)) return 'holder gone';
  return undefined;
}
