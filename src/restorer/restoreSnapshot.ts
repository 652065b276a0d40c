// restorer/ owns reading snapshots back out: restore, dump, verify, and the tree navigation they share.
// `snap restore`: rebuild a tree from a snapshot. Regular files first (each under a temporary name,
// renamed into place complete: tempName.ts), then per directory its links and special files and its
// own metadata (secondPass.ts), so a directory's mode and mtime come after everything inside it and
// nothing is written through a link. Directories are made 0700 until then. Hardlinked files are
// restored as hardlinks. Every chunk is verified against its id as it is read; a file whose content
// is damaged or missing is recorded (failed_files) and the restore goes on with the others. The walk
// runs here; small files are queued and written in batches by worker threads (smallFiles.ts), big and
// hardlinked files are written segment by segment by the same threads (writeFile.ts).

import { promises as fs } from 'node:fs';
import path from 'node:path';
import { IntegrityError, InterruptedError, InvalidArgumentError, NotFoundError } from '../errors.js';
import type { BlobId } from '../ids.js';
import type { Repository } from '../repository/repository.js';
import type { Snapshot } from '../repository/snapshotRecord.js';
import { applyMetadata, EntryType, UserGroupNames, type TreeEntry } from '../tree/index.js';
import { fileChunkIds, findEntry, treeEntries } from './findEntry.js';
import { SmallFileBatches } from './smallFiles.js';
import { dirStateOf, needsChmod, needsChown, type DirState } from './dirState.js';
import { writeFileContent } from './writeFile.js';
import { verifyRestored } from './verifyRestored.js';
import { Limiter } from '../pool.js';
import { makeSelection, type Selection } from './selection.js';
import { isSpecialFile, sanitizeEntry, type UntrustedOptions } from './untrusted.js';
import { finishDir, type Deferred } from './secondPass.js';
import { WalkBudget, WalkBudgetError } from '../tree/walkBudget.js';
import { deleteExtra, shouldOverwrite } from './existingTarget.js';

/** Files of one directory restored at once. */
const ENTRY_CONCURRENCY = 8;
/** Files up to this size go to the batched writers; bigger ones stream chunk by chunk (bounded memory). */
const BATCHED_FILE_MAX_BYTES = 1024 * 1024;
/** Directories walked side by side in the whole restore: loading a tree and making a directory are
 * round trips, which would bound a restore of many small directories if walked one at a time. */
const DIR_WALKS_MAX = 16;
const SLASH = Buffer.from('/');
/** What a directory is made with until its final mode is applied after its contents. */
const DIR_CREATE_MODE = 0o700;

export type OverwriteMode = 'always' | 'if-changed' | 'if-newer' | 'never';

export interface RestoreOptions extends UntrustedOptions {
  subpath?: string;
  includes?: string[];
  excludes?: string[];
  overwrite?: OverwriteMode;
  delete?: boolean;
  verify?: boolean;
  progress?: (p: { files: number; bytes: number; current?: string }) => void;
  signal?: AbortSignal;
}

/** A file (or directory) that could not be restored, and why. */
export interface FailedFile {
  path: string;
  reason: string;
}

export interface RestoreSummary {
  files: number;
  dirs: number;
  bytes_written: number;
  duration_s: number;
  /** The --verify pass ran, found no difference and no file failed; false when it did not run. */
  verified: boolean;
  skipped: number;
  /** Damaged or missing content: everything else was restored. */
  failed_files: FailedFile[];
  verify_errors?: string[];
}

interface RestoreState {
  repo: Repository;
  opts: RestoreOptions;
  selection: Selection;
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
  budget: WalkBudget | undefined;
}

