// maintenance/diff owns `snap diff`: walking two snapshots side by side and comparing entries.
//
// `snap diff A B`: what changed between two snapshots. Both trees are walked together in name order;
// a directory whose subtree id is the same on both sides holds the same entries, so it is skipped
// without being read, and a diff of two nightly snapshots costs the directories that changed.

import { InterruptedError } from '../../errors.js';
import type { BlobId } from '../../ids.js';
import type { Repository } from '../../repository/repository.js';
import type { Snapshot } from '../../repository/snapshotRecord.js';
import { EntryType, type TreeEntry } from '../../tree/index.js';
import { joinPath, treeEntries, walkEntries } from '../../tree/walk.js';
import { WalkBudget } from '../../tree/walkBudget.js';
import { contentEqual, metadataEqual, equalExceptMtime } from './compareEntries.js';

export type DiffKind = 'added' | 'removed' | 'modified' | 'type_changed' | 'metadata_only';

export interface DiffItem {
  kind: DiffKind;
  /** The path in the snapshot, "/home/me/file" (raw bytes: names need not be UTF-8). */
  path: Buffer;
  /** The entry's type in B (in A for removed entries). */
  type: EntryType;
  /** File size in bytes (0 for other types). */
  size: number;
}

export interface DiffTotals {
  added: number;
  removed: number;
  modified: number;
  type_changed: number;
  metadata_only: number;
  /** Total size of the added entries. */
  bytes_added: number;
  /** Total size of the removed entries. */
  bytes_removed: number;
}

export interface DiffOptions {
  /** Each difference, in path order (directories before what they contain). */
  onItem: (item: DiffItem) => void;
  progress?: (p: { entries: number; current: string }) => void;
  signal?: AbortSignal;
}

