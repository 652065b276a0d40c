// `snap restore`: rebuild a tree from a snapshot. Content first, then each entry's metadata, and a
// directory's metadata after everything inside it (so its mtime sticks). Hardlinked files are
// restored as hardlinks. Every chunk is verified against its id as it is read. The walk runs here;
// small files are queued and written in batches by worker threads (smallFiles.ts), big and
// hardlinked files are streamed here (writeFile.ts).

import { promises as fs } from 'node:fs';
import path from 'node:path';
import picomatch from 'picomatch';
import { InterruptedError, InvalidArgumentError } from '../errors.js';
import type { BlobId } from '../ids.js';
import type { Repository } from '../repository/repository.js';
import type { Snapshot } from '../repository/snapshotRecord.js';
import { applyMetadata, createSpecial, EntryType, UserGroupNames, type TreeEntry } from '../tree/index.js';
import { fileChunkIds, findEntry, treeEntries } from './findEntry.js';
import { SmallFileBatches } from './smallFiles.js';
import { dirStateOf, needsChmod, needsChown, type DirState } from './dirState.js';
import { writeFileContent } from './writeFile.js';
import { verifyRestored } from './verifyRestored.js';
import { Limiter } from '../repository/limiter.js';

/** Files of one directory restored at once. */
const ENTRY_CONCURRENCY = 8;
/** Files up to this size go to the batched writers; bigger ones stream chunk by chunk (bounded memory). */
const BATCHED_FILE_MAX_BYTES = 1024 * 1024;
/** Directories walked side by side in the whole restore: loading a tree and making a directory are
 * round trips, which would bound a restore of many small directories if walked one at a time. */
const DIR_WALKS_MAX = 16;
const SLASH = Buffer.from('/');

export type OverwriteMode = 'always' | 'if-changed' | 'if-newer' | 'never';

export interface RestoreOptions {
  subpath?: string;
  includes?: string[];
  excludes?: string[];
  overwrite?: OverwriteMode;
  delete?: boolean;
  verify?: boolean;
  progress?: (p: { files: number; bytes: number; current?: string }) => void;
  signal?: AbortSignal;
}

export interface RestoreSummary {
  files: number;
  dirs: number;
  bytes_written: number;
  duration_s: number;
  verified: boolean | null;
  skipped: number;
  verify_errors?: string[];
}

interface RestoreState {
  repo: Repository;
  opts: RestoreOptions;
  include?: (p: string) => boolean;
  exclude?: (p: string) => boolean;
  owner: boolean;
  /** Per hardlinked inode (dev:inode), its first path once written: later names link to it. */
  hardlinks: Map<string, Promise<Buffer>>;
  sum: RestoreSummary;
  batches: SmallFileBatches;
  names: UserGroupNames;
  /** Subdirectory walks running beside their parent's (DIR_WALKS_MAX). */
  dirWalks: number;
  euid: number;
  egid: number;
  umask: number;
}

export async function restoreSnapshot(repo: Repository, snapshot: Snapshot, target: string, opts: RestoreOptions = {}): Promise<RestoreSummary> {
  const started = performance.now();
  const mode = opts.overwrite ?? 'always';
  if (!['always', 'if-changed', 'if-newer', 'never'].includes(mode)) throw new InvalidArgumentError(`--overwrite: expected always, if-changed, if-newer or never, got '${mode}'`);
  const root = await findEntry(repo, snapshot, opts.subpath);
  const st: RestoreState = {
    repo,
    opts: { ...opts, overwrite: mode },
    include: opts.includes?.length ? picomatch(opts.includes, { dot: true }) : undefined,
    exclude: opts.excludes?.length ? picomatch(opts.excludes, { dot: true }) : undefined,
    owner: process.getuid?.() === 0,
    hardlinks: new Map(),
    sum: { files: 0, dirs: 0, bytes_written: 0, duration_s: 0, verified: null, skipped: 0 },
    batches: undefined as unknown as SmallFileBatches,
    names: new UserGroupNames(),
    dirWalks: 0,
    euid: process.geteuid?.() ?? -1,
    egid: process.getegid?.() ?? -1,
    umask: process.umask(),
  };
  st.batches = new SmallFileBatches(
    repo,
    (files, bytes, last) => {
      st.sum.files += files;
      st.sum.bytes_written += bytes;
      opts.progress?.({ files: st.sum.files, bytes: st.sum.bytes_written, current: last });
    },
    opts.signal,
  );
  const targetBuf = Buffer.from(path.resolve(target));
  await fs.mkdir(targetBuf, { recursive: true });
  const targetState = dirStateOf(targetBuf, (await fs.stat(targetBuf)).mode);
  try {
    if (root.type === EntryType.Dir) {
      await restoreDir(st, root, targetBuf, '', false, targetState);
    } else {
      await restoreEntry(st, root, Buffer.concat([targetBuf, Buffer.from('/'), root.name]), `/${root.name.toString()}`, false, targetState);
    }
    await st.batches.drain();
  } finally {
    await st.batches.close();
  }
  if (opts.verify) {
    const errors = await verifyRestored(repo, root, targetBuf, st.include, st.exclude);
    st.sum.verified = errors.length === 0;
    if (errors.length) st.sum.verify_errors = errors;
  }
  st.sum.duration_s = Math.round((performance.now() - started) / 10) / 100;
  return st.sum;
}

