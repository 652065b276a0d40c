// Directory fingerprints, kept in the cache folder: for each directory without subdirectories that
// a backup walked, a hash of its listing (every entry's name and lstat fields, the user and group
// names, the exclude settings) and the tree that listing produced. When tonight's listing hashes
// the same and the parent snapshot holds that very tree for the directory, the tree is taken as
// it is: no tree read from the repository, no entries built, no tree encoded or hashed. That is
// the same trust as the per-file check (size, mtime, ctime, inode), applied to a whole directory.
// Requiring the parent snapshot's tree keeps it safe: a tree of a forgotten snapshot may survive a
// prune while its data does not, but the parent's trees and data are alive. Keys and values are
// keyed hashes in an encrypted repository, so the cache shows nothing the repository hides. Like
// every cache here it is only a help: a cache that cannot be opened is no cache.
// A record also holds the index cache's epoch (IndexCache.epoch): when a blob has left the index
// since (prune, `repair index` dropping damaged blobs), the directory is walked in full, and every
// unchanged file's chunks are looked up again before its content is reused.

import path from 'node:path';
import type { BigIntStats } from 'node:fs';
import type { Database, RootDatabase } from 'lmdb';
import { openCacheEnv } from '../blobindex/lmdbFile.js';
import { ID_BYTES, type BlobId } from '../ids.js';
import type { IdHasher } from '../crypto/idHasher.js';

/** Bumped when what the fingerprint covers changes: old entries then never match. */
const FINGERPRINT_VERSION = 1;
/** Records written to LMDB in one transaction. */
const WRITE_BATCH = 4096;
/** lstat fields per entry in the fingerprint, 8 bytes each (host byte order: the cache is local). */
const STAT_FIELDS = 10;
/** Bytes of the index epoch in a record (a keyed hash of it: the cache shows nothing). */
const EPOCH_BYTES = 16;
/** A record: fingerprint | tree id | epoch. */
const RECORD_BYTES = 2 * ID_BYTES + EPOCH_BYTES;

export class DirCache {
  private pending: Array<[Buffer, Buffer]> = [];

  private constructor(
    private readonly env: RootDatabase | undefined,
    private readonly db: Database<Buffer, Buffer> | undefined,
    private readonly hasher: IdHasher,
    private readonly salt: Buffer,
    private readonly epoch: Buffer,
  ) {}

  /**
   * `settings`: everything besides the listing that shapes a tree (exclude patterns, one-file-system).
   * `indexEpoch`: the index cache's epoch now; records of another epoch never match.
   */
  static open(cacheDir: string, hasher: IdHasher, settings: string, indexEpoch: string): DirCache {
    const salt = Buffer.from(`snap dir fingerprint v${FINGERPRINT_VERSION}\0${settings}\0`);
    const epoch = hasher.hash(Buffer.from(`snap index epoch\0${indexEpoch}`)).subarray(0, EPOCH_BYTES);
    try {
      const dir = path.join(cacheDir, 'dirs');
      // No fsync: a lost write only means a directory is walked in full next time. A damaged
      // environment is set aside (openCacheEnv): it would crash the process, and it is only a help.
      const env = openCacheEnv(dir, { maxDbs: 2, compression: false, noSync: true, noMetaSync: true });
      const db = env.openDB<Buffer, Buffer>({ name: 'dirs', keyEncoding: 'binary', encoding: 'binary' });
      return new DirCache(env, db, hasher, salt, epoch);
    } catch {
      return new DirCache(undefined, undefined, hasher, salt, epoch);
    }
  }

  /** The fingerprint of a listing; undefined when an entry could not be lstat'ed (never cached). */
  fingerprint(dirPath: Buffer, names: Buffer[], stats: Array<BigIntStats | { error: unknown }>, nameOf: (st: BigIntStats) => string): Buffer | undefined {
    const parts: Buffer[] = [this.salt, dirPath, Buffer.of(0)];
    const fields = new BigUint64Array(names.length * STAT_FIELDS); // assignment wraps to 64 bits
    for (let i = 0; i < names.length; i++) {
      const st = stats[i]!;
      if (!('ino' in st)) return undefined;
      const o = i * STAT_FIELDS;
      fields[o] = st.mode;
      fields[o + 1] = st.uid;
      fields[o + 2] = st.gid;
      fields[o + 3] = st.size;
      fields[o + 4] = st.mtimeNs;
      fields[o + 5] = st.ctimeNs;
      fields[o + 6] = st.ino;
      fields[o + 7] = st.dev;
      fields[o + 8] = st.nlink;
      fields[o + 9] = st.rdev;
      const len = Buffer.allocUnsafe(4);
      len.writeUInt32LE(names[i]!.length);
      parts.push(len, names[i]!, Buffer.from(`${nameOf(st)}\0`));
    }
    parts.push(Buffer.from(fields.buffer));
    return this.hasher.hash(Buffer.concat(parts));
  }

  /** The tree recorded for this directory and fingerprint, if any. */
  tree(dirPath: Buffer, fingerprint: Buffer): BlobId | undefined {
    const v = this.db?.getBinaryFast(this.key(dirPath));
    if (!v || v.length !== RECORD_BYTES || !v.subarray(0, ID_BYTES).equals(fingerprint)) return undefined;
    if (!v.subarray(2 * ID_BYTES).equals(this.epoch)) return undefined;
    return Buffer.from(v.subarray(ID_BYTES, 2 * ID_BYTES)) as BlobId;
  }

  record(dirPath: Buffer, fingerprint: Buffer, tree: BlobId): void {
    if (!this.db) return;
    const key = this.key(dirPath);
    // Its own allocation, not a slice of Node's shared pool: a pending record would keep a whole
    // 8 KiB pool chunk alive until the batch is written.
    const value = Buffer.allocUnsafeSlow(RECORD_BYTES);
    fingerprint.copy(value, 0);
    tree.copy(value, ID_BYTES);
    this.epoch.copy(value, 2 * ID_BYTES);
    const v = this.db.getBinaryFast(key);
    if (v && v.equals(value)) return;
    // Written in batches: one LMDB write per directory costs more than the directory's walk.
    this.pending.push([key, value]);
    if (this.pending.length >= WRITE_BATCH) this.flush();
  }

  async close(): Promise<void> {
    try {
      this.flush();
      await this.env?.close();
    } catch {
      // a cache that cannot be written is no cache
    }
  }

  private flush(): void {
    const batch = this.pending;
    this.pending = [];
    if (!this.db || batch.length === 0) return;
    try {
      const db = this.db;
      db.transactionSync(() => {
        for (const [k, v] of batch) db.putSync(k, v);
      });
    } catch {
      // a cache that cannot be written is no cache
    }
  }

  private key(dirPath: Buffer): Buffer {
    return this.hasher.hash(Buffer.concat([this.salt, dirPath]));
  }
}
