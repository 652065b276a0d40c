// The walk behind `repair snapshots`: which parts of each snapshot's tree reference blobs that are
// gone — a data chunk not in the index, a chunk list or tree that will not load (missing, or failing
// its id). It records only the damage (as a small tree of what to drop), not the snapshot; trees and
// chunk lists found whole are remembered in a scratch LMDB table, so snapshots that share them cost
// nothing more. Data chunks are looked up, not read: run `repair index --read-data` first to drop
// chunks whose content is damaged, then they count as missing here.
//
// "Missing" is decided by the index FILES (read into a scratch table, as check does), never by the
// LMDB cache: this walk decides what gets rewritten out of every snapshot, and a stale or damaged
// cache must not make an intact file look lost. An index file that cannot be read stops the repair
// (its blobs would all look missing): `repair index` rebuilds the index files first.

import { IntegrityError, NotFoundError, UnsupportedFormatError } from '../../errors.js';
import type { BlobId } from '../../ids.js';
import type { Repository } from '../../repository/repository.js';
import { loadIndexTruth, type IndexTruth } from '../check/indexTruth.js';
import type { Snapshot } from '../../repository/snapshotRecord.js';
import { decodeChunkListBlob, EntryType, type TreeEntry } from '../../tree/index.js';
import { foldTree, type TreeFold } from '../../tree/walk.js';
import type { ScratchDb, ScratchTable } from '../../scratch/scratchDb.js';

/** What is wrong below one tree. `lost`: the tree itself will not load, the directory becomes empty. */
export type TreeDamage =
  | { lost: true; reason: string }
  | {
      lost: false;
      /** Files to drop (key: the name's bytes as latin1), in name order. */
      files: Map<string, { name: Buffer; reason: string }>;
      /** Subdirectories with damage below them, in name order. */
      dirs: Map<string, { name: Buffer; subtree: BlobId; damage: TreeDamage }>;
    };

export interface SnapshotDamage {
  snapshot: Snapshot;
  /** undefined: the snapshot is whole. */
  damage: TreeDamage | undefined;
}

const WHOLE = Buffer.alloc(0);
export type DirDamage = Extract<TreeDamage, { lost: false }>;
const key = (name: Buffer) => name.toString('latin1');

/** The blobs the index files name, and reading them from where those files say. */
export interface IndexedBlobs {
  has(id: BlobId): boolean;
  load(id: BlobId): Promise<Buffer>;
}

/** Read every index file into `scratch`; one that cannot be read is an IntegrityError naming it. */
export async function indexedBlobsFromFiles(repo: Repository, scratch: ScratchDb, signal?: AbortSignal): Promise<IndexedBlobs> {
  const unreadable: string[] = [];
  const truth: IndexTruth = await loadIndexTruth(repo, scratch, (e) => unreadable.push(e.message), signal);
  if (unreadable.length) {
    throw new IntegrityError(`repair snapshots: ${unreadable[0]}${unreadable.length > 1 ? ` (and ${unreadable.length - 1} more)` : ''}; run 'snap repair index' first`);
  }
  return {
    has: (id) => truth.lookup(id) !== undefined,
    load: async (id) => {
      const loc = truth.lookup(id);
      if (!loc) throw new IntegrityError(`blob ${id.toString('hex')} is not named by any index file (missing data)`, { blob: id.toString('hex') });
      return repo.loadBlobAt(id, loc);
    },
  };
}

export class DamageFinder {
  private readonly whole: ScratchTable;
  private readonly damaged = new Map<string, TreeDamage>();

  constructor(
    private readonly index: IndexedBlobs,
    scratch: ScratchDb,
    private readonly signal?: AbortSignal,
  ) {
    this.whole = scratch.table('whole');
  }

  async snapshots(snaps: Snapshot[]): Promise<SnapshotDamage[]> {
    const out: SnapshotDamage[] = [];
    for (const snapshot of snaps) out.push({ snapshot, damage: await this.tree(Buffer.from(snapshot.tree, 'hex') as BlobId) });
    return out;
  }

  async tree(id: BlobId): Promise<TreeDamage | undefined> {
    return (await foldTree(this.fold(), id)) ?? undefined;
  }

  /** A tree's result: its damage, or null when it is whole (both remembered: shared trees are walked once). */
  private fold(): TreeFold<DirDamage, TreeDamage | null> {
    const record = (tree: BlobId, result: TreeDamage | null): TreeDamage | null => {
      if (result) this.damaged.set(tree.toString('hex'), result);
      else this.whole.put(tree, WHOLE);
      return result;
    };
    return {
      load: this.index.load,
      signal: this.signal,
      known: (tree) => (this.whole.has(tree) ? null : this.damaged.get(tree.toString('hex'))),
      open: () => ({ lost: false, files: new Map(), dirs: new Map() }),
      entry: async ({ files, dirs }, e, _dir, descend) => {
        if (e.type === EntryType.Dir && e.subtree) {
          const d = await descend();
          if (d) dirs.set(key(e.name), { name: Buffer.from(e.name), subtree: Buffer.from(e.subtree) as BlobId, damage: d });
        } else if (e.type === EntryType.File) {
          const reason = await this.file(e);
          if (reason) files.set(key(e.name), { name: Buffer.from(e.name), reason });
        }
      },
      close: ({ files, dirs }, tree) => record(tree, files.size || dirs.size ? { lost: false, files, dirs } : null),
      failed: (tree, _path, e) => {
        if (!isDamage(e)) throw e;
        return record(tree, { lost: true, reason: (e as Error).message });
      },
    };
  }

  /** Why a file cannot be restored whole, or undefined. */
  private async file(e: TreeEntry): Promise<string | undefined> {
    for (const id of e.chunks ?? []) if (!this.index.has(id)) return `chunk ${id.toString('hex')} is missing`;
    for (const listId of e.chunkList ?? []) {
      if (this.whole.has(listId)) continue;
      let ids: BlobId[];
      try {
        ids = decodeChunkListBlob(await this.index.load(listId));
      } catch (err) {
        if (!isDamage(err)) throw err;
        return `chunk list ${listId.toString('hex')} cannot be loaded: ${(err as Error).message}`;
      }
      for (const id of ids) if (!this.index.has(id)) return `chunk ${id.toString('hex')} is missing`;
      this.whole.put(listId, WHOLE);
    }
    return undefined;
  }
}

function isDamage(e: unknown): boolean {
  return e instanceof IntegrityError || e instanceof UnsupportedFormatError || e instanceof NotFoundError;
}

/** Every snapshot record that loads, oldest first; the others are listed (repair cannot use them). */
export async function loadReadableSnapshots(repo: Repository): Promise<{ snapshots: Snapshot[]; unreadable: Array<{ id: string; message: string }> }> {
  const snapshots: Snapshot[] = [];
  const unreadable: Array<{ id: string; message: string }> = [];
  for (const id of await repo.listSnapshotIds()) {
    try {
      snapshots.push(await repo.loadSnapshot(id));
    } catch (e) {
      if (!(isDamage(e) || e instanceof SyntaxError)) throw e;
      unreadable.push({ id, message: (e as Error).message });
    }
  }
  snapshots.sort((a, b) => Date.parse(a.time) - Date.parse(b.time) || (a.id < b.id ? -1 : 1));
  return { snapshots, unreadable };
}
