// repository/ owns an opened repository: its config, keys, locks, snapshots, the audit log, and
// blobs in and out.
// An opened repository: the backend, its config and keys, the index cache, and reading and writing
// the objects every command needs. Commands (archiver/, restorer/, maintenance/) build on this.

import path from 'node:path';
import { mkdirSync, realpathSync } from 'node:fs';
import { createHash } from 'node:crypto';
import type { Backend } from '../backend/backend.js';
import { IdHasher, objectName, deriveGearBytes } from '../crypto/index.js';
import { STANDARD_GEAR, gearFromBytes } from '../chunker/index.js';
import { IntegrityError, NotFoundError, SnapError, StorageError, UnsupportedFormatError } from '../errors.js';
import { asSnapshotId, type BlobId, type SnapshotId } from '../ids.js';
import type { IndexCache, CachedLocation } from '../blobindex/indexCache.js';
import { decodeIndex, encodeIndex, type IndexPack } from '../blobindex/indexFormat.js';
import { CACHE_DIR_MODE, privateDir } from '../blobindex/cacheFolder.js';
import { readBlobAt, type BlobLocation } from '../pack/packReader.js';
import type { RepoConfig } from './config.js';
import type { Crypt } from '../crypto/index.js';
import { RepositoryLock, type LockOptions } from './lock.js';
import { decodeSnapshot, encodeSnapshot, type Snapshot, type SnapshotRecord } from './snapshotRecord.js';
import { appendLog, readLog, verifyChain, type LogEntry, type StoredLogEntry } from './auditLog.js';
import {
  REMEMBERED_LOG_ENTRIES, indexGoneMessage, readSeen, reappeared, snapshotGoneMessage, unexplainedIndex, unexplainedSnapshots, vanished, writeSeen,
} from './rollback.js';
import { listSnapshotsCached } from './snapshotCache.js';
import { crashPoint } from './crashPoint.js';
import { listObjectIds } from './objectNames.js';

/** Something a command skipped and went on (an unreadable record): the CLI prints it on stderr and in --json. */
export interface RepoWarning {
  kind: 'snapshot_unreadable' | 'log_unreadable' | 'rollback' | 'log_gap' | 'log_modified' | 'log_unwritable' | 'storage';
  /** The object it is about, e.g. snapshots/<id> */
  object: string;
  message: string;
}

/** A snapshot record that cannot be read: listed, skipped, never fatal to a listing. */
export interface UnreadableSnapshot {
  id: SnapshotId;
  message: string;
}

/** Errors that mean "this stored record is damaged or gone", as opposed to an I/O failure. */
export function isRecordDamage(e: unknown): boolean {
  return e instanceof IntegrityError || e instanceof UnsupportedFormatError || e instanceof NotFoundError;
}

/** Tree blobs kept decoded in memory while walking (directories are revisited by ls, diff, restore). */
const TREE_CACHE_ENTRIES = 512;

export { defaultCacheDir } from '../blobindex/cacheFolder.js';

/** Hex digits of the location hash in a cache folder's name: enough to never collide by chance. */
const LOCATION_HASH_HEX = 16;

/**
 * `<id>-<hash of the canonical location>`. A local location is canonical once symlinks are
 * resolved (two paths to one directory share a cache); an id that is not 64 hex digits never
 * becomes a path (it comes from storage).
 */
export function cacheFolderName(id: string, location: string): string {
  if (!/^[0-9a-f]{64}$/.test(id)) throw new IntegrityError(`config: repository id ${JSON.stringify(id.slice(0, 80))} is not 64 hex digits`, { object: 'config' });
  let canonical = location;
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(location)) {
    try {
      canonical = realpathSync(location);
    } catch {
      // not reachable now: the resolved path is what it will be opened by
    }
  }
  return `${id}-${createHash('sha256').update(canonical).digest('hex').slice(0, LOCATION_HASH_HEX)}`;
}

/** An LMDB or file-system failure of the local cache, as an error that names the folder. */
function cacheFailure(e: unknown, dir: string): unknown {
  if (e instanceof SnapError) return e;
  const why = (e as Error)?.message ?? String(e);
  return new StorageError(`local cache ${dir}: ${why} (a full or failing file system? the folder may be deleted at any time: it is rebuilt from the repository)`, dir, { cause: e });
}

