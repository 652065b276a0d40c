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
//
// An entry names its pack by (index file seq, place in that file's pack list): 22 bytes a value
// instead of 50, and the list of each file's blob ids is one value (`file_ids`), not a key per blob,
// so the cache is about half the size, and so are the pages a backup maps and dirties (docs/benchmarks.md).

import { randomBytes } from 'node:crypto';
import type { Database, RootDatabase } from 'lmdb';
import { ID_BYTES, type BlobId } from '../ids.js';
import type { IndexPack } from './indexFormat.js';
import { RunFiles, sortedOffsets } from './runFiles.js';
import { buildBeside } from './buildBeside.js';
import { isLmdbDamage, openCacheEnv, setAside } from './lmdbFile.js';
import { CACHE_VALUE_BYTES, cacheValuePackIndex, cacheValueSeq, readCacheValue, writeCacheValue, type CachedLocation } from './locationCodec.js';

/** Entries per LMDB write transaction when applying index files: random keys need big batches. */
const APPLY_BATCH_ENTRIES = 100_000;
/** Values of `blobs` and `shadowed`: index file seq, pack index, fields (locationCodec.ts). */
const VALUE_BYTES = CACHE_VALUE_BYTES;
const SEQ_KEY = 'next_seq';
const LAYOUT_KEY = 'layout';
/**
 * 2: entries shadowed by a newer file's are kept (`shadowed`). 3: values name their pack through the
 * file's pack list (`file_packs`), and each file's ids are one value (`file_ids`, was a `by_seq` key
 * per blob). A cache of another layout is rebuilt.
 */
