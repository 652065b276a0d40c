// The parent snapshot for change detection: the newest one with the same host and the same paths.

import type { Repository } from '../repository/repository.js';
import type { Snapshot } from '../repository/snapshotRecord.js';

export async function findParent(repo: Repository, hostname: string, paths: string[]): Promise<Snapshot | undefined> {
  const want = [...paths].sort().join('\0');
  const all = await repo.listSnapshots();
  for (let i = all.length - 1; i >= 0; i--) {
    const s = all[i]!;
    if (s.hostname === hostname && [...s.paths].sort().join('\0') === want) return s;
  }
  return undefined;
}