function selected(st: RestoreState, rel: string, isDir: boolean): boolean {
  if (st.exclude && (st.exclude(rel) || st.exclude(rel.slice(1)) || st.exclude(path.basename(rel)))) return false;
  if (st.include && !isDir && !(st.include(rel) || st.include(rel.slice(1)) || st.include(path.basename(rel)))) return false;
  return true;
}

/**
 * Restore the children of a directory entry into `dir` (which exists), then the dir's metadata once the
 * batches holding its files are written. `state`: what a file created in dir gets from it now.
 */
async function restoreDir(st: RestoreState, dirEntry: TreeEntry, dir: Buffer, rel: string, fresh: boolean, state: DirState): Promise<void> {
  const names = new Set<string>();
  const slots = new Limiter(ENTRY_CONCURRENCY);
  const subdirs: Promise<void>[] = [];
  let failure: unknown;
  const onFailure = (err: unknown) => {
    failure ??= err;
    st.batches.fail(err); // the other walks stop too
  };
  // Whatever stops the walk, the walks and writes already started are waited for before this returns.
  try {
    if (dirEntry.subtree) {
      for await (const e of treeEntries(st.repo, dirEntry.subtree)) {
        st.batches.check(); // interrupted, or a batch failed: stop walking
        if (failure) break;
        if (st.opts.delete) names.add(e.name.toString('latin1'));
        const childRel = `${rel}/${e.name.toString()}`;
        if (!selected(st, childRel, e.type === EntryType.Dir)) continue;
        const target = Buffer.concat([dir, SLASH, e.name]);
        if (e.type === EntryType.Dir && st.dirWalks < DIR_WALKS_MAX) {
          st.dirWalks++;
          const walk = restoreEntry(st, e, target, childRel, fresh, state).catch(onFailure);
          subdirs.push(walk.finally(() => st.dirWalks--));
          continue;
        }
        if (fresh && isBatchable(e) && !e.chunkList) {
          // The common case, a small file in a new directory: queued at once, no lstat, no slot.
          const full = queueSmallFile(st, e, target, childRel, state, e.chunks ?? []);
          if (full) await full;
          continue;
        }
        // Past the bound, directories are walked in place (no deadlock: nothing waits for a slot to walk);
        // hardlinked files in order too; other entries several at a time (small files are latency-bound).
        if (e.type === EntryType.Dir || e.nlink > 1n) {
          await restoreEntry(st, e, target, childRel, fresh, state);
          continue;
        }
        await slots.acquire();
        void restoreEntry(st, e, target, childRel, fresh, state)
          .catch(onFailure)
          .finally(() => slots.release());
      }
    }
  } catch (err) {
    onFailure(err);
  }
  await Promise.all(subdirs);
  await slots.idle();
  if (failure) throw failure;
  if (st.opts.delete) await deleteExtra(dir, names);
  if (rel !== '') st.batches.defer(() => applyMetadata(dir, dirEntry, { owner: st.owner, names: st.names }));
}

