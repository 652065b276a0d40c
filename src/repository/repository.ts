// An opened repository: the backend, its config and keys, the index cache, and reading and writing
// the objects every command needs. Commands (archiver/, restorer/, maintenance/) build on this.

import path from 'node:path';
import os from 'node:os';
import { mkdirSync } from 'node:fs';
import type { Backend } from '../backend/backend.js';
import { IdHasher, objectName, deriveGearBytes } from '../crypto/index.js';
import { STANDARD_GEAR, gearFromBytes } from '../chunker/index.js';
import { IntegrityError, NotFoundError } from '../errors.js';
import { asSnapshotId, type BlobId, type SnapshotId } from '../ids.js';
import type { IndexCache, CachedLocation } from '../index/indexCache.js';
import { decodeIndex, encodeIndex, type IndexPack } from '../index/indexFormat.js';
import { readBlobAt } from '../pack/packReader.js';
import type { RepoConfig } from './config.js';
import type { Crypt } from './crypt.js';
import { RepositoryLock, type LockOptions } from './lock.js';
import { decodeSnapshot, encodeSnapshot, type Snapshot, type SnapshotRecord } from './snapshotRecord.js';
import { appendLog, type LogEntry } from './auditLog.js';
import { listSnapshotsCached } from './snapshotCache.js';
import { crashPoint } from './crashPoint.js';

/** Tree blobs kept decoded in memory while walking (directories are revisited by ls, diff, restore). */
const TREE_CACHE_ENTRIES = 512;

export function defaultCacheDir(): string {
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'snap');
}

export class Repository {
  readonly idHasher: IdHasher;
  readonly gear: BigUint64Array;
  private readonly treeCache = new Map<string, Buffer>();
  private indexCache: IndexCache | undefined;
  private indexOpening: Promise<IndexCache> | undefined;
  /** The key file that opened the repository (encrypted repositories). */
  keyId: string | undefined;

  constructor(
    readonly backend: Backend,
    readonly config: RepoConfig,
    readonly crypt: Crypt,
    readonly cacheRoot: string,
  ) {
    const keys = crypt.keys;
    this.idHasher = new IdHasher(keys?.idKey);
    this.gear = keys && config.chunker.gear === 'keyed' ? gearFromBytes(deriveGearBytes(keys.chunkerKey)) : STANDARD_GEAR;
  }

  get location(): string {
    return this.backend.location;
  }

  /** The per-repository cache folder (LMDB index, verification records). */
  get cacheDir(): string {
    const dir = path.join(this.cacheRoot, this.config.id);
    mkdirSync(dir, { recursive: true });
    return dir;
  }

  /** The LMDB index cache, brought in step with index/ on first use. */
  index(): Promise<IndexCache> {
    // One pending open shared by every concurrent caller: LMDB environments are per process.
    this.indexOpening ??= (async () => {
      // lmdb is loaded on first use: commands that never need the index (list, log, key) skip it.
      let cache: IndexCache;
      try {
        const { IndexCache } = await import('../index/indexCache.js');
        cache = await IndexCache.openSynced(path.join(this.cacheDir, 'index'), await this.listIndexFiles(), (name) => this.loadIndexFile(name));
      } catch (e) {
        this.indexOpening = undefined;
        throw e;
      }
      this.indexCache = cache;
      return cache;
    })();
    return this.indexOpening;
  }

  async listIndexFiles(): Promise<string[]> {
    return (await this.backend.list('index/')).map((n) => n.slice('index/'.length));
  }

  async loadIndexFile(name: string): Promise<IndexPack[]> {
    const stored = await this.backend.get(`index/${name}`);
    if (objectName(stored) !== name) throw new IntegrityError(`index/${name} does not match its name (damaged)`, { object: `index/${name}` });
    return decodeIndex(this.crypt.open('index', stored), name);
  }

  /** Write an index file (durable before return) and apply it to the cache. */
  async saveIndexFile(packs: IndexPack[]): Promise<string> {
    const stored = this.crypt.seal('index', encodeIndex(packs));
    const name = objectName(stored);
    await this.backend.put(`index/${name}`, stored);
    (await this.index()).applyFiles([{ name, packs }]);
    return name;
  }

