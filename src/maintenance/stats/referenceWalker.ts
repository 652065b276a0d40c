// Walks snapshots and reports each blob the first time any walked snapshot references it, plus each
// snapshot's logical size. Directories are content-addressed, so a subtree already walked (in this
// snapshot or an earlier one) is not read again: its logical size is remembered, and every blob below
// it was reported then. Walking N nightly snapshots therefore costs the first tree plus what changed.

import type { BlobId } from '../../ids.js';
import type { Repository } from '../../repository/repository.js';
import { decodeChunkListBlob, decodeTreeNode, EntryType, NodeKind } from '../../tree/index.js';
import { foldTree, type TreeFold } from '../../tree/walk.js';
import { SeenSet } from './seenSet.js';

/** Key prefixes in the seen set: a data blob; a tree blob (dir node, part, chunk list); a walked dir with its size. */
const KEY_DATA = 0;
const KEY_TREE = 1;
const KEY_DIR = 2;

export interface BlobSizes {
  raw: number;
  stored: number;
}

export interface WalkCounters {
  /** Distinct data blobs first seen, their raw and stored bytes. */
  dataBlobs: number;
  dataRaw: number;
  dataStored: number;
  /** Distinct tree blobs (directory nodes and parts, chunk lists) first seen. */
  treeBlobs: number;
  treeRaw: number;
  treeStored: number;
  /** Referenced blobs the index does not know (a damaged repository: `snap check` says more). */
  missing: number;
}

export interface WalkProgress {
  entries: number;
  logicalBytes: number;
  current: string;
}

export const zeroCounters = (): WalkCounters => ({ dataBlobs: 0, dataRaw: 0, dataStored: 0, treeBlobs: 0, treeRaw: 0, treeStored: 0, missing: 0 });

export class ReferenceWalker {
  /** Totals since the walker was made; callers diff them around a snapshot to get its share. */
  readonly counters = zeroCounters();
  private entries = 0;
  private logical = 0;

  private constructor(
    private readonly repo: Repository,
    private readonly seen: SeenSet,
    private readonly progress: (p: WalkProgress) => void,
    private readonly signal: AbortSignal | undefined,
  ) {}

  static create(repo: Repository, opts: { progress?: (p: WalkProgress) => void; signal?: AbortSignal } = {}): ReferenceWalker {
    return new ReferenceWalker(repo, SeenSet.create(repo.cacheDir), opts.progress ?? (() => undefined), opts.signal);
  }

  /** The logical size (sum of file sizes) of the tree `rootTree`, noting every blob it references. */
  walk(rootTree: BlobId): Promise<number> {
    return foldTree(this.fold(), rootTree);
  }

  /** A directory's result is its logical size, remembered in the seen set (so a shared subtree is read once). */
  private fold(): TreeFold<{ total: number }, number> {
    return {
      load: (id) => this.repo.loadTreeBlob(id),
      known: (tree) => {
        const memo = this.seen.get(key(KEY_DIR, tree));
        return memo ? Number(memo.readBigUInt64LE(0)) : undefined;
      },
      signal: this.signal,
      open: async (tree, bytes) => {
        await this.noteTree(tree);
        const node = decodeTreeNode(bytes, tree);
        if (node.kind === NodeKind.Indirect) for (const part of node.parts) await this.noteTree(part);
        return { total: 0 };
      },
      entry: async (state, e, _dir, descend) => {
        this.entries++;
        if (e.type === EntryType.File) {
          state.total += Number(e.size);
          this.logical += Number(e.size);
          for (const id of e.chunks ?? []) await this.noteData(id);
          for (const listId of e.chunkList ?? []) {
            // A list blob seen before was walked then: its data ids are all noted.
            if (!(await this.noteTree(listId))) continue;
            for (const id of decodeChunkListBlob(await this.repo.loadBlob(listId))) await this.noteData(id);
          }
        } else if (e.type === EntryType.Dir && e.subtree) {
          state.total += await descend();
        }
      },
      close: (state, tree, path) => {
        const v = Buffer.alloc(8);
        v.writeBigUInt64LE(BigInt(state.total));
        this.seen.add(key(KEY_DIR, tree), v);
        this.progress({ entries: this.entries, logicalBytes: this.logical, current: path.toString() || '/' });
        return state.total;
      },
    };
  }

  private async noteData(id: BlobId): Promise<void> {
    if (!this.seen.add(key(KEY_DATA, id))) return;
    const sizes = await this.sizes(id);
    if (!sizes) return;
    this.counters.dataBlobs++;
    this.counters.dataRaw += sizes.raw;
    this.counters.dataStored += sizes.stored;
  }

  /** True when the tree blob is new to this walk. */
  private async noteTree(id: BlobId): Promise<boolean> {
    if (!this.seen.add(key(KEY_TREE, id))) return false;
    const sizes = await this.sizes(id);
    if (sizes) {
      this.counters.treeBlobs++;
      this.counters.treeRaw += sizes.raw;
      this.counters.treeStored += sizes.stored;
    }
    return true;
  }

  private async sizes(id: BlobId): Promise<BlobSizes | undefined> {
    const loc = await this.repo.lookup(id);
    if (!loc) {
      this.counters.missing++;
      return undefined;
    }
    return { raw: loc.rawLength, stored: loc.storedLength };
  }

  close(): Promise<void> {
    return this.seen.close();
  }
}

function key(kind: number, id: BlobId): Buffer {
  const k = Buffer.allocUnsafe(1 + id.length);
  k[0] = kind;
  id.copy(k, 1);
  return k;
}