const LAYOUT = 3;
/** The database of layout 2 that layout 3 replaced by `file_ids`: emptied on upgrade. */
const LEGACY_BY_SEQ = 'by_seq';
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
    private readonly filePacks: Database<Buffer, Buffer>,
    private readonly fileIds: Database<Buffer, Buffer>,
    private readonly shadowed: Database<Buffer, Buffer>,
  ) {}

  /**
   * The pack ids of each index file seq looked up so far. A seq is never used twice in one
   * environment (next_seq survives clear), so an entry stays right for the life of this object, even
   * when another process drops the file (no live value names the seq then).
   */
  private readonly packLists = new Map<number, string[]>();

  /**
   * Open (or create) the environment in `dir`. One that LMDB could not survive (lmdbFile.ts) is
   * moved aside first and an empty one made, with a notice: the index files rebuild it.
   */
  static open(dir: string, opts: { noSync?: boolean; onNotice?: CacheNotice } = {}): IndexCache {
    const env = openCacheEnv(dir, { maxDbs: 8, compression: false, ...(opts.noSync ? { noSync: true } : {}) }, (why, aside) => opts.onNotice?.(healedNotice(dir, why, aside)));
    const blobs = env.openDB<Buffer, Buffer>({ name: 'blobs', keyEncoding: 'binary', encoding: 'binary' });
    const files = env.openDB<number, string>({ name: 'files', keyEncoding: 'ordered-binary', encoding: 'msgpack' });
    const filePacks = env.openDB<Buffer, Buffer>({ name: 'file_packs', keyEncoding: 'binary', encoding: 'binary' });
    const fileIds = env.openDB<Buffer, Buffer>({ name: 'file_ids', keyEncoding: 'binary', encoding: 'binary' });
    const shadowed = env.openDB<Buffer, Buffer>({ name: 'shadowed', keyEncoding: 'binary', encoding: 'binary' });
    const cache = new IndexCache(env, blobs, files, filePacks, fileIds, shadowed);
    cache.upgradeLayout();
    return cache;
  }

  /** A cache written by an older layout lacks what this one relies on: it is emptied (rebuilt from index/). */
  private upgradeLayout(): void {
    const layout = this.env.get(LAYOUT_KEY);
    if (layout === LAYOUT) return;
    this.env.transactionSync(() => {
      if (this.files.getCount() > 0 || this.blobs.getCount() > 0) this.clearEntries();
      if (layout !== undefined) this.env.openDB<Buffer, Buffer>({ name: LEGACY_BY_SEQ, keyEncoding: 'binary' }).clearSync();
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
    for (let i = 0; i < names.length; i += loadConcurrency) {
      const group = names.slice(i, i + loadConcurrency);
      const loaded = await Promise.all(group.map(load));
      this.env.transactionSync(() => {
        loaded.forEach((packs, k) => {
          const fileSeq = seq++;
          packs.forEach((p, packIndex) => {
            for (const e of p.entries) {
              writeCacheValue(value, 0, fileSeq, packIndex, e);
              runs.add(e.id, value);
            }
          });
          this.putFileLists(fileSeq, packs);
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
      const seqOf = (at: number) => cacheValueSeq(data, at + ID_BYTES);
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
    return v ? this.locate(v) : undefined;
  }

  /**
   * The location in a value of `blobs`. A value naming a pack its file's list lacks (a cache damaged
   * outside LMDB's checks) locates nothing: a backup stores the blob again, restore says it is missing.
   */
  private locate(v: Buffer): CachedLocation | undefined {
    if (v.length !== VALUE_BYTES) return undefined;
    // Read all of `v` first: it may be getBinaryFast's buffer, which the pack list's read reuses.
    const loc = readCacheValue('', v);
    const packIndex = cacheValuePackIndex(v);
    const packId = this.packList(cacheValueSeq(v))?.[packIndex];
    if (packId === undefined) return undefined;
    loc.packId = packId;
    return loc;
  }

  /** The pack ids of index file `seq`, from `file_packs` once per seq (packLists). */
  private packList(seq: number): string[] | undefined {
    let packs = this.packLists.get(seq);
    if (packs) return packs;
    const list = this.filePacks.getBinaryFast(seqKey(seq));
    if (!list || list.length % ID_BYTES !== 0) return undefined;
    packs = [];
    for (let at = 0; at < list.length; at += ID_BYTES) packs.push(list.toString('hex', at, at + ID_BYTES));
    this.packLists.set(seq, packs);
    return packs;
  }

  /**
   * Record index file `seq`'s pack list and its blob ids (sorted, each once: dropFile visits each id
   * once, in key order). Inside a write transaction.
   */
  private putFileLists(seq: number, packs: IndexPack[]): void {
    const packList = Buffer.allocUnsafe(packs.length * ID_BYTES);
    packs.forEach((p, i) => packList.write(p.packId, i * ID_BYTES, ID_BYTES, 'hex'));
    const ids = Buffer.allocUnsafe(packs.reduce((n, p) => n + p.entries.length, 0) * ID_BYTES);
    let at = 0;
    for (const p of packs) for (const e of p.entries) at += e.id.copy(ids, at, 0, ID_BYTES);
    const sorted = Buffer.allocUnsafe(ids.length);
    let n = 0;
    for (const o of sortedOffsets(ids, ID_BYTES, ID_BYTES)) {
      if (n > 0 && sorted.compare(ids, o, o + ID_BYTES, n - ID_BYTES, n) === 0) continue;
      n += ids.copy(sorted, n, o, o + ID_BYTES);
    }
    const key = seqKey(seq);
    this.filePacks.putSync(key, packList);
    this.fileIds.putSync(key, sorted.subarray(0, n));
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
        // One value buffer for all entries: inside a write transaction putSync writes at once (LMDB
        // copies the bytes into its page), so it is free again when it returns. A fresh buffer per
        // entry cost ~20 % of this loop (test/blobindex checks every entry back).
        const value = Buffer.alloc(VALUE_BYTES);
        packs.forEach((p, packIndex) => {
          for (const e of p.entries) {
            writeCacheValue(value, 0, fileSeq, packIndex, e);
            // An entry of another file is kept as this blob's fallback (dropFile).
            // (getBinary, not getBinaryFast: a fast buffer cannot be copied inside a write transaction.)
            const found = this.blobs.getBinary(e.id);
            const old = found && found.length === VALUE_BYTES ? Buffer.from(found) : undefined;
            const oldSeq = old && cacheValueSeq(old);
            if (old && oldSeq !== fileSeq) this.shadowed.putSync(shadowKey(e.id, oldSeq!), old);
            this.blobs.putSync(e.id, value);
          }
        });
        this.putFileLists(fileSeq, packs);
        this.files.putSync(name, fileSeq);
      }
      this.env.putSync(SEQ_KEY, seq);
    });
  }

  private dropFile(name: string): void {
    this.env.transactionSync(() => {
      const seq = this.files.get(name);
      if (seq === undefined) return;
      const key = seqKey(seq);
      const ids = this.fileIds.getBinary(key) ?? EMPTY;
      let lost = false;
      for (let at = 0; at + ID_BYTES <= ids.length; at += ID_BYTES) {
        const id = ids.subarray(at, at + ID_BYTES);
        const v = this.blobs.getBinary(id);
        if (v && v.length === VALUE_BYTES && cacheValueSeq(v) === seq) {
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
      }
      this.fileIds.removeSync(key);
      this.filePacks.removeSync(key);
      this.packLists.delete(seq);
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
    this.filePacks.clearSync();
    this.fileIds.clearSync();
    this.shadowed.clearSync();
    // next_seq stays: a seq is never used twice in one environment (packLists, in this process and others).
    this.packLists.clear();
    this.newEpoch();
  }

  /** Every cached blob, in key order (for check and prune; streaming, no big arrays). */
  *entries(): Generator<{ id: BlobId; loc: CachedLocation }> {
    for (const { key, value } of this.blobs.getRange({}) as Iterable<{ key: Buffer; value: Buffer }>) {
      const loc = this.locate(value);
      if (loc) yield { id: Buffer.from(key) as BlobId, loc };
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

/** Key of a file's lists in `file_packs` and `file_ids`: its seq, big-endian. */
function seqKey(seq: number): Buffer {
  const k = Buffer.alloc(4);
  k.writeUInt32BE(seq);
  return k;
}

/** Key of a shadowed entry: blob id | file seq (big-endian, so one id's entries sort by seq). */
function shadowKey(id: Buffer, seq: number): Buffer {
  const k = Buffer.alloc(ID_BYTES + 4);
  id.copy(k, 0, 0, ID_BYTES);
  k.writeUInt32BE(seq, ID_BYTES);
  return k;
}
