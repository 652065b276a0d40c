// Walking one directory: read entries as raw bytes, sort by bytes, build each entry (reusing the
// parent snapshot's content for unchanged files), recurse into subdirectories, and store the tree.
// A file that vanishes or cannot be read is recorded as failed and left out; the walk goes on.

import { promises as fs, lstatSync, readdirSync, type BigIntStats } from 'node:fs';
import { BlobType, type BlobId } from '../ids.js';
import { IntegrityError, InterruptedError, NotFoundError, SnapError, UnsupportedFormatError } from '../errors.js';
import { buildTree, entryFromStat, readXattrs, EntryType, type TreeEntry } from '../tree/index.js';
import type { ArchiveContext } from './context.js';
import { contentIndexed, saveFile, type FileContent } from './saveFile.js';
import type { PreparedFile } from './smallFileWorkers.js';
import { mapPool } from '../pool.js';

/** Files of one directory read at once: overlaps open/read latency of small files. */
const FILE_CONCURRENCY = 8;
/**
 * Subdirectories listed ahead of the one being walked. One is enough for the small-file workers to
 * start on the next directory's files before this one ends (the listing itself is synchronous, so
 * more ahead overlaps no I/O), and each listed directory holds its entries' lstat results, which
 * live long enough to be promoted: 60 000 small files, peak RSS 283 MiB with 4 ahead, 251 with 1
 * (docs/benchmarks.md, 2026-12-03).
 */
const DIR_LOOKAHEAD = 1;
const SLASH = Buffer.from('/');

export type ParentEntries = Map<string, TreeEntry> | undefined;

const key = (name: Buffer) => name.toString('latin1');

export function joinPath(dir: Buffer, name: Buffer): Buffer {
  return dir.length === 1 && dir[0] === 0x2f ? Buffer.concat([dir, name]) : Buffer.concat([dir, SLASH, name]);
}

/** Store a directory's tree and return its id. */
export async function saveTree(ctx: ArchiveContext, entries: TreeEntry[]): Promise<BlobId> {
  // What the new tree points at, for the commit-point check (commitPoint.ts): reused content of
  // unchanged files and subtrees included, which never passes through saver.save().
  await ctx.saver.noteReferenced(entries.flatMap((e) => [...(e.chunks ?? []), ...(e.chunkList ?? []), ...(e.subtree ? [e.subtree] : [])]));
  const store = async (bytes: Buffer) => {
    const id = ctx.repo.idHasher.hash(bytes);
    await ctx.saver.save(BlobType.Tree, id, bytes);
    return id;
  };
  return store(await buildTree(entries, store));
}

/**
 * Load a parent snapshot's directory as a name → entry map (undefined when there is none, or when
 * its tree is missing or damaged: then every file below it is read again, nothing is reused).
 */
export async function loadParentDir(ctx: ArchiveContext, subtree: BlobId | undefined): Promise<ParentEntries> {
  if (!subtree) return undefined;
  const { readTree } = await import('../tree/index.js');
  const map = new Map<string, TreeEntry>();
  try {
    for await (const e of readTree(await ctx.repo.loadTreeBlob(subtree), ctx.repo.loadTreeBlob, subtree)) map.set(key(e.name), e);
  } catch (e) {
    if (e instanceof IntegrityError || e instanceof NotFoundError || e instanceof UnsupportedFormatError) return undefined;
    throw e;
  }
  return map;
}

/** What a directory's walk needs from the disk and the parent snapshot, fetched ahead of its turn. */
interface ListedDir {
  names: Buffer[];
  paths: Buffer[];
  stats: Array<BigIntStats | { error: unknown }>;
  parent: ParentEntries;
  error?: unknown;
  /** The listing's fingerprint (directories without subdirectories), to record with the new tree. */
  fingerprint?: Buffer;
  /** The parent snapshot's tree, unchanged by the fingerprint (dirCache.ts): nothing more to do. */
  reused?: BlobId;
  /** The small files the workers read ahead (started at listing time), by index in `names`. */
  prepared?: (i: number) => Promise<PreparedFile> | undefined;
}

