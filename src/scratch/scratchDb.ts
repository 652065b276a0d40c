// scratch/ owns throw-away LMDB stores for one command (prune, check, repair, stats).
// A throw-away LMDB environment in a repository's cache folder, for sets and maps that can outgrow
// memory on a large repository (every referenced blob id, every index entry). It lives for one
// command: made empty, written without fsync (nothing in it has to survive a crash), removed at the
// end. Leftovers of killed processes are removed the next time one is made.

import { randomBytes } from 'node:crypto';
import { readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { Database, RootDatabase } from 'lmdb';
import { openCacheEnv } from '../blobindex/lmdbFile.js';
import { processAlive } from '../processAlive.js';

const SCRATCH_PREFIX = 'scratch-';
/** Writes held in memory before one LMDB transaction: random keys need big batches to be fast. */
const FLUSH_ENTRIES = 50_000;

export class ScratchDb {
  private readonly tables: ScratchTable[] = [];

  private constructor(
    readonly dir: string,
    private readonly env: RootDatabase,
  ) {}

  static open(cacheDir: string, purpose: string): ScratchDb {
    removeLeftovers(cacheDir);
    const dir = path.join(cacheDir, `${SCRATCH_PREFIX}${process.pid}-${purpose}-${randomBytes(4).toString('hex')}`);
    const env = openCacheEnv(dir, { maxDbs: 16, compression: false, noSync: true, noMetaSync: true });
    return new ScratchDb(dir, env);
  }

  table(name: string): ScratchTable {
    const db = this.env.openDB<Buffer, Buffer>({ name, keyEncoding: 'binary', encoding: 'binary' });
    const t = new ScratchTable(this.env, db);
    this.tables.push(t);
    return t;
  }

  async close(): Promise<void> {
    try {
      await this.env.close();
    } finally {
      rmSync(this.dir, { recursive: true, force: true });
    }
  }
}

/** A binary key → binary value table; writes are batched, reads see them at once. */
export class ScratchTable {
  private pending = new Map<string, Buffer>();

  constructor(
    private readonly env: RootDatabase,
    private readonly db: Database<Buffer, Buffer>,
  ) {}

  put(key: Buffer, value: Buffer): void {
    this.pending.set(key.toString('latin1'), Buffer.from(value));
    if (this.pending.size >= FLUSH_ENTRIES) this.flush();
  }

  /** The value (a copy), or undefined. */
  get(key: Buffer): Buffer | undefined {
    const p = this.pending.get(key.toString('latin1'));
    if (p) return p;
    const v = this.db.getBinaryFast(key);
    // lmdb's fast buffer is its shared read buffer with `length` set to the value's size: copied
    // with Buffer.from it copies the whole shared buffer into one of `length` bytes and throws
    // RangeError (every value past the first FLUSH_ENTRIES writes, i.e. check of any repository of
    // more than 50 000 blobs). A view of exactly the value is copied instead.
    return v ? Buffer.from(v.subarray(0, v.length)) : undefined;
  }

  has(key: Buffer): boolean {
    return this.pending.has(key.toString('latin1')) || this.db.doesExist(key);
  }

  flush(): void {
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    this.env.transactionSync(() => {
      for (const [k, v] of batch) this.db.putSync(Buffer.from(k, 'latin1'), v);
    });
  }

  /** Entries whose key starts with `prefix`, in key order (flushes first). */
  *withPrefix(prefix: Buffer): Generator<{ key: Buffer; value: Buffer }> {
    this.flush();
    const end = prefixEnd(prefix);
    for (const { key, value } of this.db.getRange({ start: prefix, end }) as Iterable<{ key: Buffer; value: Buffer }>) {
      yield { key: Buffer.from(key), value: Buffer.from(value) };
    }
  }

  /** Every entry in key order (flushes first). */
  *all(): Generator<{ key: Buffer; value: Buffer }> {
    this.flush();
    for (const { key, value } of this.db.getRange({}) as Iterable<{ key: Buffer; value: Buffer }>) {
      yield { key: Buffer.from(key), value: Buffer.from(value) };
    }
  }
}

/** The smallest key greater than every key that starts with `prefix` (undefined: no bound). */
function prefixEnd(prefix: Buffer): Buffer | undefined {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i]! < 0xff) {
      end[i] = end[i]! + 1;
      return end.subarray(0, i + 1);
    }
  }
  return undefined;
}

/** Scratch folders whose process is gone (killed mid-command) are removed. */
function removeLeftovers(cacheDir: string): void {
  let names: string[];
  try {
    names = readdirSync(cacheDir);
  } catch {
    return;
  }
  for (const n of names) {
    if (!n.startsWith(SCRATCH_PREFIX)) continue;
    const pid = Number(n.slice(SCRATCH_PREFIX.length).split('-')[0]);
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && !processAlive(pid)) {
      rmSync(path.join(cacheDir, n), { recursive: true, force: true });
    }
  }
}
