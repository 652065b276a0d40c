// blobindex/ owns the index files and the LMDB cache of them. The cache lives in the cache directory
// (never in the repository), holds only entries of durable index files, and records which index
// files it has applied in the same transaction as their entries. Opening applies new files and
// drops vanished ones, so it costs what changed, not the size of the repository.
//
// A blob may be named by several index files (two hosts stored it at once; a prune wrote its new
// index before deleting the old one). `blobs` holds the newest file's entry; the others wait in
// `shadowed` (key: id | file seq), so dropping one file falls back to the next instead of forgetting
// a blob the repository still holds. `epoch` changes whenever a blob leaves the cache with no
// fallback (and on clear): whoever remembered "these blobs were indexed" (the directory
// fingerprints of create) knows then to look again.

import { randomBytes } from 'node:crypto';
import type { Database, RootDatabase } from 'lmdb';
import { ID_BYTES, type BlobId } from '../ids.js';
import type { IndexPack } from './indexFormat.js';
import { RunFiles, sortedOffsets } from './runFiles.js';
import { buildBeside } from './buildBeside.js';
import { isLmdbDamage, openCacheEnv, setAside } from './lmdbFile.js';
import { CACHED_LOCATION_BYTES, decodeLocation, locationSeq, writeLocationFields, writeLocationPack, writeLocationSeq, type CachedLocation } from './locationCodec.js';

/** Entries per LMDB write transaction when applying index files: random keys need big batches. */
const APPLY_BATCH_ENTRIES = 100_000;
/** Values of `blobs` and `shadowed`: a location with its index file seq (locationCodec.ts). */
const VALUE_BYTES = CACHED_LOCATION_BYTES;
const SEQ_KEY = 'next_seq';
const LAYOUT_KEY = 'layout';
/** 2: entries shadowed by a newer file's are kept (`shadowed`). A cache of another layout is rebuilt. */
const LAYOUT = 2;
const EPOCH_KEY = 'epoch';
/** Random bytes of an epoch (hex in the cache): enough that two never repeat. */
const EPOCH_BYTES = 16;
/**
 * A cold cache (nothing applied yet) facing at least this many index files is built in bulk: in
 * key order with MDB_APPEND into a fresh environment beside it, then swapped in. Applying millions
 * of random keys in 100 k transactions copies most of the B-tree on every commit (at 10 M entries:
 * tens of GB written, many minutes); appending sorted keys writes each page once.
 */
export const BULK_MIN_FILES = 32;
const RUN_RECORD_BYTES = ID_BYTES + VALUE_BYTES;
const EMPTY = Buffer.alloc(0);
type LoadIndexFile = (name: string) => Promise<IndexPack[]>;
/** One line for the user (the CLI prints it): the cache was damaged and has been rebuilt. */
export type CacheNotice = (message: string) => void;

export type { CachedLocation } from './locationCodec.js';

export class IndexCache {
  private constructor(
    private readonly env: RootDatabase,
    private readonly blobs: Database<Buffer, Buffer>,
    private readonly files: Database<number, string>,
    private readonly bySeq: Database<Buffer, Buffer>,
    private readonly shadowed: Database<Buffer, Buffer>,
  ) {}

  /**
   * Open (or create) the environment in `dir`. One that LMDB could not survive (lmdbFile.ts) is
   * moved aside first and an empty one made, with a notice: the index files rebuild it.
   */
  static open(dir: string, opts: { noSync?: boolean; onNotice?: CacheNotice } = {}): IndexCache {
    const env = openCacheEnv(dir, { maxDbs: 8, compression: false, ...(opts.noSync ? { noSync: true } : {}) }, (why, aside) => opts.onNotice?.(healedNotice(dir, why, aside)));
    const blobs = env.openDB<Buffer, Buffer>({ name: 'blobs', keyEncoding: 'binary', encoding: 'binary' });
    const files = env.openDB<number, string>({ name: 'files', keyEncoding: 'ordered-binary', encoding: 'msgpack' });
    const bySeq = env.openDB<Buffer, Buffer>({ name: 'by_seq', keyEncoding: 'binary', encoding: 'binary' });
    const shadowed = env.openDB<Buffer, Buffer>({ name: 'shadowed', keyEncoding: 'binary', encoding: 'binary' });
    const cache = new IndexCache(env, blobs, files, bySeq, shadowed);
    cache.upgradeLayout();
    return cache;
  }