/**
 * readdir and lstat of every entry (synchronous: from the page cache each call costs a few µs,
 * a thread-pool round trip ten times that), then the parent snapshot's tree unless the directory's
 * fingerprint says it is unchanged.
 */
async function listDir(ctx: ArchiveContext, dirPath: Buffer, prevSubtree: BlobId | undefined): Promise<ListedDir> {
  let names: Buffer[];
  try {
    names = readdirSync(dirPath, { encoding: 'buffer' });
  } catch (error) {
    return { names: [], paths: [], stats: [], parent: undefined, error };
  }
  names.sort(Buffer.compare);
  const paths = names.map((name) => joinPath(dirPath, name));
  const stats = lstatAllSync(paths);
  const leaf = stats.every((st) => !('ino' in st) || !st.isDirectory());
  const fingerprint = leaf ? ctx.dirCache?.fingerprint(dirPath, names, stats, (st) => ownerNames(ctx, st)) : undefined;
  if (fingerprint && prevSubtree && ctx.dirCache!.tree(dirPath, fingerprint)?.equals(prevSubtree)) {
    return { names, paths, stats, parent: undefined, reused: prevSubtree };
  }
  const parent = await loadParentDir(ctx, prevSubtree);
  // The workers start on this directory's small files now, while the directories before it are
  // still being saved: started only when its walk begins, each directory began with both threads
  // waiting for its first list.
  const prepared = prepareSmallFiles(ctx, names, paths, stats, (i) => parent?.get(key(names[i]!)));
  return { names, paths, stats, parent, fingerprint, prepared };
}

const ownerNames = (ctx: ArchiveContext, st: BigIntStats): string => `${ctx.names.userName(Number(st.uid)) ?? ''}:${ctx.names.groupName(Number(st.gid)) ?? ''}`;

/** Counters and progress for a directory whose tree is reused whole: its files are unmodified. */
function countReused(ctx: ArchiveContext, paths: Buffer[], stats: Array<BigIntStats | { error: unknown }>): void {
  const c = ctx.counters;
  for (let i = 0; i < paths.length; i++) {
    const st = stats[i] as BigIntStats;
    if (!st.isFile() || ctx.exclude(paths[i]!.toString(), false)) continue;
    c.filesUnmodified++;
    c.totalBytes += Number(st.size);
  }
  c.dirs++;
  ctx.progress({ files: c.filesNew + c.filesChanged + c.filesUnmodified, dirs: c.dirs, bytesRead: c.bytesRead });
}

const subtreeOf = (prev: TreeEntry | undefined): BlobId | undefined => (prev?.type === EntryType.Dir ? prev.subtree : undefined);

/** Walk a directory on disk and return its tree id. */
export async function saveDir(ctx: ArchiveContext, dirPath: Buffer, prevSubtree: BlobId | undefined, rootDev: bigint, listed?: Promise<ListedDir>): Promise<BlobId> {
  if (ctx.signal?.aborted) throw new InterruptedError();
  const { names, paths, stats, parent, error, fingerprint, reused, prepared = () => undefined } = await (listed ?? listDir(ctx, dirPath, prevSubtree));
  if (error) {
    fail(ctx, dirPath, error);
    return saveTree(ctx, []);
  }
  if (reused) {
    countReused(ctx, paths, stats);
    return reused;
  }
  const failedBefore = ctx.counters.failed.length;
  const slots: Array<TreeEntry | undefined> = new Array(names.length);
  const files: number[] = [];
  const others: number[] = [];
  for (let i = 0; i < names.length; i++) {
    const st = stats[i]!;
    if (!('ino' in st)) {
      fail(ctx, paths[i]!, st.error);
      continue;
    }
    if (ctx.exclude(paths[i]!.toString(), st.isDirectory())) continue;
    slots[i] = entryFromStat(names[i]!, st);
    (slots[i]!.type === EntryType.File ? files : others).push(i);
  }
  // This directory's files are read while its subdirectories are walked: both are latency-bound.
  const filesDone = mapPool(files, FILE_CONCURRENCY, async (i) => {
    slots[i] = await completeFile(ctx, paths[i]!, slots[i]!, parent?.get(key(names[i]!)), prepared(i));
  });
  try {
    // Subdirectories are walked one after another (bounded memory), but the next few are listed
    // ahead, so their I/O overlaps the walk of the current one.
    const ahead = new Map<number, Promise<ListedDir>>();
    const prefetch = (k: number) => {
      const i = others[k];
      if (i === undefined || ahead.has(i) || slots[i]!.type !== EntryType.Dir) return;
      if (ctx.oneFileSystem && slots[i]!.dev !== rootDev) return;
      const p = listDir(ctx, paths[i]!, subtreeOf(parent?.get(key(names[i]!))));
      p.catch(() => undefined);
      ahead.set(i, p);
    };
    for (let k = 0; k < others.length; k++) {
      for (let a = k; a <= k + DIR_LOOKAHEAD; a++) prefetch(a);
      const i = others[k]!;
      slots[i] = await completeEntry(ctx, paths[i]!, slots[i]!, parent?.get(key(names[i]!)), rootDev, ahead.get(i));
      ahead.delete(i);
    }
  } finally {
    await filesDone.catch(() => undefined);
  }
  await filesDone;
  ctx.counters.dirs++;
  const tree = await saveTree(ctx, slots.filter((e): e is TreeEntry => e !== undefined));
  // Only a listing whose every entry made it into the tree may stand for the tree next time.
  if (fingerprint && ctx.counters.failed.length === failedBefore) ctx.dirCache!.record(dirPath, fingerprint, tree);
  return tree;
}