export async function restoreSnapshot(repo: Repository, snapshot: Snapshot, target: string, opts: RestoreOptions = {}): Promise<RestoreSummary> {
  const started = performance.now();
  const mode = opts.overwrite ?? 'always';
  if (!['always', 'if-changed', 'if-newer', 'never'].includes(mode)) throw new InvalidArgumentError(`--overwrite: expected always, if-changed, if-newer or never, got '${mode}'`);
  const root = await findEntry(repo, snapshot, opts.subpath);
  const st: RestoreState = {
    repo,
    opts: { ...opts, overwrite: mode },
    selection: makeSelection(opts.includes, opts.excludes),
    owner: process.getuid?.() === 0 && !opts.noOwner,
    hardlinks: new Map(),
    sum: { files: 0, dirs: 0, bytes_written: 0, duration_s: 0, verified: false, skipped: 0, failed_files: [] },
    batches: undefined as unknown as SmallFileBatches,
    names: new UserGroupNames(),
    dirWalks: 0,
    euid: process.geteuid?.() ?? -1,
    egid: process.getegid?.() ?? -1,
    umask: process.umask(),
    budget: WalkBudget.of(snapshot),
  };
  st.batches = new SmallFileBatches(
    repo,
    (files, bytes, last) => {
      st.sum.files += files;
      st.sum.bytes_written += bytes;
      opts.progress?.({ files: st.sum.files, bytes: st.sum.bytes_written, current: last });
    },
    (rel, reason) => recordFailed(st, rel, reason),
    opts.signal,
  );
  const targetBuf = Buffer.from(path.resolve(target));
  await fs.mkdir(targetBuf, { recursive: true });
  const targetState = dirStateOf(targetBuf, (await fs.stat(targetBuf)).mode);
  try {
    if (root.type === EntryType.Dir) {
      await restoreDir(st, root, targetBuf, '', false, targetState);
    } else {
      const specials: Deferred[] = [];
      await restoreEntry(st, sanitizeEntry(root, opts), Buffer.concat([targetBuf, SLASH, root.name]), `/${root.name.toString()}`, false, targetState, specials);
      st.batches.defer(() => finishDir(specials, undefined, metaOptions(st), (rel, reason) => recordFailed(st, rel, reason)));
    }
    await st.batches.drain();
  } finally {
    await st.batches.close();
  }
  if (opts.verify) {
    const failed = new Set(st.sum.failed_files.map((f) => f.path));
    const errors = await verifyRestored(repo, root, targetBuf, st.selection, failed, WalkBudget.of(snapshot));
    // Verified means the target holds the whole selection, checked: not when files could not be restored.
    st.sum.verified = errors.length === 0 && failed.size === 0;
    if (errors.length) st.sum.verify_errors = errors;
  }
  st.sum.failed_files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  st.sum.duration_s = Math.round((performance.now() - started) / 10) / 100;
  return st.sum;
}

const metaOptions = (st: RestoreState) => ({ owner: st.owner, names: st.names });

/** Damaged or missing stored content (or a listing of it): the file is reported, the restore goes on.
 * A walk past the snapshot's own summary is not: it stops the restore. */
const isContentFailure = (e: unknown): e is Error => (e instanceof IntegrityError && !(e instanceof WalkBudgetError)) || e instanceof NotFoundError;

function recordFailed(st: RestoreState, rel: string, reason: string): void {
  st.sum.failed_files.push({ path: rel || '/', reason });
}

/**
 * Restore the children of a directory entry into `dir` (which exists), then — once the batches holding
 * its files are written — its links, special files and metadata. `state`: what a file created in dir
 * gets from it now. A listing that cannot be read is recorded as a failure of the directory.
 */
async function restoreDir(st: RestoreState, dirEntry: TreeEntry, dir: Buffer, rel: string, fresh: boolean, state: DirState): Promise<void> {
  const names = new Set<string>();
  const specials: Deferred[] = [];
  let listed = true;
  const slots = new Limiter(ENTRY_CONCURRENCY);
  const subdirs: Promise<void>[] = [];
  let failure: unknown;
  const onFailure = (err: unknown) => {
    failure ??= err;
    st.batches.fail(err); // the other walks stop too
  };
  // Whatever stops the walk, the walks and writes already started are waited for before this returns.
  try {
    const listing = dirEntry.subtree ? treeEntries(st.repo, dirEntry.subtree, st.budget) : undefined;
    while (listing) {
      let next: IteratorResult<TreeEntry>;
      try {
        next = await listing.next();
      } catch (err) {
        if (!isContentFailure(err)) throw err;
        recordFailed(st, rel, `directory listing: ${err.message}`);
        listed = false;
        break;
      }
      if (next.done) break;
      st.batches.check(); // interrupted, or a batch failed: stop walking
      if (failure) break;
      const e = sanitizeEntry(next.value, st.opts);
      if (st.opts.delete) names.add(e.name.toString('latin1'));
      const childRel = `${rel}/${e.name.toString()}`;
      if (!st.selection.selected(childRel, e.type === EntryType.Dir)) continue;
      if (st.opts.noSpecialFiles && isSpecialFile(e)) {
        st.sum.skipped++;
        continue;
      }
      const target = Buffer.concat([dir, SLASH, e.name]);
      if (e.type === EntryType.Dir && st.dirWalks < DIR_WALKS_MAX) {
        st.dirWalks++;
        const walk = restoreEntry(st, e, target, childRel, fresh, state, specials).catch(onFailure);
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
        await restoreEntry(st, e, target, childRel, fresh, state, specials);
        continue;
      }
      await slots.acquire();
      void restoreEntry(st, e, target, childRel, fresh, state, specials)
        .catch(onFailure)
        .finally(() => slots.release());
    }
  } catch (err) {
    onFailure(err);
  }
  await Promise.all(subdirs);
  await slots.idle();
  if (failure) throw failure;
  // A listing cut short does not say what else belongs here: nothing is deleted on its word.
  if (st.opts.delete && listed) await deleteExtra(dir, names);
  const self = rel !== '' ? { target: dir, rel, entry: dirEntry } : undefined;
  st.batches.defer(() => finishDir(specials, self, metaOptions(st), (r, reason) => recordFailed(st, r, reason)));
}