export class Repository {
  readonly idHasher: IdHasher;
  readonly gear: BigUint64Array;
  private readonly treeCache = new Map<string, Buffer>();
  private indexCache: IndexCache | undefined;
  private indexOpening: Promise<IndexCache> | undefined;
  private cacheFolder: string | undefined;
  /** What commands on this repository skipped, in order, without repeats (see RepoWarning). */
  readonly warnings: RepoWarning[] = [];
  /**
   * Where one-line notices go (the cache was damaged and rebuilt, ...): the CLI prints them. Until
   * it is set they are kept in `notices`.
   */
  onNotice: ((message: string) => void) | undefined;
  readonly notices: string[] = [];
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

  /**
   * The per-repository cache folder (LMDB index, verification records): `<id>-<location hash>`.
   * Bound to the location as well as the id: a `cp -a` copy of a repository has the same id but
   * not the same packs, and a cache shared by both would let a backup into one deduplicate
   * against blobs only the other holds.
   */
  get cacheDir(): string {
    if (!this.cacheFolder) {
      // The root is made private when snap makes it; the repository's folder always is (0700,
      // whatever the umask): it holds the size and place of every blob.
      mkdirSync(this.cacheRoot, { recursive: true, mode: CACHE_DIR_MODE });
      this.cacheFolder = privateDir(path.join(this.cacheRoot, cacheFolderName(this.config.id, this.backend.location)));
    }
    return this.cacheFolder;
  }

  /** The LMDB index cache, brought in step with index/ on first use. */
  blobIndex(): Promise<IndexCache> {
    // One pending open shared by every concurrent caller: LMDB environments are per process.
    this.indexOpening ??= (async () => {
      // lmdb is loaded on first use: commands that never need the index (list, log, key) skip it.
      let cache: IndexCache;
      const dir = path.join(this.cacheDir, 'index');
      try {
        const { IndexCache } = await import('../blobindex/indexCache.js');
        const names = await this.listIndexFiles();
        await this.noteIndexFiles(names);
        cache = await IndexCache.openSynced(dir, names, (name) => this.loadIndexFile(name), (m) => this.notice(m));
      } catch (e) {
        this.indexOpening = undefined;
        throw cacheFailure(e, dir);
      }
      this.indexCache = cache;
      return cache;
    })();
    return this.indexOpening;
  }

  /** Index file ids; names that are not ids are ignored with a warning (objectNames.ts). */
  listIndexFiles(): Promise<string[]> {
    return listObjectIds(this.backend, 'index', this.warn);
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
    const cache = await this.blobIndex();
    try {
      cache.applyFiles([{ name, packs }]);
    } catch (e) {
      throw cacheFailure(e, path.join(this.cacheDir, 'index'));
    }
    return name;
  }

  notice(message: string): void {
    if (this.onNotice) this.onNotice(message);
    else this.notices.push(message);
  }

  async lookup(id: BlobId): Promise<CachedLocation | undefined> {
    return (await this.blobIndex()).lookup(id);
  }

  /** Read a blob, decrypt, decompress, and check it against its id (invariant 8). */
  async loadBlob(id: BlobId): Promise<Buffer> {
    const loc = await this.lookup(id);
    if (!loc) throw notIndexed(id);
    return this.loadBlobAt(id, loc);
  }

  /** loadBlob at a location found elsewhere (check and repair trust the index files, not the cache). */
  loadBlobAt(id: BlobId, loc: BlobLocation): Promise<Buffer> {
    return readBlobAt(this.backend, this.crypt, this.idHasher, id, loc);
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
    return (await listObjectIds(this.backend, 'snapshots', this.warn)).map(asSnapshotId);
  }

  async loadSnapshot(id: SnapshotId): Promise<Snapshot> {
    const object = `snapshots/${id}`;
    let stored: Buffer;
    try {
      stored = await this.backend.get(object);
    } catch (e) {
      if (e instanceof NotFoundError) throw new NotFoundError(`no snapshot ${id}`);
      throw e;
    }
    if (objectName(stored) !== id) {
      const empty = stored.length === 0 ? ' (it is empty, 0 bytes: an interrupted upload?)' : '';
      throw new IntegrityError(`snapshot record ${object} is damaged: its content does not match its name${empty}`, { object });
    }
    let plain: Buffer;
    try {
      plain = this.crypt.open('snapshot', stored);
    } catch (e) {
      if (!(e instanceof IntegrityError)) throw e;
      throw new IntegrityError(`snapshot record ${object} is damaged: ${e.message}`, { object });
    }
    return { ...decodeSnapshot(plain, id), id };
  }

