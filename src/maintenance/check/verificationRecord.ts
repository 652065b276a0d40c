// When each pack was last read and verified by `check --read-data*`, kept in the repository's cache
// folder (a small LMDB environment: pack id → time). It steers `--read-data-subset PERCENT` to the
// packs verified least recently and lets check say how much of the repository was verified lately.
// It is bounded: entries of packs that no longer exist are dropped whenever check lists the packs.
// Losing it (a deleted cache) only means every pack counts as never verified.

import path from 'node:path';
import type { Database, RootDatabase } from 'lmdb';
import { openCacheEnv } from '../../blobindex/lmdbFile.js';

const TIME_BYTES = 8;

export class VerificationRecord {
  private constructor(
    private readonly env: RootDatabase,
    private readonly db: Database<Buffer, Buffer>,
  ) {}

  static open(cacheDir: string): VerificationRecord {
    // A damaged record is set aside (it would crash the process): packs then count as never verified.
    const env = openCacheEnv(path.join(cacheDir, 'verified'), { maxDbs: 2, compression: false });
    return new VerificationRecord(env, env.openDB<Buffer, Buffer>({ name: 'packs', keyEncoding: 'binary', encoding: 'binary' }));
  }

  /** Milliseconds since the epoch of the last verification, or undefined (never). */
  lastVerified(packId: string): number | undefined {
    const v = this.db.getBinaryFast(Buffer.from(packId, 'hex'));
    return v && v.length === TIME_BYTES ? v.readDoubleLE(0) : undefined;
  }

  record(packIds: string[], timeMs: number): void {
    if (packIds.length === 0) return;
    const v = Buffer.alloc(TIME_BYTES);
    v.writeDoubleLE(timeMs, 0);
    this.env.transactionSync(() => {
      for (const id of packIds) this.db.putSync(Buffer.from(id, 'hex'), v);
    });
  }

  /** Drop the entries of packs that are gone (pruned): keeps the record as small as the repository. */
  retainOnly(existing: Set<string>): number {
    const gone: Buffer[] = [];
    for (const key of this.db.getKeys({}) as Iterable<Buffer>) {
      if (!existing.has(Buffer.from(key).toString('hex'))) gone.push(Buffer.from(key));
    }
    if (gone.length) {
      this.env.transactionSync(() => {
        for (const k of gone) this.db.removeSync(k);
      });
    }
    return gone.length;
  }

  async close(): Promise<void> {
    await this.env.close();
  }
}
