// The lock judgement on its own: which fields make a pid checkable, and readLocks across the
// list/get race (an object that vanishes after it was listed) and unreadable objects. A real local
// backend; the race is made by a backend wrapper that really deletes the object before the read.

import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Backend } from '../../src/backend/backend.js';
import { LocalBackend } from '../../src/backend/local.js';
import { Crypt } from '../../src/crypto/index.js';
import { encodeLock, holderIsDead, newLockRecord, thisProcess, type LockRecord } from '../../src/repository/lockRecord.js';
import { readLocks, staleReason } from '../../src/repository/lockReader.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function backend(): LocalBackend {
  const d = mkdtempSync(path.join(os.tmpdir(), 'snap-lockreader-'));
  dirs.push(d);
  return new LocalBackend(d);
}

const self = thisProcess();
const record = (over: Partial<LockRecord> = {}): LockRecord => ({ ...newLockRecord(self, false, new Date()), ...over });

describe('holderIsDead', () => {
  const gone = () => undefined;
  it('judges a pid only when host, boot id and PID namespace all match', () => {
    expect(holderIsDead(record({ pid: 999_999 }), self, gone)).toBe(true);
    expect(holderIsDead(record({ pid: 999_999, pid_namespace: 'pid:[1]' }), self, gone)).toBe(false);
    expect(holderIsDead(record({ pid: 999_999, pid_namespace: '' }), self, gone)).toBe(false); // an older snap's lock
    expect(holderIsDead(record({ pid: 999_999, boot_id: 'other boot' }), self, gone)).toBe(false);
    expect(holderIsDead(record({ pid: 999_999, host: 'other-host' }), self, gone)).toBe(false);
  });
  it('a live pid with another start time is a reused pid: dead; with the same start time: alive', () => {
    expect(holderIsDead(record(), self)).toBe(false);
    expect(holderIsDead(record({ process_start: '1' }), self)).toBe(true);
  });
});

describe('readLocks', () => {
  const crypt = new Crypt(undefined);

  it('drops an object that vanished between list and get, and reads the rest', async () => {
    const b = backend();
    await b.put('locks/aa', encodeLock(record()));
    await b.put('locks/bb', encodeLock(record({ exclusive: true })));
    let gets = 0;
    const racing: Backend = Object.assign(Object.create(b) as Backend, {
      async get(name: string) {
        gets++;
        if (name === 'locks/aa') await b.remove(name); // released (or replaced) right after the list
        return b.get(name);
      },
    });
    const got = await readLocks(racing, crypt);
    expect(got.map((e) => e.name)).toEqual(['locks/bb']);
    expect(got[0]!.lock?.exclusive).toBe(true);
    expect(got[0]!.storedAt).toBeGreaterThan(Date.now() - 60_000);
    expect(gets).toBeGreaterThanOrEqual(3); // it listed again after the vanish
  });

  it('returns an unreadable object after re-reading it, unless told it is ignored anyway', async () => {
    const b = backend();
    await b.put('locks/cc', Buffer.from('garbage'));
    const started = Date.now();
    const got = await readLocks(b, crypt);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000); // three re-reads, 0.1 + 0.3 + 0.9 s apart
    expect(got).toHaveLength(1);
    expect(got[0]!.lock).toBeUndefined();
    expect(got[0]!.error).toContain('not JSON');
    const quick = Date.now();
    expect((await readLocks(b, crypt, { rereadUnreadable: false }))[0]!.lock).toBeUndefined();
    expect(Date.now() - quick).toBeLessThan(1000);
    // Fresh by storage time it counts; judged from half an hour later it is stale.
    const judge = { self, storageNow: Date.now(), staleMs: 30 * 60_000 };
    expect(staleReason(got[0]!, judge)).toBeUndefined();
    expect(staleReason(got[0]!, { ...judge, storageNow: Date.now() + 31 * 60_000 })).toBe('not refreshed');
  });
});