  /** Every snapshot that reads, oldest first, and the records that do not (for callers that must know: prune). */
  async listSnapshotsChecked(): Promise<{ snapshots: Snapshot[]; unreadable: UnreadableSnapshot[] }> {
    const ids = await this.listSnapshotIds();
    await this.noteSnapshotIds(ids);
    const unreadable: UnreadableSnapshot[] = [];
    const load = async (id: string): Promise<Snapshot | undefined> => {
      try {
        return await this.loadSnapshot(id as SnapshotId);
      } catch (e) {
        if (!isRecordDamage(e)) throw e;
        unreadable.push({ id: id as SnapshotId, message: (e as Error).message });
        return undefined;
      }
    };
    // Only records new since the last run are read (snapshotCache.ts): records are immutable.
    const out = await listSnapshotsCached(path.join(this.cacheDir, 'snapshots.json'), ids, load, {
      seal: (plain) => this.crypt.seal('snapshot', plain),
      open: (stored) => this.crypt.open('snapshot', stored),
    });
    unreadable.sort((a, b) => (a.id < b.id ? -1 : 1));
    return { snapshots: out.sort((a, b) => Date.parse(a.time) - Date.parse(b.time) || a.id.localeCompare(b.id)), unreadable };
  }

  /** All snapshots that read, oldest first; an unreadable record is skipped with a warning (issue 12). */
  async listSnapshots(): Promise<Snapshot[]> {
    const { snapshots, unreadable } = await this.listSnapshotsChecked();
    for (const u of unreadable) this.skipUnreadable(u);
    return snapshots;
  }

  /** Record that an unreadable snapshot record was skipped. */
  skipUnreadable(u: UnreadableSnapshot): void {
    this.warn({ kind: 'snapshot_unreadable', object: `snapshots/${u.id}`, message: `${u.message}; skipped` });
  }

  /**
   * Record what was skipped or looks wrong in storage, once per message (listings repeat within one
   * command). The core never prints: the CLI shows `warnings` after the command's own output and
   * puts them in its JSON document.
   */
  warn = (w: RepoWarning | string): void => {
    const warning: RepoWarning = typeof w === 'string' ? { kind: 'storage', object: '', message: w } : w;
    if (!this.warnings.some((x) => x.message === warning.message)) this.warnings.push(warning);
  };

  /** Written last and atomically (invariant 3): the backend writes temp, fsyncs, renames. */
  async saveSnapshot(r: SnapshotRecord): Promise<SnapshotId> {
    const stored = this.crypt.seal('snapshot', encodeSnapshot(r));
    const id = asSnapshotId(objectName(stored));
    await this.backend.put(`snapshots/${id}`, stored);
    crashPoint('snapshot-written');
    const seen = readSeen(this.seenFile);
    writeSeen(this.seenFile, { ...seen, snapshots: [...seen.snapshots, id] });
    return id;
  }

  async removeSnapshot(id: SnapshotId): Promise<void> {
    await this.backend.remove(`snapshots/${id}`);
  }

  /** Take back a record this process just saved (not logged yet): removed, and forgotten by rollback detection. */
  async withdrawSnapshot(id: SnapshotId): Promise<void> {
    await this.backend.remove(`snapshots/${id}`);
    const seen = readSeen(this.seenFile);
    writeSeen(this.seenFile, { ...seen, snapshots: seen.snapshots.filter((s) => s !== id) });
  }

  /** Take a shared or exclusive lock (a number is the --retry-lock time in ms, as before). */
  lock(exclusive: boolean, opts: LockOptions | number = {}): Promise<RepositoryLock> {
    return RepositoryLock.acquire(this.backend, this.crypt, exclusive, opts);
  }

  /** Append to the audit log, sealing its current heads; this client remembers the entry (rollback.ts). */
  async log(entry: Omit<LogEntry, 'time' | 'username' | 'hostname' | 'prev'>): Promise<void> {
    const id = await appendLog(this.backend, this.crypt, entry, { chainCache: path.join(this.cacheDir, 'log-chain.json') });
    const seen = readSeen(this.seenFile);
    writeSeen(this.seenFile, { ...seen, log: [...seen.log, id].slice(-REMEMBERED_LOG_ENTRIES) });
  }