  /** A cache written by an older layout lacks what this one relies on: it is emptied (rebuilt from index/). */
  private upgradeLayout(): void {
    if (this.env.get(LAYOUT_KEY) === LAYOUT) return;
    this.env.transactionSync(() => {
      if (this.files.getCount() > 0 || this.blobs.getCount() > 0) this.clearEntries();
      this.env.putSync(LAYOUT_KEY, LAYOUT);
      if (this.env.get(EPOCH_KEY) === undefined) this.newEpoch();
    });
  }

  /** Changes whenever a blob may have left the cache for good (see the head of this file). */
  epoch(): string {
    return (this.env.get(EPOCH_KEY) as string | undefined) ?? '';
  }

  private newEpoch(): void {
    this.env.putSync(EPOCH_KEY, randomBytes(EPOCH_BYTES).toString('hex'));
  }

  /**
   * Open the cache in `dir` and bring it in step with the index files `present` (Repository.blobIndex()).
   * A cold cache with many files to apply is built in bulk first (BULK_MIN_FILES).
   */
  static async openSynced(dir: string, present: string[], load: LoadIndexFile, onNotice?: CacheNotice): Promise<IndexCache> {
    try {
      return await IndexCache.openSyncedOnce(dir, present, load, onNotice);
    } catch (e) {
      // Damage the meta pages did not show, found by LMDB itself: start afresh once.
      if (!isLmdbDamage(e)) throw e;
      onNotice?.(healedNotice(dir, (e as Error).message, setAside(dir)));
      return IndexCache.openSyncedOnce(dir, present, load, onNotice);
    }
  }

  private static async openSyncedOnce(dir: string, present: string[], load: LoadIndexFile, onNotice?: CacheNotice): Promise<IndexCache> {
    let cache: IndexCache | undefined = IndexCache.open(dir, { onNotice });
    try {
      if (present.length >= BULK_MIN_FILES && cache.files.getCount() === 0 && cache.blobs.getCount() === 0) {
        await cache.close();
        cache = undefined;
        await buildBeside(dir, async (envDir, scratchDir) => {
          // A private environment until it is swapped in: no fsync per commit, one at the end.
          const built = IndexCache.open(envDir, { noSync: true });
          const runs = new RunFiles(scratchDir, RUN_RECORD_BYTES);
          try {
            await built.bulkLoad(present, load, runs);
          } finally {
            runs.remove();
            await built.close();
          }
        });
        cache = IndexCache.open(dir);
      }
      await cache.sync(present, load);
      return cache;
    } catch (e) {
      await cache?.close();
      throw e;
    }
  }

