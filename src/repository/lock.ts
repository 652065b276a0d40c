// Repository locks (DESIGN.md "Locks"). A lock is an object under locks/ naming its holder. Shared
// locks coexist; an exclusive lock excludes every other. The holder rewrites its object every
// refreshMs (5 min); others judge it stale when the storage time of the object is older than
// staleMs (30 min), or at once when its pid is checkable here and that process is gone
// (lockReader.ts, lockRecord.ts).
//
// A held lock watches itself: a refresh that fails is retried with backoff; when the lock was
// removed, or no refresh succeeded for so long that others may soon judge it stale, `signal` aborts
// with a LockLostError and every later `assertHeld()` throws it. Commands pass `signal` to their
// long loops and call `assertHeld()` right before a write that depends on the lock.

import { randomBytes } from 'node:crypto';
import type { Backend } from '../backend/backend.js';
import { InvalidArgumentError, RepositoryLockedError, SnapError, type LockHolder } from '../errors.js';
import type { Crypt } from '../crypto/index.js';
import { encodeLock, newLockRecord, thisProcess, type LockRecord, type ProcessIdentity } from './lockRecord.js';
import { DEFAULT_LOCK_TIMES, readLocks, staleReason, type Judge, type LockTimes } from './lockReader.js';

export { LOCK_REFRESH_MS, LOCK_STALE_MS, DEFAULT_LOCK_TIMES, readLocks, staleReason, type LockEntry, type LockTimes } from './lockReader.js';
export { thisProcess, type LockRecord } from './lockRecord.js';

/** A lock file's name: 32 random bytes as 64 hex digits, so two processes never pick the same. */
const LOCK_NAME_BYTES = 32;
/** --retry-lock backoff between attempts. */
const RETRY_BASE_MS = 200;
const RETRY_MAX_MS = 5_000;
/** First pause after a failed refresh; doubles up to refreshMs. */
const REFRESH_RETRY_BASE_MS = 1_000;

export interface LockOptions extends Partial<LockTimes> {
  /** Keep trying this long while the repository is locked by others (--retry-lock). */
  retryMs?: number;
}

/** The holder lost its lock (removed by `unlock` or another process, or not refreshed in time): stop rather than go on unprotected. */
export class LockLostError extends SnapError {
  constructor(
    readonly lockName: string,
    readonly why: 'removed' | 'expired',
    detail = '',
  ) {
    super(
      why === 'removed'
        ? `the repository lock ${lockName} was removed while this command held it; stopping`
        : `the repository lock ${lockName} could not be refreshed in time${detail ? ` (${detail})` : ''}; stopping before other commands judge it stale`,
    );
  }
}

/** Lock objects that cannot be read keep an exclusive command out: they may be a live holder's. */
export class UnreadableLockError extends SnapError {
  constructor(readonly names: string[]) {
    super(
      `cannot read lock object${names.length === 1 ? '' : 's'} ${names.join(', ')}: refusing to take the exclusive lock; ` +
        `if no snap command is running, remove ${names.length === 1 ? 'it' : 'them'} with 'snap unlock --remove-all'`,
    );
  }
}

/** max(monotonic, wall) time since a mark: a stopped process (SIGSTOP) or a suspended machine both count. */
class Elapsed {
  private mono = performance.now();
  private wall = Date.now();
  mark(): void {
    this.mono = performance.now();
    this.wall = Date.now();
  }
  get ms(): number {
    return Math.max(performance.now() - this.mono, Date.now() - this.wall);
  }
}

export class RepositoryLock {
  private readonly controller = new AbortController();
  /** Aborted (reason: LockLostError) once the lock is lost or about to go stale. */
  readonly signal: AbortSignal = this.controller.signal;
  private readonly sinceRefresh = new Elapsed();
  private timer: NodeJS.Timeout | undefined;
  private watchdog: NodeJS.Timeout | undefined;
  private released = false;
  private failures = 0;
  private lastError = '';

  private constructor(
    private readonly backend: Backend,
    private readonly crypt: Crypt,
    readonly name: string,
    private readonly record: LockRecord,
    private readonly times: LockTimes,
  ) {}

  /** Past this without a successful refresh the holder stops: one refresh interval before others may judge it stale. */
  private get giveUpMs(): number {
    return this.times.staleMs - this.times.refreshMs;
  }

  static async acquire(backend: Backend, crypt: Crypt, exclusive: boolean, opts: LockOptions | number = {}): Promise<RepositoryLock> {
    const o = typeof opts === 'number' ? { retryMs: opts } : opts;
    const times: LockTimes = { refreshMs: o.refreshMs ?? DEFAULT_LOCK_TIMES.refreshMs, staleMs: o.staleMs ?? DEFAULT_LOCK_TIMES.staleMs };
    if (!(times.refreshMs > 0 && times.staleMs >= 2 * times.refreshMs)) {
      throw new InvalidArgumentError(`lock times: the stale time (${times.staleMs} ms) must be at least twice the refresh interval (${times.refreshMs} ms)`);
    }
    const deadline = Date.now() + (o.retryMs ?? 0);
    let delay = RETRY_BASE_MS;
    const self = thisProcess();
    for (;;) {
      const r = await RepositoryLock.tryOnce(backend, crypt, exclusive, self, times);
      if (r instanceof RepositoryLock) return r;
      if (Date.now() + delay > deadline) throw 'unreadable' in r ? new UnreadableLockError(r.unreadable) : new RepositoryLockedError(r);
      await new Promise((res) => setTimeout(res, delay + Math.random() * delay));
      delay = Math.min(delay * 2, RETRY_MAX_MS);
    }
  }

