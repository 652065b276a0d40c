// `snap restore`: rebuild a tree from a snapshot. Content first, then each entry's metadata, and a
// directory's metadata after everything inside it (so its mtime sticks). Hardlinked files are
// restored as hardlinks. Every chunk is verified against its id as it is read.

import { promises as fs } from 'node:fs';
import path from 'node:path';
import picomatch from 'picomatch';
import { InterruptedError, InvalidArgumentError } from '../errors.js';
import type { Repository } from '../repository/repository.js';
import type { Snapshot } from '../repository/snapshotRecord.js';
import { applyMetadata, createSpecial, EntryType, type TreeEntry } from '../tree/index.js';
import { findEntry, treeEntries } from './findEntry.js';
import { writeFileContent } from './writeFile.js';
import { verifyRestored } from './verifyRestored.js';
import { Limiter } from '../repository/limiter.js';

/** Files of one directory restored at once. */
const ENTRY_CONCURRENCY = 8;

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
  hardlinks: Map<string, Buffer>;
  sum: RestoreSummary;
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
  };
  const targetBuf = Buffer.from(path.resolve(target));
  await fs.mkdir(targetBuf, { recursive: true });
  if (root.type === EntryType.Dir) {
    await restoreDir(st, root, targetBuf, '');
  } else {
    await restoreEntry(st, root, Buffer.concat([targetBuf, Buffer.from('/'), root.name]), `/${root.name.toString()}`, false);
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

/** Restore the children of a directory entry into `dir` (which exists), then the dir's metadata. */
async function restoreDir(st: RestoreState, dirEntry: TreeEntry, dir: Buffer, rel: string, fresh = false): Promise<void> {
  const names = new Set<string>();
  const slots = new Limiter(ENTRY_CONCURRENCY);
  let failure: unknown;
  if (dirEntry.subtree) {
    for await (const e of treeEntries(st.repo, dirEntry.subtree)) {
      if (st.opts.signal?.aborted) throw new InterruptedError();
      if (failure) break;
      names.add(e.name.toString('latin1'));
      const childRel = `${rel}/${e.name.toString()}`;
      if (!selected(st, childRel, e.type === EntryType.Dir)) continue;
      const target = Buffer.concat([dir, Buffer.from('/'), e.name]);
      // Directories and hardlinked files in order; other entries several at a time (small files are latency-bound).
      if (e.type === EntryType.Dir || e.nlink > 1n) {
        await restoreEntry(st, e, target, childRel, fresh);
        continue;
      }
      await slots.acquire();
      void restoreEntry(st, e, target, childRel, fresh)
        .catch((err) => {
          failure ??= err;
        })
        .finally(() => slots.release());
    }
  }
  await slots.idle();
  if (failure) throw failure;
  if (st.opts.delete) await deleteExtra(dir, names);
  if (rel !== '') await applyMetadata(dir, dirEntry, { owner: st.owner });
}

/** `fresh`: the parent was made by this restore, so nothing exists at the target yet (no lstat needed). */
async function restoreEntry(st: RestoreState, e: TreeEntry, target: Buffer, rel: string, fresh: boolean): Promise<void> {
  const existing = fresh ? undefined : await fs.lstat(target, { bigint: true }).catch(() => undefined);
  if (e.type === EntryType.Dir) {
    if (existing && !existing.isDirectory()) await fs.rm(target, { force: true });
    const made = !existing || !existing.isDirectory();
    if (made) await fs.mkdir(target);
    st.sum.dirs++;
    return restoreDir(st, e, target, rel, made);
  }
  if (existing && !shouldOverwrite(st.opts.overwrite!, e, existing)) {
    st.sum.skipped++;
    return;
  }
  if (existing) await fs.rm(target, { recursive: existing.isDirectory(), force: true });
  const linkKey = e.type === EntryType.File && e.nlink > 1n ? `${e.dev}:${e.inode}` : undefined;
  const firstLink = linkKey ? st.hardlinks.get(linkKey) : undefined;
  if (firstLink) {
    await fs.link(firstLink, target);
    st.sum.files++;
    return;
  }
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
      if (linkKey) st.hardlinks.set(linkKey, target);
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
  await applyMetadata(target, e, { owner: st.owner });
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