/**
 * `fresh`: the parent was made by this restore, so nothing exists at the target yet (no lstat needed).
 * Links and special files go to `specials` (made after the regular files: secondPass.ts).
 */
async function restoreEntry(st: RestoreState, e: TreeEntry, target: Buffer, rel: string, fresh: boolean, parent: DirState, specials: Deferred[]): Promise<void> {
  const existing = fresh ? undefined : await fs.lstat(target, { bigint: true }).catch(() => undefined);
  if (e.type === EntryType.Dir) {
    if (existing && !existing.isDirectory()) await fs.rm(target, { force: true });
    const made = !existing || !existing.isDirectory();
    if (made) await fs.mkdir(target, DIR_CREATE_MODE);
    st.sum.dirs++;
    return restoreDir(st, e, target, rel, made, made ? parent : dirStateOf(target, existing!.mode));
  }
  if (e.type === EntryType.Socket) return; // a socket is made by the program that listens on it
  if (existing && !shouldOverwrite(st.opts.overwrite!, e, existing)) {
    st.sum.skipped++;
    return;
  }
  // A regular file replaces what is there by rename (only once complete); anything else needs the name free.
  if (existing && (existing.isDirectory() || e.type !== EntryType.File)) await fs.rm(target, { recursive: existing.isDirectory(), force: true });
  if (e.type !== EntryType.File) {
    specials.push({ target, rel, entry: e });
    return;
  }
  try {
    if (e.nlink > 1n) return await restoreHardlinked(st, e, target, rel);
    if (isBatchable(e)) {
      const chunks: BlobId[] = [];
      for await (const id of fileChunkIds(st.repo, e)) chunks.push(id);
      return queueSmallFile(st, e, target, rel, parent, chunks);
    }
    await restoreContent(st, e, target, rel);
  } catch (err) {
    if (!isContentFailure(err)) throw err;
    recordFailed(st, rel, err.message);
  }
}

/**
 * The first name of an inode is written, later names link to it. Directories are walked side by side,
 * so the first name may still be being written: the map holds the promise of it, set before any await.
 */
async function restoreHardlinked(st: RestoreState, e: TreeEntry, target: Buffer, rel: string): Promise<void> {
  const linkKey = `${e.dev}:${e.inode}`;
  const first = st.hardlinks.get(linkKey);
  if (first) {
    const linked = await first.catch(() => undefined);
    if (!linked) throw new IntegrityError('hardlink: the first name of this file could not be restored');
    await fs.rm(target, { force: true });
    await fs.link(linked, target);
    st.sum.files++;
    return;
  }
  const written = restoreContent(st, e, target, rel).then(() => target);
  st.hardlinks.set(linkKey, written);
  await written;
}

/** Content then metadata of a regular file, here on the main thread; renamed into place complete. */
async function restoreContent(st: RestoreState, e: TreeEntry, target: Buffer, rel: string): Promise<void> {
  st.opts.progress?.({ files: st.sum.files, bytes: st.sum.bytes_written, current: rel });
  let written = 0;
  try {
    await writeFileContent(
      st.repo,
      st.batches,
      e,
      target,
      rel,
      (n) => {
        // Per chunk: a large file must not hold off an interrupt until it is written whole.
        if (st.opts.signal?.aborted) throw new InterruptedError();
        written += n;
        st.sum.bytes_written += n;
        st.opts.progress?.({ files: st.sum.files, bytes: st.sum.bytes_written, current: rel });
      },
      (tmp) => applyMetadata(tmp, e, metaOptions(st)),
    );
  } catch (err) {
    st.sum.bytes_written -= written; // not restored after all
    throw err;
  }
  st.sum.files++;
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