  /**
   * Fill this (fresh, private) environment: entries go to run files by their first byte while the
   * per-file records are written, then each run is sorted and appended in key order. Of entries
   * with the same id, the newest file's wins, as in applyFiles.
   */
  private async bulkLoad(names: string[], load: LoadIndexFile, runs: RunFiles, loadConcurrency = 8): Promise<void> {
    let seq = 1;
    const value = Buffer.alloc(VALUE_BYTES);
    const seqKey = Buffer.alloc(4 + ID_BYTES);
    for (let i = 0; i < names.length; i += loadConcurrency) {
      const group = names.slice(i, i + loadConcurrency);
      const loaded = await Promise.all(group.map(load));
      this.env.transactionSync(() => {
        loaded.forEach((packs, k) => {
          const fileSeq = seq++;
          const ids = Buffer.allocUnsafe(packs.reduce((n, p) => n + p.entries.length, 0) * ID_BYTES);
          let at = 0;
          writeLocationSeq(value, fileSeq);
          for (const p of packs) {
            writeLocationPack(value, p.packId);
            for (const e of p.entries) {
              writeLocationFields(value, ID_BYTES, e);
              runs.add(e.id, value);
              e.id.copy(ids, at);
              at += ID_BYTES;
            }
          }
          // by_seq keys are (seq, id): files come in seq order, so sorted ids append.
          seqKey.writeUInt32BE(fileSeq, 0);
          let prev = -1;
          for (const o of sortedOffsets(ids, ID_BYTES, ID_BYTES)) {
            if (prev >= 0 && ids.compare(ids, prev, prev + ID_BYTES, o, o + ID_BYTES) === 0) continue;
            ids.copy(seqKey, 4, o, o + ID_BYTES);
            this.bySeq.putSync(seqKey, EMPTY, { append: true });
            prev = o;
          }
          this.files.putSync(group[k]!, fileSeq);
        });
      });
    }
    runs.finish();
    const R = RUN_RECORD_BYTES;
    for (let r = 0; r < RunFiles.count; r++) {
      const data = runs.take(r);
      const n = data.length / R;
      if (n === 0) continue;
      // Runs fill in file order, so among equal ids the newest file's record comes last.
      const order = sortedOffsets(data, R, ID_BYTES, 1);
      const sameId = (a: number, b: number) => data.compare(data, b, b + ID_BYTES, a, a + ID_BYTES);
      const seqOf = (at: number) => locationSeq(data, at + ID_BYTES);
      this.env.transactionSync(() => {
        for (let j = 0; j < n; j++) {
          const at = order[j]!;
          if (j + 1 < n && sameId(at, order[j + 1]!) === 0) {
            // An older file's entry (ascending seq within equal ids): kept as the fallback.
            const next = order[j + 1]!;
            if (seqOf(at) !== seqOf(next)) this.shadowed.putSync(shadowKey(data.subarray(at, at + ID_BYTES), seqOf(at)), data.subarray(at + ID_BYTES, at + R), { append: true });
            continue;
          }
          this.blobs.putSync(data.subarray(at, at + ID_BYTES), data.subarray(at + ID_BYTES, at + R), { append: true });
        }
      });
    }
    this.env.putSync(SEQ_KEY, seq);
    this.env.putSync(LAYOUT_KEY, LAYOUT);
    this.newEpoch();
  }

  lookup(id: BlobId): CachedLocation | undefined {
    const v = this.blobs.getBinaryFast(id);
    return v ? decodeLocation(v) : undefined;
  }

  has(id: BlobId): boolean {
    return this.blobs.doesExist(id);
  }

  /** Index file names already applied. */
  appliedFiles(): Set<string> {
    return new Set(this.files.getKeys() as Iterable<string>);
  }

  /**
   * Bring the cache in step with the index files that exist now: apply the new ones first (so a
   * blob moved by prune keeps a location), then drop the entries of files that are gone.
   */
  async sync(present: string[], load: (name: string) => Promise<IndexPack[]>, loadConcurrency = 8): Promise<{ applied: number; dropped: number }> {
    const applied = this.appliedFiles();
    const fresh = present.filter((n) => !applied.has(n));
    let batch: Array<{ name: string; packs: IndexPack[] }> = [];
    let batchEntries = 0;
    for (let i = 0; i < fresh.length; i += loadConcurrency) {
      const names = fresh.slice(i, i + loadConcurrency);
      const loaded = await Promise.all(names.map(async (name) => ({ name, packs: await load(name) })));
      for (const f of loaded) {
        batch.push(f);
        batchEntries += f.packs.reduce((n, p) => n + p.entries.length, 0);
        if (batchEntries >= APPLY_BATCH_ENTRIES) {
          this.applyFiles(batch);
          batch = [];
          batchEntries = 0;
        }
      }
    }
    if (batch.length) this.applyFiles(batch);
    const presentSet = new Set(present);
    const gone = [...applied].filter((n) => !presentSet.has(n));
    for (const name of gone) this.dropFile(name);
    return { applied: fresh.length, dropped: gone.length };
  }

