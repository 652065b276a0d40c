// unlockRepository through the library: `removeAll` that removes a lock writes the same audit log
// entry as `snap unlock --remove-all` (the CLI only calls it); removing stale locks, or nothing,
// writes none.

import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { initRepository, LocalBackend, openRepository, readLog, unlockRepository, type Repository } from '../../src/index.js';
import { encodeLock, newLockRecord, thisProcess } from '../../src/repository/lockRecord.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function repository(): Promise<Repository> {
  const d = mkdtempSync(path.join(os.tmpdir(), 'snap-unlock-'));
  dirs.push(d);
  await initRepository(new LocalBackend(path.join(d, 'repo')), { encryption: 'none' });
  return openRepository({ location: path.join(d, 'repo'), password: async () => Buffer.alloc(0), cacheDir: path.join(d, 'cache') });
}

const operations = async (repo: Repository) => (await readLog(repo.backend, repo.crypt)).entries.map((e) => e.operation);

describe('unlockRepository', () => {
  it('removeAll removes a live lock and logs it', async () => {
    const repo = await repository();
    try {
      const before = await operations(repo);
      // A live holder's lock (this very process): only --remove-all takes it.
      await repo.backend.put('locks/aa', encodeLock(newLockRecord(thisProcess(), true, new Date())));
      expect((await unlockRepository(repo)).removed).toEqual([]);
      expect(await operations(repo)).toEqual(before);

      const r = await unlockRepository(repo, { removeAll: true });
      expect(r.removed.map((e) => [e.name, e.reason])).toEqual([['locks/aa', 'removed by --remove-all']]);
      expect(await repo.backend.list('locks/')).toEqual([]);
      const log = (await readLog(repo.backend, repo.crypt)).entries;
      expect(log.map((e) => e.operation)).toEqual([...before, 'unlock --remove-all']);
      expect(log.at(-1)).toMatchObject({ snapshot_ids: [], bytes_added: 0, bytes_freed: 0 });

      // Nothing left to remove: no entry.
      await unlockRepository(repo, { removeAll: true });
      expect(await operations(repo)).toEqual([...before, 'unlock --remove-all']);
    } finally {
      await repo.close();
    }
  });
});
