// Repository locks (DESIGN.md "Locks"). A lock is an object under locks/ naming its holder. Shared
// locks coexist; an exclusive lock excludes every other. A lock is refreshed every 5 minutes and is
// stale after 30 minutes without refresh, or at once when its holder ran on this boot of this host
// and that process (pid + start time) is gone.

import os from 'node:os';
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import type { Backend } from '../backend/backend.js';
import { RepositoryLockedError, SnapError, type LockHolder } from '../errors.js';
import type { Crypt } from './crypt.js';

export const LOCK_REFRESH_MS = 5 * 60_000;
export const LOCK_STALE_MS = 30 * 60_000;
const RETRY_BASE_MS = 200;
const RETRY_MAX_MS = 5_000;

export interface LockRecord {
  host: string;
  pid: number;
  process_start: string;
  boot_id: string;
  user: string;
  time: string;
  created: string;
  exclusive: boolean;
}

/** The holder lost its lock (removed by `unlock` or another process): stop rather than go on unprotected. */
export class LockLostError extends SnapError {
  constructor(name: string) {
    super(`the repository lock ${name} was removed while this command held it; stopping`);
  }
}

export function bootId(): string {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return '';
  }
}

export function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 22 (starttime) follows the parenthesised command name, which may contain spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19];
  } catch {
    return undefined;
  }
}

export function isStale(l: LockRecord, now = Date.now()): boolean {
  if (now - Date.parse(l.time) > LOCK_STALE_MS) return true;
  if (l.host === os.hostname() && l.boot_id && l.boot_id === bootId()) {
    return processStart(l.pid) !== l.process_start;
  }
  return false;
}

export async function readLocks(backend: Backend, crypt: Crypt): Promise<Array<{ name: string; lock: LockRecord | undefined }>> {
  const names = await backend.list('locks/');
  return Promise.all(
    names.map(async (name) => {
      try {
        return { name, lock: JSON.parse(crypt.open('lock', await backend.get(name)).toString('utf8')) as LockRecord };
      } catch {
        return { name, lock: undefined }; // vanished meanwhile, or unreadable: not a holder we can name
      }
    }),
  );
}

export class RepositoryLock {
  private timer: NodeJS.Timeout | undefined;
  private lost = false;

  private constructor(
    private readonly backend: Backend,
    private readonly crypt: Crypt,
    private name: string,
    private readonly record: LockRecord,
  ) {}

  static async acquire(backend: Backend, crypt: Crypt, exclusive: boolean, retryMs = 0): Promise<RepositoryLock> {
    const deadline = Date.now() + retryMs;
    let delay = RETRY_BASE_MS;
    for (;;) {
      const lock = await RepositoryLock.tryOnce(backend, crypt, exclusive);
      if (lock instanceof RepositoryLock) return lock;
      if (Date.now() + delay > deadline) throw new RepositoryLockedError(lock);
      await new Promise((r) => setTimeout(r, delay + Math.random() * delay));
      delay = Math.min(delay * 2, RETRY_MAX_MS);
    }
  }

  private static async tryOnce(backend: Backend, crypt: Crypt, exclusive: boolean): Promise<RepositoryLock | LockHolder> {
    const now = new Date().toISOString();
    const record: LockRecord = {
      host: os.hostname(),
      pid: process.pid,
      process_start: processStart(process.pid) ?? '',
      boot_id: bootId(),
      user: os.userInfo().username,
      time: now,
      created: now,
      exclusive,
    };
    const name = `locks/${randomBytes(32).toString('hex')}`;
    await backend.put(name, crypt.seal('lock', Buffer.from(JSON.stringify(record))));
    // Write first, then look: two processes racing both see each other and both back off.
    for (const { name: other, lock } of await readLocks(backend, crypt)) {
      if (other === name || !lock || isStale(lock)) continue;
      if (exclusive || lock.exclusive) {
        await backend.remove(name);
        return { host: lock.host, pid: lock.pid, since: lock.created ?? lock.time, user: lock.user, exclusive: lock.exclusive };
      }
    }
    const held = new RepositoryLock(backend, crypt, name, record);
    held.startRefresh();
    return held;
  }

  private startRefresh(): void {
    this.timer = setInterval(() => void this.refresh(), LOCK_REFRESH_MS);
    this.timer.unref();
  }

  /** Replace the lock object with one carrying a fresh time; notice when ours was removed. */
  async refresh(): Promise<void> {
    if (this.lost) return;
    if (!(await this.backend.stat(this.name))) {
      this.lost = true;
      return;
    }
    const record = { ...this.record, time: new Date().toISOString() };
    const next = `locks/${randomBytes(32).toString('hex')}`;
    await this.backend.put(next, this.crypt.seal('lock', Buffer.from(JSON.stringify(record))));
    const old = this.name;
    this.name = next;
    await this.backend.remove(old);
  }

  /** Throw if the lock was taken away; called before writes that must be protected. */
  async check(): Promise<void> {
    if (this.lost || !(await this.backend.stat(this.name))) {
      this.lost = true;
      throw new LockLostError(this.name);
    }
  }

  async release(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.backend.remove(this.name).catch(() => undefined);
  }
}