  /** Apply index files in one transaction; files already applied (by another process) are skipped. */
  applyFiles(files: Array<{ name: string; packs: IndexPack[] }>): void {
    this.env.transactionSync(() => {
      let seq = (this.env.get(SEQ_KEY) as number | undefined) ?? 1;
      for (const { name, packs } of files) {
        if (this.files.get(name) !== undefined) continue;
        const fileSeq = seq++;
        const seqKey = Buffer.alloc(4 + ID_BYTES);
        seqKey.writeUInt32BE(fileSeq, 0);
        // One value and one key buffer for all entries: inside a write transaction putSync writes
        // at once (LMDB copies the bytes into its page), so they are free again when it returns.
        // A fresh pair per entry cost ~20 % of this loop (test/blobindex checks every entry back).
        const value = Buffer.alloc(VALUE_BYTES);
        for (const p of packs) {
          writeLocationPack(value, p.packId);
          writeLocationSeq(value, fileSeq);
          for (const e of p.entries) {
            writeLocationFields(value, ID_BYTES, e);
            // An entry of another file is kept as this blob's fallback (dropFile).
            // (getBinary, not getBinaryFast: a fast buffer cannot be copied inside a write transaction.)
            const found = this.blobs.getBinary(e.id);
            const old = found && found.length === VALUE_BYTES ? Buffer.from(found) : undefined;
            const oldSeq = old && locationSeq(old);
            if (old && oldSeq !== fileSeq) this.shadowed.putSync(shadowKey(e.id, oldSeq!), old);
            this.blobs.putSync(e.id, value);
            e.id.copy(seqKey, 4);
            this.bySeq.putSync(seqKey, EMPTY);
          }
        }
        this.files.putSync(name, fileSeq);
      }
      this.env.putSync(SEQ_KEY, seq);
    });
  }

  private dropFile(name: string): void {
    this.env.transactionSync(() => {
      const seq = this.files.get(name);
      if (seq === undefined) return;
      const start = Buffer.alloc(4);
      start.writeUInt32BE(seq);
      const end = Buffer.alloc(4);
      end.writeUInt32BE(seq + 1);
      let lost = false;
      for (const key of this.bySeq.getKeys({ start, end }) as Iterable<Buffer>) {
        const id = Buffer.from(key.subarray(4));
        const v = this.blobs.getBinary(id);
        if (v && locationSeq(v) === seq) {
          // This file's entry was the live one: the newest other file naming the blob takes over.
          const next = this.newestShadow(id);
          if (next) {
            this.blobs.putSync(id, next.value);
            this.shadowed.removeSync(next.key);
          } else {
            this.blobs.removeSync(id);
            lost = true;
          }
        } else {
          this.shadowed.removeSync(shadowKey(id, seq));
        }
        this.bySeq.removeSync(Buffer.from(key));
      }
      this.files.removeSync(name);
      if (lost) this.newEpoch();
    });
  }

  /** The shadowed entry of `id` from the newest file, if any. */
  private newestShadow(id: Buffer): { key: Buffer; value: Buffer } | undefined {
    let best: { key: Buffer; value: Buffer } | undefined;
    const end = Buffer.concat([shadowKey(id, 0xffffffff), Buffer.of(0)]);
    for (const { key, value } of this.shadowed.getRange({ start: shadowKey(id, 0), end }) as Iterable<{ key: Buffer; value: Buffer }>) {
      if (value.length === VALUE_BYTES) best = { key: Buffer.from(key), value: Buffer.from(value) };
    }
    return best;
  }

  /** Forget everything (repair index). */
  clear(): void {
    this.env.transactionSync(() => this.clearEntries());
  }

  private clearEntries(): void {
    this.blobs.clearSync();
    this.files.clearSync();
    this.bySeq.clearSync();
    this.shadowed.clearSync();
    this.env.removeSync(SEQ_KEY);
    this.newEpoch();
  }

  /** Every cached blob, in key order (for check and prune; streaming, no big arrays). */
  *entries(): Generator<{ id: BlobId; loc: CachedLocation }> {
    for (const { key } of this.blobs.getRange({}) as Iterable<{ key: Buffer }>) {
      const id = Buffer.from(key) as BlobId;
      const loc = this.lookup(id);
      if (loc) yield { id, loc };
    }
  }

  count(): number {
    return this.blobs.getCount();
  }

  async close(): Promise<void> {
    await this.env.close();
  }
}

function healedNotice(dir: string, why: string, aside: string): string {
  return `the index cache ${dir} was damaged (${why}); set it aside (${aside}) and rebuilt it from the repository's index files`;
}

/** Key of a shadowed entry: blob id | file seq (big-endian, so one id's entries sort by seq). */
function shadowKey(id: Buffer, seq: number): Buffer {
  const k = Buffer.alloc(ID_BYTES + 4);
  id.copy(k, 0, 0, ID_BYTES);
  k.writeUInt32BE(seq, ID_BYTES);
  return k;
}