  private static async tryOnce(
    backend: Backend, crypt: Crypt, exclusive: boolean, self: ProcessIdentity, times: LockTimes,
  ): Promise<RepositoryLock | LockHolder | { unreadable: string[] }> {
    const record = newLockRecord(self, exclusive, new Date());
    const name = `locks/${randomBytes(LOCK_NAME_BYTES).toString('hex')}`;
    await backend.put(name, crypt.seal('lock', encodeLock(record)));
    // Write first, then look: two processes racing both see each other and both back off.
    const judge: Judge = { self, storageNow: (await backend.stat(name))?.mtime ?? Date.now(), staleMs: times.staleMs };
    // Shared lockers ignore unreadable objects, so only exclusive ones wait to re-read them.
    const others = (await readLocks(backend, crypt, { rereadUnreadable: exclusive })).filter((e) => e.name !== name && !staleReason(e, judge));
    const conflict = others.find((e) => e.lock && (exclusive || e.lock.exclusive));
    const unreadable = exclusive ? others.filter((e) => !e.lock).map((e) => e.name) : [];
    if (conflict?.lock || unreadable.length > 0) {
      await backend.remove(name);
      if (conflict?.lock) return holderOf(conflict.lock);
      return { unreadable };
    }
    const held = new RepositoryLock(backend, crypt, name, record, times);
    held.schedule(times.refreshMs);
    held.armWatchdog();
    return held;
  }

  private schedule(ms: number): void {
    if (this.released || this.signal.aborted) return;
    this.timer = setTimeout(() => void this.refresh(), ms);
    this.timer.unref();
  }

  /** Fires when no refresh succeeded within giveUpMs, even if a refresh call hangs. */
  private armWatchdog(): void {
    if (this.watchdog) clearTimeout(this.watchdog);
    this.watchdog = setTimeout(() => this.expireIfOverdue(), this.giveUpMs - this.sinceRefresh.ms + 1);
    this.watchdog.unref();
  }

  private expireIfOverdue(): boolean {
    if (this.sinceRefresh.ms < this.giveUpMs) {
      if (!this.released && !this.signal.aborted) this.armWatchdog();
      return false;
    }
    const detail = this.failures > 0 ? `${this.failures} failed attempt(s), last: ${this.lastError}` : 'this process was stopped or suspended';
    this.lose(new LockLostError(this.name, 'expired', detail));
    return true;
  }

  private lose(e: LockLostError): void {
    if (this.signal.aborted) return;
    this.controller.abort(e);
    if (this.timer) clearTimeout(this.timer);
    if (this.watchdog) clearTimeout(this.watchdog);
  }

  /** Rewrite the lock object in place (a fresh storage time); notice when it was removed. Never rejects. */
  private async refresh(): Promise<void> {
    if (this.released || this.signal.aborted) return;
    // Resumed after a stop longer than the grace: others may have judged us stale; do not revive the lock.
    if (this.expireIfOverdue()) return;
    try {
      if (!(await this.backend.stat(this.name))) {
        this.lose(new LockLostError(this.name, 'removed'));
        return;
      }
      const record = { ...this.record, time: new Date().toISOString() };
      await this.backend.put(this.name, this.crypt.seal('lock', encodeLock(record)));
      if (this.released || this.expireIfOverdue()) return;
      this.sinceRefresh.mark();
      this.failures = 0;
      this.armWatchdog();
      this.schedule(this.times.refreshMs);
    } catch (e) {
      this.failures++;
      this.lastError = (e as Error)?.message ?? String(e);
      this.schedule(Math.min(REFRESH_RETRY_BASE_MS * 2 ** (this.failures - 1), this.times.refreshMs));
    }
  }

  /** Throw the LockLostError if the lock is lost, removed, or too long unrefreshed; call right before a write that depends on it. */
  async assertHeld(): Promise<void> {
    if (!this.signal.aborted && !this.expireIfOverdue() && !(await this.backend.stat(this.name))) {
      this.lose(new LockLostError(this.name, 'removed'));
    }
    if (this.signal.aborted) throw this.signal.reason;
  }

  /** Same as assertHeld (older name). */
  check(): Promise<void> {
    return this.assertHeld();
  }

  async release(): Promise<void> {
    this.released = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.watchdog) clearTimeout(this.watchdog);
    await this.backend.remove(this.name).catch(() => undefined);
  }
}

function holderOf(l: LockRecord): LockHolder {
  return { host: l.host, pid: l.pid, since: l.created, user: l.user, exclusive: l.exclusive };
}
