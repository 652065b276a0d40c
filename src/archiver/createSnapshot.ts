// archiver/ owns `create`: walking the source, change detection against the parent snapshot, and the
// chunk pipeline into the repository.
// `snap create`: back up paths into a new snapshot. Like restic, the snapshot's root mirrors the
// absolute paths given (backing up /home/me/data stores home → me → data), with the metadata of the
// real ancestor directories. Blobs go first, then index files, then the snapshot record (last).

import os from 'node:os';
import path from 'node:path';
import { promises as fs } from 'node:fs';
import { VERSION } from '../version.js';
import { InterruptedError, InvalidArgumentError, NotFoundError } from '../errors.js';
import type { BlobId, SnapshotId } from '../ids.js';
import { BlobSaver } from '../repository/blobSaver.js';
import { pausePoint } from '../repository/crashPoint.js';
import type { Repository } from '../repository/repository.js';
import { localIsoTime, SNAPSHOT_FORMAT_VERSION, type Snapshot } from '../repository/snapshotRecord.js';
import { entryFromStat, EntryType, UserGroupNames, type TreeEntry } from '../tree/index.js';
import type { ArchiveContext, CreateProgress } from './context.js';
import { compileExcludes } from './excludes.js';
import { addNames, completeEntry, completeFile, fail, loadParentDir, saveTree, type ParentEntries } from './saveDir.js';
import { chunkStream, hashed, saveChunks, STREAMED_FILES_AT_ONCE } from './saveFile.js';
import { Limiter } from '../pool.js';
import { ChunkWorkers, defaultChunkWorkers } from './chunkWorkers.js';
import { defaultSmallFileWorkers, SmallFileWorkers } from './smallFileWorkers.js';
import { findParent } from './findParent.js';
import { DirCache } from './dirCache.js';
import { checkCommitPoint } from './commitPoint.js';
import { loadMarks } from '../maintenance/prune/condemned.js';

export interface CreateOptions {
  paths: string[];
  tags?: string[];
  host?: string;
  excludes?: string[];
  oneFileSystem?: boolean;
  parent?: Snapshot;
  /** Snapshot time to record (ISO-8601); default now. */
  time?: string;
  dryRun?: boolean;
  stdin?: { stream: AsyncIterable<Buffer>; filename: string };
  progress?: (p: CreateProgress) => void;
  signal?: AbortSignal;
  /** Threads that read, hash and encode files below the chunker's minimum; default defaultSmallFileWorkers() (cores − 1, at least 1), 0 = none. */
  smallFileWorkers?: number;
  /** Small files read on the main thread before those workers start; default WORKER_START_FILES. */
  smallFileWorkerStart?: number;
  /** Chunking worker threads for big files; default defaultChunkWorkers() (cores beyond two), 0 = none. */
  chunkWorkers?: number;
  /** HOOK (locks): throws when this process's lock is no longer held; asked at the commit point. */
  checkLock?: () => Promise<void>;
  /** HOOK (memory): a young-generation garbage collection (SaverOptions.collectYoung); none by default. */
  collectYoung?: () => void;
  /** Fresh buffer bytes between two collectYoung calls (SaverOptions.youngGcBytes). */
  youngGcBytes?: number;
}

export interface CreateSummary {
  snapshot_id: string | null;
  parent_id: string | null;
  files_new: number;
  files_changed: number;
  files_unmodified: number;
  dirs: number;
  bytes_read: number;
  bytes_added: number;
  bytes_stored: number;
  duration_s: number;
  files_failed: Array<{ path: string; error: string }>;
  /** Files and logical bytes in the whole snapshot (restic: total_files_processed / total_bytes_processed). */
  total_files: number;
  total_bytes: number;
  dry_run?: boolean;
}

interface PathNode {
  children: Map<string, PathNode>;
  name: Buffer;
  target: boolean;
}

