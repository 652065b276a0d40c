// A set of blob ids (with a small value each) that does not live in the JS heap: stats over millions of
// chunks must not hold millions of hex strings. It is a throwaway LMDB environment under the
// repository's cache folder, removed on close; writes are batched (random 32-byte keys are slow in small
// transactions, see DEPENDENCIES.md) and the pending batch is also consulted on reads.

import { existsSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { open, type Database, type RootDatabase } from 'lmdb';

/** Puts held in memory before one write transaction. */
const BATCH_PUTS = 50_000;
const TEMP_PREFIX = 'tmp-seen-';

export class SeenSet {
  private readonly pending = new Map<string, Buffer>();

  private constructor(
    private readonly dir: string,
    private readonly env: RootDatabase,
    private readonly db: Database<Buffer, Buffer>,
  ) {}

  /** A new, empty set in `cacheDir` (leftovers of killed runs are removed first). */
  static create(cacheDir: string): SeenSet {
    removeOrphans(cacheDir);
    const dir = path.join(cacheDir, `${TEMP_PREFIX}${process.pid}-${randomBytes(4).toString('hex')}`);
    // Throwaway data: no fsync, no compression.
    const env = open({ path: dir, maxDbs: 1, compression: false, noSync: true });
    const db = env.openDB<Buffer, Buffer>({ name: 'seen', keyEncoding: 'binary', encoding: 'binary' });
    return new SeenSet(dir, env, db);
  }

  /** The value stored under key, or undefined. */
  get(key: Buffer): Buffer | undefined {
    const hit = this.pending.get(key.toString('latin1'));
    if (hit) return hit;
    const v = this.db.getBinaryFast(key);
    return v ? Buffer.from(v) : undefined;
  }

  has(key: Buffer): boolean {
    return this.pending.has(key.toString('latin1')) || this.db.doesExist(key);
  }

  /** Adds key with its value; false (and nothing changes) when it was there already. */
  add(key: Buffer, value: Buffer = EMPTY): boolean {
    if (this.has(key)) return false;
    this.pending.set(key.toString('latin1'), value);
    if (this.pending.size >= BATCH_PUTS) this.flush();
    return true;
  }

  private flush(): void {
    if (this.pending.size === 0) return;
    this.env.transactionSync(() => {
      for (const [k, v] of this.pending) this.db.putSync(Buffer.from(k, 'latin1'), v);
    });
    this.pending.clear();
  }

  async close(): Promise<void> {
    this.pending.clear();
    await this.env.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

const EMPTY = Buffer.alloc(0);

/** Temp sets of processes that no longer run (killed with -9): they are only wasted disk. */
function removeOrphans(cacheDir: string): void {
  if (!existsSync(cacheDir)) return;
  for (const name of readdirSync(cacheDir)) {
    if (!name.startsWith(TEMP_PREFIX)) continue;
    const pid = Number(name.slice(TEMP_PREFIX.length).split('-')[0]);
    if (Number.isInteger(pid) && pid > 0 && !alive(pid)) rmSync(path.join(cacheDir, name), { recursive: true, force: true });
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