  async lookup(id: BlobId): Promise<CachedLocation | undefined> {
    return (await this.index()).lookup(id);
  }

  /** Read a blob, decrypt, decompress, and check it against its id (invariant 8). */
  async loadBlob(id: BlobId): Promise<Buffer> {
    const loc = await this.lookup(id);
    if (!loc) throw new IntegrityError(`blob ${id.toString('hex')} is not in the index (missing data)`, { blob: id.toString('hex') });
    const plain = await readBlobAt(this.backend, this.crypt, loc);
    this.verifyBlob(id, plain, loc.packId);
    return plain;
  }

  verifyBlob(id: BlobId, plain: Buffer, packId: string): void {
    if (!this.idHasher.hash(plain).equals(id)) {
      throw new IntegrityError(`blob ${id.toString('hex')} in pack ${packId} does not match its id (damaged data)`, {
        blob: id.toString('hex'),
        pack: packId,
      });
    }
  }

  /** Tree blobs, cached: walking a snapshot revisits them. */
  loadTreeBlob = async (id: BlobId): Promise<Buffer> => {
    const key = id.toString('hex');
    const hit = this.treeCache.get(key);
    if (hit) return hit;
    const blob = await this.loadBlob(id);
    if (this.treeCache.size >= TREE_CACHE_ENTRIES) this.treeCache.delete(this.treeCache.keys().next().value!);
    this.treeCache.set(key, blob);
    return blob;
  };

  async listSnapshotIds(): Promise<SnapshotId[]> {
    return (await this.backend.list('snapshots/')).map((n) => asSnapshotId(n.slice('snapshots/'.length)));
  }

  async loadSnapshot(id: SnapshotId): Promise<Snapshot> {
    let stored: Buffer;
    try {
      stored = await this.backend.get(`snapshots/${id}`);
    } catch (e) {
      if (e instanceof NotFoundError) throw new NotFoundError(`no snapshot ${id}`);
      throw e;
    }
    if (objectName(stored) !== id) throw new IntegrityError(`snapshots/${id} does not match its name (damaged)`, { snapshot: id } as never);
    return { ...decodeSnapshot(this.crypt.open('snapshot', stored), id), id };
  }

  /** All snapshots, oldest first. */
  async listSnapshots(): Promise<Snapshot[]> {
    const ids = await this.listSnapshotIds();
    // Only records new since the last run are read (snapshotCache.ts): records are immutable.
    const out = await listSnapshotsCached(path.join(this.cacheRoot, this.config.id, 'snapshots.json'), ids, (id) => this.loadSnapshot(id as SnapshotId), {
      seal: (plain) => this.crypt.seal('snapshot', plain),
      open: (stored) => this.crypt.open('snapshot', stored),
    });
    return out.sort((a, b) => Date.parse(a.time) - Date.parse(b.time) || a.id.localeCompare(b.id));
  }

  /** Written last and atomically (invariant 3): the backend writes temp, fsyncs, renames. */
  async saveSnapshot(r: SnapshotRecord): Promise<SnapshotId> {
    const stored = this.crypt.seal('snapshot', encodeSnapshot(r));
    const id = asSnapshotId(objectName(stored));
    await this.backend.put(`snapshots/${id}`, stored);
    crashPoint('snapshot-written');
    return id;
  }

  async removeSnapshot(id: SnapshotId): Promise<void> {
    await this.backend.remove(`snapshots/${id}`);
  }

  /** Take a shared or exclusive lock (a number is the --retry-lock time in ms, as before). */
  lock(exclusive: boolean, opts: LockOptions | number = {}): Promise<RepositoryLock> {
    return RepositoryLock.acquire(this.backend, this.crypt, exclusive, opts);
  }

  log(entry: Omit<LogEntry, 'time' | 'username' | 'hostname'>): Promise<void> {
    return appendLog(this.backend, this.crypt, entry);
  }

  async close(): Promise<void> {
    await this.indexCache?.close();
    this.indexCache = undefined;
    this.indexOpening = undefined;
    await this.backend.close();
  }
}