export async function createSnapshot(repo: Repository, opts: CreateOptions): Promise<CreateSummary> {
  const started = performance.now();
  const hostname = opts.host ?? os.hostname();
  const paths = opts.stdin ? [`/${opts.stdin.filename}`] : opts.paths.map((p) => path.resolve(p));
  if (paths.length === 0) throw new InvalidArgumentError('create: no paths given');
  const time = normalizeTime(opts.time);
  const parent = opts.parent ?? (await findParent(repo, hostname, paths));
  // Never deduplicate against a condemned pack: a prune deletes it once its grace period is over.
  const saver = new BlobSaver(repo, opts.dryRun, {
    avoidPacks: new Set((await loadMarks(repo)).byPack.keys()),
    collectYoung: opts.collectYoung,
    youngGcBytes: opts.youngGcBytes,
  });
  const ctx: ArchiveContext = {
    repo,
    saver,
    exclude: compileExcludes(opts.excludes ?? []),
    oneFileSystem: opts.oneFileSystem ?? false,
    names: new UserGroupNames(),
    counters: { filesNew: 0, filesChanged: 0, filesUnmodified: 0, dirs: 0, bytesRead: 0, totalBytes: 0, failed: [] },
    hardlinks: new Map(),
    progress: opts.progress ?? (() => undefined),
    streamedFiles: new Limiter(STREAMED_FILES_AT_ONCE),
    signal: opts.signal,
  };
  const parentRoot = parent ? await loadParentDir(ctx, Buffer.from(parent.tree, 'hex') as BlobId) : undefined;
  // Opened before the workers start (a cache that will not open must not leave threads behind).
  const indexEpoch = (await repo.blobIndex()).epoch();
  let rootId: BlobId;
  const workers = opts.chunkWorkers ?? defaultChunkWorkers();
  ctx.workers = opts.stdin || workers <= 0 ? undefined : new ChunkWorkers(repo, workers);
  const smallWorkers = opts.smallFileWorkers ?? defaultSmallFileWorkers();
  ctx.smallFiles = opts.stdin || smallWorkers <= 0 ? undefined : new SmallFileWorkers(repo, smallWorkers, opts.smallFileWorkerStart);
  if (!opts.stdin && !opts.dryRun) ctx.dirCache = DirCache.open(repo.cacheDir, repo.idHasher, JSON.stringify({ excludes: opts.excludes ?? [], oneFileSystem: ctx.oneFileSystem }), indexEpoch);
  try {
    rootId = opts.stdin ? await saveStdinRoot(ctx, opts.stdin) : await saveRoot(ctx, paths, parentRoot);
    await saver.flush();
  } catch (e) {
    await saver.abort();
    throw e;
  } finally {
    await ctx.workers?.close();
    await ctx.smallFiles?.close();
    await ctx.dirCache?.close();
  }
  await pausePoint('create-before-snapshot');
  // An interrupt (or a lost lock) that came after the walk's last check still means "no new snapshot".
  if (opts.signal?.aborted) throw new InterruptedError();
  const c = ctx.counters;
  const summary: CreateSummary = {
    snapshot_id: null,
    parent_id: parent?.id ?? null,
    files_new: c.filesNew,
    files_changed: c.filesChanged,
    files_unmodified: c.filesUnmodified,
    dirs: c.dirs,
    bytes_read: c.bytesRead,
    bytes_added: saver.stats.bytesAdded,
    bytes_stored: saver.stats.bytesStored,
    duration_s: Math.round((performance.now() - started) / 10) / 100,
    files_failed: c.failed,
    total_files: c.filesNew + c.filesChanged + c.filesUnmodified,
    total_bytes: c.totalBytes,
  };
  if (opts.dryRun) return { ...summary, dry_run: true };
  await pausePoint('create-commit');
  await checkCommitPoint(repo, saver, { checkLock: opts.checkLock });
  await pausePoint('create-record');
  const id: SnapshotId = await repo.saveSnapshot({
    version: SNAPSHOT_FORMAT_VERSION,
    time,
    hostname,
    username: os.userInfo().username,
    paths,
    tags: opts.tags ?? [],
    tree: rootId.toString('hex'),
    parent: parent?.id ?? null,
    program_version: `snap ${VERSION}`,
    partial: c.failed.length > 0,
    original: null,
    summary: { ...summary, snapshot_id: null, tree_bytes_added: saver.stats.treeBytesAdded, tree_bytes_stored: saver.stats.treeBytesStored },
  });
  // The same check once the record is stored: a create held up between the check and the write
  // (suspended, or a slow write) may have outlived a grace period or its lock meanwhile, and a prune
  // that listed the snapshots before the record existed may delete what it uses. Then it is taken back.
  try {
    await checkCommitPoint(repo, saver, { checkLock: opts.checkLock });
  } catch (e) {
    await repo.withdrawSnapshot(id);
    throw e;
  }
  await repo.log({ operation: 'create', snapshot_ids: [id], bytes_added: saver.stats.bytesStored + saver.stats.treeBytesStored, bytes_freed: 0 });
  return { ...summary, snapshot_id: id };
}