/** Non-file entries: directories recurse, symlinks read their target, xattrs everywhere. */
export async function completeEntry(
  ctx: ArchiveContext, full: Buffer, entry: TreeEntry, prev: TreeEntry | undefined, rootDev: bigint, listed?: Promise<ListedDir>,
): Promise<TreeEntry | undefined> {
  addNames(ctx, entry);
  try {
    if (entry.type === EntryType.Symlink) {
      entry.linkTarget = await fs.readlink(full, { encoding: 'buffer' });
    } else if (prev && prev.type === entry.type && prev.ctimeNs === entry.ctimeNs && prev.inode === entry.inode) {
      entry.xattrs = prev.xattrs; // an xattr change moves ctime (as for files in completeFile)
    } else {
      entry.xattrs = readXattrs(full, { type: entry.type });
    }
    if (entry.type === EntryType.Dir) {
      const sameFs = !ctx.oneFileSystem || entry.dev === rootDev;
      entry.subtree = sameFs ? await saveDir(ctx, full, subtreeOf(prev), rootDev, listed) : await saveTree(ctx, []);
    }
    return entry;
  } catch (e) {
    if (e instanceof SnapError) throw e;
    fail(ctx, full, e);
    return undefined;
  }
}

const unchangedFile = (entry: TreeEntry, prev: TreeEntry | undefined): prev is TreeEntry =>
  !!prev && prev.type === EntryType.File && prev.size === entry.size && prev.mtimeNs === entry.mtimeNs && prev.ctimeNs === entry.ctimeNs && prev.inode === entry.inode;

/**
 * The directory's small files that will be read (regular, not excluded, not unchanged, not hard
 * links), read ahead by the small-file workers in the order the files are saved: index → its read,
 * hashed and encoded content. The first list is sent at once. Pure but for that: a stat error or
 * an excluded file is left to saveDir, which records failures in its own turn.
 */
function prepareSmallFiles(
  ctx: ArchiveContext, names: Buffer[], paths: Buffer[], stats: Array<BigIntStats | { error: unknown }>, prevOf: (i: number) => TreeEntry | undefined,
): ((i: number) => Promise<PreparedFile> | undefined) | undefined {
  const w = ctx.smallFiles;
  if (!w) return undefined;
  const picked: number[] = [];
  for (let i = 0; i < names.length; i++) {
    const st = stats[i]!;
    if (!('ino' in st) || !st.isFile() || st.size > BigInt(w.maxBytes) || st.nlink > 1n) continue;
    if (ctx.exclude(paths[i]!.toString(), false)) continue;
    if (unchangedFile(entryFromStat(names[i]!, st), prevOf(i))) continue;
    picked.push(i);
  }
  if (picked.length === 0 || !w.wanted(picked.length)) return undefined;
  const order = new Map(picked.map((i, k) => [i, k]));
  const ready = w.prepare(picked.map((i) => paths[i]!));
  ready.start();
  return (i) => {
    const k = order.get(i);
    return k === undefined ? undefined : ready.take(k);
  };
}

