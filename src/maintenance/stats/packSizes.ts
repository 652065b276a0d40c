// The repository's stored data: the sizes of its pack files as the backend reports them (headers,
// salts and unused blobs included: that is what the storage bill counts).

import type { Repository } from '../../repository/repository.js';
import { packNames } from '../../pack/packFormat.js';
import { mapPool } from '../../pool.js';

/** stat calls in flight (an S3 backend pays a round trip per pack). */
const STAT_CONCURRENCY = 16;

export async function packBytes(repo: Repository, progress?: (done: number, total: number) => void): Promise<{ packs: number; bytes: number }> {
  const names = packNames(await repo.backend.list('data/'));
  let bytes = 0;
  let done = 0;
  await mapPool(names, STAT_CONCURRENCY, async (name) => {
    const st = await repo.backend.stat(name);
    bytes += st?.size ?? 0; // vanished meanwhile (a concurrent prune): no longer stored
    progress?.(++done, names.length);
  });
  return { packs: names.length, bytes };
}
