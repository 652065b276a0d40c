// The one tree walker: "load a tree, go through its entries part by part, descend into
// subdirectories" is written here once, and what differs between its users is an argument:
//  - foldTree: depth first, entries in name order (or a few at once, `entriesAtOnce`), each tree
//    folded into a result (a size, "clean", a damage record, a rebuilt tree id) that its parent gets
//    from `descend()`; `known` prunes subtrees whose result is known (seen before), `shared` lets
//    concurrent branches wait on one walk of a shared subtree, `budget` stops a walk that goes past
//    what the snapshot records (tree/walkBudget.ts: trees are a DAG, and repeated subtrees can
//    give 2^depth paths), `failed` turns a tree that will not load into a result.
//    Users: stats, check, repair, copy.
//  - walkEntries: the same order as a stream of (entry, path), for walks that print or compare as
//    they go and need no result per tree. Users: ls, diff (one side only), verify.
//  - visitTrees: no order, `concurrency` trees loaded at once, only the entries are seen; each tree
//    blob (and each part of a big directory) is read at most once, as `isNew` decides. Users: prune's
//    used-blob walk (what must stay), where order is irrelevant and speed is the point.
//
// Which set of seen ids a walk keeps (one rule for the code base):
//  - the sorted typed-array set (maintenance/prune/idSet.ts: IdSetBuilder → SortedIds, 32 bytes an id
//    in the JS heap, no object per id) when the walk only needs "seen or not", the ids are many (every
//    data chunk) and the finished set is then queried read-only (prune asks it for every indexed blob);
//  - the scratch LMDB set (scratch/scratchDb.ts, stats/seenSet.ts: a throwaway environment in the cache
//    directory, removed on close) when a value goes with each id (check's clean/problem status, stats'
//    remembered subtree size), or the set is read and updated all along the walk, or memory must not
//    grow with the repository at all (its pages are page cache, not heap).
//  A JS Set/Map of hex strings (~130 bytes an id) only for small sets: the trees of a walk in flight.

import { IntegrityError, InterruptedError } from '../errors.js';
import type { BlobId } from '../ids.js';
import { mapPool, drainQueue } from '../pool.js';
import { EntryType, type TreeEntry } from './entry.js';
import { decodeTreeNode, NodeKind, readTreeParts } from './treeCodec.js';
import { joinPath } from './fsPaths.js';

/** Loads a tree blob (a directory node, a part of a big directory), verified against its id. */
export type TreeLoader = (id: BlobId) => Promise<Buffer>;

/** Counts each entry a walk sees and throws past a bound (tree/walkBudget.ts WalkBudget). */
export interface EntryBudget {
  take(e: TreeEntry): void;
}

/** The path of a walk's root: empty, so a child is "/name" (raw bytes: names need not be UTF-8). */
export const ROOT_PATH: Buffer = Buffer.alloc(0);
export { joinPath };

/** The entries of one tree blob in name order (its parts loaded as needed), each counted by `budget`. */
export async function* treeEntries(load: TreeLoader, tree: BlobId, budget?: EntryBudget): AsyncGenerator<TreeEntry> {
  for await (const part of readTreeParts(await load(tree), load, tree)) {
    for (const e of part) {
      budget?.take(e);
      yield e;
    }
  }
}

/** What walkEntries yields: an entry and its path. */
export interface WalkedEntry {
  e: TreeEntry;
  path: Buffer;
}

/**
 * Every entry below the tree `tree` (at `path`) as a stream, depth first in name order, each before
 * what it holds; `recursive: false` gives one level, `descend` (asked after the directory's own
 * entry was handled) prunes the subtrees it refuses. For walks that print or compare as they go.
 */
export async function* walkEntries(
  load: TreeLoader,
  tree: BlobId,
  path: Buffer,
  opts: { budget?: EntryBudget; signal?: AbortSignal; recursive?: boolean; descend?: (e: TreeEntry, path: Buffer) => boolean } = {},
): AsyncGenerator<WalkedEntry> {
  if (opts.signal?.aborted) throw new InterruptedError();
  for await (const e of treeEntries(load, tree, opts.budget)) {
    const p = joinPath(path, e.name);
    yield { e, path: p };
    if (opts.recursive !== false && e.type === EntryType.Dir && e.subtree && (opts.descend?.(e, p) ?? true)) yield* walkEntries(load, e.subtree, p, opts);
  }
}

