// Walking one directory: read entries as raw bytes, sort by bytes, build each entry (reusing the
// parent snapshot's content for unchanged files), recurse into subdirectories, and store the tree.
// A file that vanishes or cannot be read is recorded as failed and left out; the walk goes on.

import { promises as fs } from 'node:fs';
import { BlobType, type BlobId } from '../ids.js';
import { InterruptedError, SnapError } from '../errors.js';
import { buildTree, entryFromStat, readXattrs, EntryType, type TreeEntry } from '../tree/index.js';
import type { ArchiveContext } from './context.js';
import { saveFile } from './saveFile.js';

/** Files of one directory read at once: overlaps open/read latency of small files. */
const FILE_CONCURRENCY = 8;
const SLASH = Buffer.from('/');

export type ParentEntries = Map<string, TreeEntry> | undefined;

const key = (name: Buffer) => name.toString('latin1');

export function joinPath(dir: Buffer, name: Buffer): Buffer {
  return dir.length === 1 && dir[0] === 0x2f ? Buffer.concat([dir, name]) : Buffer.concat([dir, SLASH, name]);
}

/** Store a directory's tree and return its id. */
export async function saveTree(ctx: ArchiveContext, entries: TreeEntry[]): Promise<BlobId> {
  const store = async (bytes: Buffer) => {
    const id = ctx.repo.idHasher.hash(bytes);
    await ctx.saver.save(BlobType.Tree, id, bytes);
    return id;
  };
  return store(await buildTree(entries, store));
}

/** Load a parent snapshot's directory as a name → entry map (undefined when there is none). */
export async function loadParentDir(ctx: ArchiveContext, subtree: BlobId | undefined): Promise<ParentEntries> {
  if (!subtree) return undefined;
  const { readTree } = await import('../tree/index.js');
  const map = new Map<string, TreeEntry>();
  for await (const e of readTree(await ctx.repo.loadTreeBlob(subtree), ctx.repo.loadTreeBlob)) map.set(key(e.name), e);
  return map;
}

/** Walk a directory on disk and return its tree id. */
export async function saveDir(ctx: ArchiveContext, dirPath: Buffer, parent: ParentEntries, rootDev: bigint): Promise<BlobId> {
  if (ctx.signal?.aborted) throw new InterruptedError();
  let names: Buffer[];
  try {
    names = await fs.readdir(dirPath, { encoding: 'buffer' });
  } catch (e) {
    fail(ctx, dirPath, e);
    return saveTree(ctx, []);
  }
  names.sort(Buffer.compare);
  const slots: Array<TreeEntry | undefined> = new Array(names.length);
  const files: number[] = [];
  for (let i = 0; i < names.length; i++) {
    const name = names[i]!;
    const full = joinPath(dirPath, name);
    let st;
    try {
      st = await fs.lstat(full, { bigint: true });
    } catch (e) {
      fail(ctx, full, e);
      continue;
    }
    if (ctx.exclude(full.toString(), st.isDirectory())) continue;
    const entry = entryFromStat(name, st);
    if (entry.type === EntryType.File) {
      slots[i] = entry;
      files.push(i);
      continue;
    }
    slots[i] = await completeEntry(ctx, full, entry, parent?.get(key(name)), rootDev);
  }
  await runPool(files, FILE_CONCURRENCY, async (i) => {
    const name = names[i]!;
    slots[i] = await completeFile(ctx, joinPath(dirPath, name), slots[i]!, parent?.get(key(name)));
  });
  ctx.counters.dirs++;
  return saveTree(ctx, slots.filter((e): e is TreeEntry => e !== undefined));
}

/** Non-file entries: directories recurse, symlinks read their target, xattrs everywhere. */
export async function completeEntry(ctx: ArchiveContext, full: Buffer, entry: TreeEntry, prev: TreeEntry | undefined, rootDev: bigint): Promise<TreeEntry | undefined> {
  addNames(ctx, entry);
  try {
    if (entry.type === EntryType.Symlink) {
      entry.linkTarget = await fs.readlink(full, { encoding: 'buffer' });
    } else {
      entry.xattrs = readXattrs(full, { type: entry.type });
    }
    if (entry.type === EntryType.Dir) {
      const sameFs = !ctx.oneFileSystem || entry.dev === rootDev;
      const parentSub = prev?.type === EntryType.Dir ? await loadParentDir(ctx, prev.subtree) : undefined;
      entry.subtree = sameFs ? await saveDir(ctx, full, parentSub, rootDev) : await saveTree(ctx, []);
    }
    return entry;
  } catch (e) {
    if (e instanceof SnapError) throw e;
    fail(ctx, full, e);
    return undefined;
  }
}

/** A regular file: unchanged (size, mtime, ctime, inode) → reuse the parent's content unread. */
export async function completeFile(ctx: ArchiveContext, full: Buffer, entry: TreeEntry, prev: TreeEntry | undefined): Promise<TreeEntry | undefined> {
  if (ctx.signal?.aborted) throw new InterruptedError();
  addNames(ctx, entry);
  const c = ctx.counters;
  if (prev && prev.type === EntryType.File && prev.size === entry.size && prev.mtimeNs === entry.mtimeNs && prev.ctimeNs === entry.ctimeNs && prev.inode === entry.inode) {
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
      const { content, size } = await saveFile(ctx.repo, ctx.saver, full, entry.size, (n) => {
        c.bytesRead += n;
        ctx.progress({ files: c.filesNew + c.filesChanged + c.filesUnmodified, dirs: c.dirs, bytesRead: c.bytesRead, current });
      }, ctx.signal);
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

async function runPool<T>(items: T[], width: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(width, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]!);
  });
  await Promise.all(workers);
}