/** A regular file: unchanged (size, mtime, ctime, inode) → reuse the parent's content unread. */
export async function completeFile(
  ctx: ArchiveContext, full: Buffer, entry: TreeEntry, prev: TreeEntry | undefined, prepared?: Promise<PreparedFile>,
): Promise<TreeEntry | undefined> {
  if (ctx.signal?.aborted) throw new InterruptedError();
  addNames(ctx, entry);
  const c = ctx.counters;
  if (unchangedFile(entry, prev) && (await contentIndexed(ctx.repo, ctx.saver, prev))) {
    entry.chunks = prev.chunks;
    entry.chunkList = prev.chunkList;
    entry.xattrs = prev.xattrs; // an xattr change moves ctime, so the parent's are still right
    c.filesUnmodified++;
    c.totalBytes += Number(entry.size);
    ctx.progress({ files: c.filesNew + c.filesChanged + c.filesUnmodified, dirs: c.dirs, bytesRead: c.bytesRead });
    return entry;
  }
  const linkKey = entry.nlink > 1n ? `${entry.dev}:${entry.inode}` : undefined;
  const linked = linkKey ? ctx.hardlinks.get(linkKey) : undefined;
  try {
    entry.xattrs = readXattrs(full, { type: entry.type });
    if (linked) {
      Object.assign(entry, linked);
    } else {
      const current = full.toString();
      const onBytes = (n: number) => {
        c.bytesRead += n;
        ctx.progress({ files: c.filesNew + c.filesChanged + c.filesUnmodified, dirs: c.dirs, bytesRead: c.bytesRead, current });
      };
      const ready = prepared ? await prepared : undefined;
      const { content, size } = ready && !('tooBig' in ready)
        ? await savePrepared(ctx, ready, onBytes)
        : await saveFile(ctx.repo, ctx.saver, full, entry.size, onBytes, ctx.signal, ctx.workers, ctx.streamedFiles);
      Object.assign(entry, content);
      // The file may have grown or shrunk since lstat: record what was read.
      entry.size = BigInt(size);
      if (linkKey) ctx.hardlinks.set(linkKey, content);
    }
  } catch (e) {
    if (e instanceof SnapError) throw e;
    fail(ctx, full, e);
    return undefined;
  }
  if (prev) c.filesChanged++;
  else c.filesNew++;
  c.totalBytes += Number(entry.size);
  return entry;
}

/** A small file read, hashed and encoded by a worker: one chunk (none when empty), saved unless known. */
async function savePrepared(ctx: ArchiveContext, f: Exclude<PreparedFile, { tooBig: true }>, onBytes: (n: number) => void): Promise<{ content: FileContent; size: number }> {
  if (f.size === 0) return { content: { chunks: [] }, size: 0 };
  await ctx.saver.saveEncoded(BlobType.Data, f.id, f.size, f.codec, f.bytes);
  onBytes(f.size);
  return { content: { chunks: [f.id] }, size: f.size };
}

export function addNames(ctx: ArchiveContext, entry: TreeEntry): void {
  const user = ctx.names.userName(entry.uid);
  const group = ctx.names.groupName(entry.gid);
  if (user !== undefined) entry.user = user;
  if (group !== undefined) entry.group = group;
}

export function fail(ctx: ArchiveContext, path: Buffer, e: unknown): void {
  const code = (e as { code?: string }).code;
  const why = code === 'ENOENT' ? 'vanished while reading' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : (e as Error).message;
  ctx.counters.failed.push({ path: path.toString(), error: why });
}

/** lstat of every path; a failure is kept as the entry's error (the walk records it and goes on). */
function lstatAllSync(paths: Buffer[]): Array<BigIntStats | { error: unknown }> {
  return paths.map((p) => {
    try {
      return lstatSync(p, { bigint: true });
    } catch (error) {
      return { error };
    }
  });
}