/** How foldTree treats each tree: S is the state while its entries are seen, R its result, V an entry's value. */
export interface TreeFold<S, R, V = void> {
  load: TreeLoader;
  budget?: EntryBudget;
  signal?: AbortSignal;
  /** A tree's result known without reading it (walked before): the walk does not go below it. */
  known?(tree: BlobId, path: Buffer): R | undefined;
  /** Walks of a tree in flight or done, by hex id: a branch that meets one waits for it instead of walking again. */
  shared?: Map<string, Promise<R>>;
  /** The tree's blob is loaded (its bytes, e.g. to note the parts of a big directory): the state for its entries. */
  open(tree: BlobId, bytes: Buffer, path: Buffer): S | Promise<S>;
  /**
   * One entry of the tree at `dir`. For a directory, `descend()` walks its subtree (only if called)
   * and gives that result: call it before or after handling the entry (pre- or post-order), or not at all.
   */
  entry(state: S, e: TreeEntry, dir: Buffer, descend: () => Promise<R>): V | Promise<V>;
  /** Entries of one part handled at once (default 1: one after the other in name order). */
  entriesAtOnce?: number;
  /** After each part: the values its entries gave, in name order. */
  part?(state: S, values: V[]): void | Promise<void>;
  /** Every entry seen: the tree's result. */
  close(state: S, tree: BlobId, path: Buffer): R | Promise<R>;
  /**
   * The tree would not load or decode, or handling an entry threw: the result instead (rethrow what
   * is no damage; a budget's error too). `state` is undefined when the tree's blob did not load.
   */
  failed?(tree: BlobId, path: Buffer, error: unknown, state: S | undefined): R;
}

/** Folds the tree `tree` (at `path`) and everything below it, depth first. */
export function foldTree<S, R, V>(fold: TreeFold<S, R, V>, tree: BlobId, path: Buffer = ROOT_PATH): Promise<R> {
  const known = fold.known?.(tree, path);
  if (known !== undefined) return Promise.resolve(known);
  if (!fold.shared) return walkOne(fold, tree, path);
  const key = tree.toString('hex');
  let job = fold.shared.get(key);
  if (!job) fold.shared.set(key, (job = walkOne(fold, tree, path)));
  return job;
}

async function walkOne<S, R, V>(fold: TreeFold<S, R, V>, tree: BlobId, path: Buffer): Promise<R> {
  if (fold.signal?.aborted) throw new InterruptedError();
  let state: S | undefined;
  try {
    const bytes = await fold.load(tree);
    const s = (state = await fold.open(tree, bytes, path));
    const handle = (e: TreeEntry): V | Promise<V> => {
      // Copied: the entry is a view into its tree blob, which a long walk should not keep alive.
      const descend = (): Promise<R> => (e.subtree ? foldTree(fold, Buffer.from(e.subtree) as BlobId, joinPath(path, e.name)) : Promise.reject(new IntegrityError(`${e.name.toString()} has no subtree`)));
      return fold.entry(s, e, path, descend);
    };
    const width = fold.entriesAtOnce ?? 1;
    for await (const part of readTreeParts(bytes, fold.load, tree)) {
      let values: V[];
      if (width > 1) {
        for (const e of part) fold.budget?.take(e);
        values = await mapPool(part, width, async (e) => handle(e), fold.signal);
      } else {
        values = fold.part ? new Array<V>(part.length) : [];
        for (let i = 0; i < part.length; i++) {
          fold.budget?.take(part[i]!);
          const v = await handle(part[i]!);
          if (fold.part) values[i] = v;
        }
      }
      await fold.part?.(s, values);
    }
    return await fold.close(s, tree, path);
  } catch (error) {
    if (!fold.failed) throw error;
    return fold.failed(tree, path, error, state);
  }
}

/** How visitTrees reads trees: no order, each tree blob at most once. */
export interface TreeVisit {
  load: TreeLoader;
  /** Tree blobs loaded at once: enough to overlap reads, decryption and decompression. */
  concurrency: number;
  signal?: AbortSignal;
  /** Whether a tree blob (directory node or part) is new to the walk; false: it is not read (again). */
  isNew(id: BlobId): boolean;
  /** The entries of one leaf (a small directory or a part of a big one). Subdirectories are queued by the walk. */
  entries(entries: TreeEntry[]): void | Promise<void>;
  /** After each tree blob read (progress). */
  onTree?(): void;
}

/** Reads every tree below `roots` that `isNew` admits (roots included), `concurrency` at once. */
export async function visitTrees(roots: readonly BlobId[], v: TreeVisit): Promise<void> {
  // Only ids of trees still to visit are queued, so memory is bounded by the walk's frontier.
  const queue: BlobId[] = roots.filter((r) => v.isNew(r));
  const leaf = async (entries: TreeEntry[]): Promise<void> => {
    v.onTree?.();
    await v.entries(entries);
    for (const e of entries) {
      if (e.subtree && v.isNew(e.subtree)) queue.push(Buffer.from(e.subtree) as BlobId);
    }
  };
  await drainQueue(queue, v.concurrency, async (id) => {
    const node = decodeTreeNode(await v.load(id), id);
    if (node.kind === NodeKind.Leaf) return leaf(node.entries);
    for (const part of node.parts) {
      // Parts are shared between versions of a big directory: only unseen ones are read.
      if (!v.isNew(part)) continue;
      const p = decodeTreeNode(await v.load(Buffer.from(part) as BlobId), part);
      if (p.kind !== NodeKind.Leaf) throw new IntegrityError(`tree part ${part.toString('hex')} of tree ${id.toString('hex')} is not a leaf`, { blob: part.toString('hex') });
      await leaf(p.entries);
    }
  }, v.signal);
}