function normalizeTime(t: string | undefined): string {
  if (!t) return localIsoTime(new Date());
  const ms = Date.parse(t);
  if (Number.isNaN(ms)) throw new InvalidArgumentError(`--time: not an ISO-8601 time: '${t}'`);
  // Keep an explicit offset as given (retention buckets use the recorded local time).
  return /(?:[+-]\d\d:\d\d|Z)$/.test(t) ? t : localIsoTime(new Date(ms));
}

function buildPathTrie(paths: string[]): PathNode {
  const root: PathNode = { children: new Map(), name: Buffer.from('/'), target: false };
  for (const p of paths) {
    let node = root;
    for (const part of p.split('/').filter(Boolean)) {
      let child = node.children.get(part);
      if (!child) node.children.set(part, (child = { children: new Map(), name: Buffer.from(part), target: false }));
      node = child;
    }
    node.target = true;
  }
  return root;
}

async function saveRoot(ctx: ArchiveContext, paths: string[], parentRoot: ParentEntries): Promise<BlobId> {
  const trie = buildPathTrie(paths);
  if (trie.target) throw new InvalidArgumentError('create: backing up / as a whole is not supported; name the directories');
  for (const p of paths) {
    try {
      await fs.lstat(p);
    } catch {
      throw new NotFoundError(`create: source path ${p} does not exist`);
    }
  }
  return saveTrieDir(ctx, trie, Buffer.from('/'), parentRoot);
}

async function saveTrieDir(ctx: ArchiveContext, node: PathNode, dirPath: Buffer, parent: ParentEntries): Promise<BlobId> {
  const entries: TreeEntry[] = [];
  const children = [...node.children.values()].sort((a, b) => Buffer.compare(a.name, b.name));
  for (const child of children) {
    const full = Buffer.from(path.join(dirPath.toString(), child.name.toString()));
    const prev = parent?.get(child.name.toString('latin1'));
    let st;
    try {
      st = await fs.lstat(full, { bigint: true });
    } catch (e) {
      fail(ctx, full, e);
      continue;
    }
    const entry = entryFromStat(child.name, st);
    if (child.target) {
      const done = entry.type === EntryType.File ? await completeFile(ctx, full, entry, prev) : await completeEntry(ctx, full, entry, prev, st.dev);
      if (done) entries.push(done);
      continue;
    }
    // An ancestor of given paths: its real metadata, but only the selected children.
    const sub = prev?.type === EntryType.Dir ? await loadParentDir(ctx, prev.subtree) : undefined;
    addNames(ctx, entry);
    entry.subtree = await saveTrieDir(ctx, child, full, sub);
    entries.push(entry);
  }
  return saveTree(ctx, entries);
}

async function saveStdinRoot(ctx: ArchiveContext, stdin: { stream: AsyncIterable<Buffer>; filename: string }): Promise<BlobId> {
  const name = Buffer.from(stdin.filename);
  if (name.length === 0 || name.includes(0x2f) || name.includes(0)) throw new InvalidArgumentError(`--stdin-filename: not a valid file name: '${stdin.filename}'`);
  const c = ctx.counters;
  const { content, size } = await saveChunks(ctx.repo, ctx.saver, hashed(ctx.repo, chunkStream(stdin.stream, ctx.repo)), (n) => {
    c.bytesRead += n;
    ctx.progress({ files: 0, dirs: 0, bytesRead: c.bytesRead, current: stdin.filename });
  }, ctx.signal);
  const nowNs = BigInt(Date.now()) * 1_000_000n;
  const entry: TreeEntry = {
    name,
    type: EntryType.File,
    mode: 0o644,
    uid: process.getuid?.() ?? 0,
    gid: process.getgid?.() ?? 0,
    size: BigInt(size),
    mtimeNs: nowNs,
    ctimeNs: nowNs,
    dev: 0n,
    inode: 0n,
    nlink: 1n,
    ...content,
  };
  c.filesNew++;
  c.totalBytes += size;
  return saveTree(ctx, [entry]);
}