/** `fresh`: the parent was made by this restore, so nothing exists at the target yet (no lstat needed). */
async function restoreEntry(st: RestoreState, e: TreeEntry, target: Buffer, rel: string, fresh: boolean, parent: DirState): Promise<void> {
  const existing = fresh ? undefined : await fs.lstat(target, { bigint: true }).catch(() => undefined);
  if (e.type === EntryType.Dir) {
    if (existing && !existing.isDirectory()) await fs.rm(target, { force: true });
    const made = !existing || !existing.isDirectory();
    if (made) await fs.mkdir(target);
    st.sum.dirs++;
    return restoreDir(st, e, target, rel, made, made ? parent : dirStateOf(target, existing!.mode));
  }
  if (existing && !shouldOverwrite(st.opts.overwrite!, e, existing)) {
    st.sum.skipped++;
    return;
  }
  if (existing) await fs.rm(target, { recursive: existing.isDirectory(), force: true });
  if (e.type === EntryType.File && e.nlink > 1n) {
    // Directories are walked side by side, so the first name of an inode may still be being written:
    // the map holds the promise of it, set before any await.
    const linkKey = `${e.dev}:${e.inode}`;
    const first = st.hardlinks.get(linkKey);
    if (first) {
      await fs.link(await first, target);
      st.sum.files++;
      return;
    }
    const written = restoreContent(st, e, target, rel).then(() => target);
    st.hardlinks.set(linkKey, written);
    await written;
    return;
  }
  if (isBatchable(e)) {
    const chunks: BlobId[] = [];
    for await (const id of fileChunkIds(st.repo, e)) chunks.push(id);
    return queueSmallFile(st, e, target, rel, parent, chunks);
  }
  return restoreContent(st, e, target, rel);
}

/** Content then metadata of a non-directory entry, here on the main thread. */
async function restoreContent(st: RestoreState, e: TreeEntry, target: Buffer, rel: string): Promise<void> {
  switch (e.type) {
    case EntryType.File: {
      st.opts.progress?.({ files: st.sum.files, bytes: st.sum.bytes_written, current: rel });
      await writeFileContent(st.repo, e, target, rel, (n) => {
        // Per chunk: a large file must not hold off an interrupt until it is written whole.
        if (st.opts.signal?.aborted) throw new InterruptedError();
        st.sum.bytes_written += n;
        st.opts.progress?.({ files: st.sum.files, bytes: st.sum.bytes_written, current: rel });
      });
      st.sum.files++;
      break;
    }
    case EntryType.Symlink:
      await fs.symlink(e.linkTarget ?? Buffer.alloc(0), target);
      break;
    case EntryType.Socket:
      return; // a socket is made by the program that listens on it
    default:
      await createSpecial(target, e);
  }
  await applyMetadata(target, e, { owner: st.owner, names: st.names });
}

const BATCHED_FILE_MAX = BigInt(BATCHED_FILE_MAX_BYTES);
/** Small regular files go to the batched writers; hardlinked ones are written here (links follow). */
const isBatchable = (e: TreeEntry): boolean => e.type === EntryType.File && e.nlink <= 1n && e.size <= BATCHED_FILE_MAX;

/**
 * Hands a small file to the batched writers, with the owner resolved as applyMetadata would. Returns a
 * promise only when the batch was full and had to be sent (the caller waits: backpressure).
 */
function queueSmallFile(st: RestoreState, e: TreeEntry, target: Buffer, rel: string, dir: DirState, chunks: BlobId[]): Promise<void> | undefined {
  const uid = (e.user !== undefined ? st.names.uidOf(e.user) : undefined) ?? e.uid;
  const gid = (e.group !== undefined ? st.names.gidOf(e.group) : undefined) ?? e.gid;
  const chown = st.owner && needsChown(uid, gid, dir, st.euid, st.egid);
  const chmod = needsChmod(e.mode, st.umask, dir);
  return st.batches.add({ target, rel, entry: e, chunks, uid, gid, chown, chmod });
}

function shouldOverwrite(mode: string, e: TreeEntry, existing: import('node:fs').BigIntStats): boolean {
  switch (mode) {
    case 'never':
      return false;
    case 'if-newer':
      return e.mtimeNs > existing.mtimeNs;
    case 'if-changed':
      // Same type, size and mtime (to the µs that restore can set) counts as unchanged.
      return !(existing.isFile() && e.type === EntryType.File && existing.size === e.size && existing.mtimeNs / 1000n === e.mtimeNs / 1000n);
    default:
      return true;
  }
}

async function deleteExtra(dir: Buffer, keep: Set<string>): Promise<void> {
  for (const name of await fs.readdir(dir, { encoding: 'buffer' })) {
    if (!keep.has(name.toString('latin1'))) await fs.rm(Buffer.concat([dir, Buffer.from('/'), name]) as unknown as string, { recursive: true, force: true });
  }
}