/** `a` null: compare with nothing (everything in `b` is added). */
export async function diffSnapshots(repo: Repository, a: Snapshot | null, b: Snapshot, opts: DiffOptions): Promise<DiffTotals> {
  const totals: DiffTotals = { added: 0, removed: 0, modified: 0, type_changed: 0, metadata_only: 0, bytes_added: 0, bytes_removed: 0 };
  // The directories above the backed-up paths are only scaffolding (their metadata is recorded, but
  // they were not backed up, and e.g. /tmp's mtime changes all the time): their metadata is not compared.
  const scaffolding = new Set<string>();
  for (const p of [...(a?.paths ?? []), ...b.paths]) {
    const parts = p.split('/').filter(Boolean);
    for (let i = 1; i < parts.length; i++) scaffolding.add(`/${parts.slice(0, i).join('/')}`);
  }
  let entries = 0;
  let sink: DiffItem[] | undefined; // set while a directory's own line waits on what its children show
  const emit = (item: DiffItem): void => {
    if (item.kind !== 'metadata_only') {
      totals[item.kind]++;
      if (item.kind === 'added') totals.bytes_added += item.size;
      if (item.kind === 'removed') totals.bytes_removed += item.size;
    } else totals.metadata_only++;
    if (sink) sink.push(item);
    else opts.onItem(item);
  };
  const item = (kind: DiffKind, e: TreeEntry, path: Buffer): DiffItem => ({ kind, path, type: e.type, size: e.type === EntryType.File ? Number(e.size) : 0 });

  // Each side's walk is bounded by what its snapshot records (a forged DAG of trees would not end).
  const budgets = { removed: a ? WalkBudget.of(a) : undefined, added: WalkBudget.of(b) };
  const load = (id: BlobId): Promise<Buffer> => repo.loadTreeBlob(id);
  const entriesOf = (tree: BlobId | undefined, side: 'added' | 'removed'): AsyncIterator<TreeEntry> =>
    tree ? treeEntries(load, tree, budgets[side]) : (async function* () {})();

  /** Everything below a directory that exists on one side only: pre-order, each entry then what it holds. */
  const whole = async (kind: 'added' | 'removed', dir: TreeEntry, path: Buffer): Promise<void> => {
    if (dir.type !== EntryType.Dir || !dir.subtree) return;
    for await (const { e, path: p } of walkEntries(load, dir.subtree, path, { budget: budgets[kind], signal: opts.signal })) emit(item(kind, e, p));
  };

  /** Compares two directories' entries; true when a name appeared, vanished or changed type directly in them. */
  const diffDirs = async (ta: BlobId | undefined, tb: BlobId | undefined, path: Buffer): Promise<boolean> => {
    if (opts.signal?.aborted) throw new InterruptedError();
    opts.progress?.({ entries, current: path.toString() || '/' });
    const ia = entriesOf(ta, 'removed');
    const ib = entriesOf(tb, 'added');
    let ea = (await ia.next()).value as TreeEntry | undefined;
    let eb = (await ib.next()).value as TreeEntry | undefined;
    let direct = false;
    while (ea || eb) {
      entries++;
      const c = !ea ? 1 : !eb ? -1 : Buffer.compare(ea.name, eb.name);
      if (c < 0) {
        const p = joinPath(path, ea!.name);
        emit(item('removed', ea!, p));
        await whole('removed', ea!, p);
        direct = true;
        ea = (await ia.next()).value as TreeEntry | undefined;
      } else if (c > 0) {
        const p = joinPath(path, eb!.name);
        emit(item('added', eb!, p));
        await whole('added', eb!, p);
        direct = true;
        eb = (await ib.next()).value as TreeEntry | undefined;
      } else {
        if (await diffEntry(ea!, eb!, joinPath(path, eb!.name))) direct = true;
        ea = (await ia.next()).value as TreeEntry | undefined;
        eb = (await ib.next()).value as TreeEntry | undefined;
      }
    }
    return direct;
  };

  /** One name present on both sides; true when its type changed. */
  const diffEntry = async (ea: TreeEntry, eb: TreeEntry, path: Buffer): Promise<boolean> => {
    if (ea.type !== eb.type) {
      emit(item('type_changed', eb, path));
      await whole('removed', ea, path);
      await whole('added', eb, path);
      return true;
    }
    if (ea.type !== EntryType.Dir) {
      if (!contentEqual(ea, eb)) emit(item('modified', eb, path));
      else if (!metadataEqual(ea, eb)) emit(item('metadata_only', eb, path));
      return false;
    }
    const compareMeta = !scaffolding.has(path.toString());
    const sameTree = Boolean(ea.subtree && eb.subtree && ea.subtree.equals(eb.subtree)) || (!ea.subtree && !eb.subtree);
    if (!compareMeta || metadataEqual(ea, eb)) {
      if (!sameTree) await diffDirs(ea.subtree, eb.subtree, path);
      return false;
    }
    if (!equalExceptMtime(ea, eb)) {
      emit(item('metadata_only', eb, path));
      if (!sameTree) await diffDirs(ea.subtree, eb.subtree, path);
      return false;
    }
    // Only the mtime differs: that follows from adding, removing or renaming entries inside, so it is
    // reported only when nothing like that happened directly in this directory (e.g. `touch dir`).
    if (sameTree) {
      emit(item('metadata_only', eb, path));
      return false;
    }
    const outer = sink;
    const inner: DiffItem[] = [];
    sink = inner;
    let direct: boolean;
    try {
      direct = await diffDirs(ea.subtree, eb.subtree, path);
    } finally {
      sink = outer;
    }
    if (!direct) emit(item('metadata_only', eb, path));
    for (const it of inner) (sink ? sink.push(it) : opts.onItem(it));
    return false;
  };

  const treeA = a ? (Buffer.from(a.tree, 'hex') as BlobId) : undefined;
  if (a?.tree !== b.tree) await diffDirs(treeA, Buffer.from(b.tree, 'hex') as BlobId, Buffer.alloc(0));
  return totals;
}