  /**
   * Log a read of data (restore, dump) before it happens, so that a killed read is recorded too.
   * Storage that refuses the write (read-only media, credentials without put) does not stop the
   * read: it becomes a warning.
   */
  async logAccess(operation: string, snapshotId: string): Promise<void> {
    try {
      await this.log({ operation, snapshot_ids: [snapshotId], bytes_added: 0, bytes_freed: 0 });
    } catch (e) {
      if (!(e instanceof StorageError) && !(typeof (e as { code?: unknown })?.code === 'string')) throw e;
      this.warn({ kind: 'log_unwritable', object: 'log/', message: `the ${operation} could not be recorded in the audit log: ${(e as Error).message}` });
    }
  }

  /** This client's memory of the repository (rollback detection). */
  private get seenFile(): string {
    return path.join(this.cacheDir, 'seen.json');
  }

  /** Warn about remembered snapshot records that vanished unlogged; remember the current ones. */
  private async noteSnapshotIds(ids: readonly string[]): Promise<void> {
    const seen = readSeen(this.seenFile);
    const gone = vanished(seen.snapshots, ids);
    // Still unexplained ones stay remembered: the warning repeats until it is dealt with.
    const unexplained = gone.length > 0 ? unexplainedSnapshots(gone, (await readLog(this.backend, this.crypt)).entries) : [];
    for (const id of unexplained) this.warn({ kind: 'rollback', object: `snapshots/${id}`, message: snapshotGoneMessage(id) });
    const next = [...ids, ...unexplained].sort();
    if (next.join() !== [...seen.snapshots].sort().join()) writeSeen(this.seenFile, { ...readSeen(this.seenFile), snapshots: next });
  }

  /** The same for index files. */
  private async noteIndexFiles(names: readonly string[]): Promise<void> {
    const seen = readSeen(this.seenFile);
    const gone = vanished(seen.index, names);
    const logNames = gone.length > 0 || vanished(names, seen.index).length > 0 ? await this.backend.list('log/') : undefined;
    if (!logNames) return; // nothing changed
    const unexplained = gone.length > 0 ? unexplainedIndex(gone, (await readLog(this.backend, this.crypt)).entries, seen.log_known) : [];
    for (const n of unexplained) this.warn({ kind: 'rollback', object: `index/${n}`, message: indexGoneMessage(n) });
    writeSeen(this.seenFile, { ...readSeen(this.seenFile), index: [...names, ...unexplained], log_known: logNames });
  }

  /**
   * For check: the audit log's chain, and what this client remembers against what the repository
   * holds (vanished records and index files, forgotten records put back). Changes nothing.
   */
  async auditFindings(): Promise<{ errors: RepoWarning[]; notes: string[]; entries: StoredLogEntry[] }> {
    const { entries, unreadable } = await readLog(this.backend, this.crypt);
    const seen = readSeen(this.seenFile);
    const chain = verifyChain(entries, seen.log);
    const errors: RepoWarning[] = [...chain.errors];
    for (const u of unreadable) errors.push({ kind: 'log_unreadable', object: u.name, message: u.message });
    const ids = await this.listSnapshotIds();
    for (const id of unexplainedSnapshots(vanished(seen.snapshots, ids), entries)) errors.push({ kind: 'rollback', object: `snapshots/${id}`, message: snapshotGoneMessage(id) });
    for (const n of unexplainedIndex(vanished(seen.index, await this.listIndexFiles()), entries, seen.log_known)) {
      errors.push({ kind: 'rollback', object: `index/${n}`, message: indexGoneMessage(n) });
    }
    for (const r of reappeared(ids, entries)) {
      errors.push({ kind: 'rollback', object: `snapshots/${r.id}`, message: `snapshot ${r.id} was removed (${r.entry.operation} at ${r.entry.time}, ${r.entry.name}) but is back: an old record was put back (or that forget was killed before it got to this one: run it again)` });
    }
    const notes: string[] = [];
    if (chain.heads > 1) notes.push(`${chain.heads} audit log entries are not yet sealed by a later one (operations ran at the same time; the next one seals them)`);
    if (chain.unchained > 0) notes.push(`${chain.unchained} audit log entr${chain.unchained === 1 ? 'y was' : 'ies were'} written before entries were chained and cannot be verified`);
    return { errors, notes, entries };
  }

  async close(): Promise<void> {
    await this.indexCache?.close();
    this.indexCache = undefined;
    this.indexOpening = undefined;
    await this.backend.close();
  }
}

/** A blob a tree names that the index does not know: its content is missing (one message for every reader). */
export function notIndexed(id: BlobId): IntegrityError {
  return new IntegrityError(`blob ${id.toString('hex')} is not in the index (missing data)`, { blob: id.toString('hex') });
}
