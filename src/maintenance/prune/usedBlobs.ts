// Which blobs the snapshots that stay still need: every tree blob (directory roots and the leaf
// parts of big directories), every chunk-list blob of big files, and every data chunk. Each tree
// is read once however many snapshots share it (an unchanged directory has the same id every
// night), so the walk costs what changed between snapshots, not their number.
//
// Memory stays bounded: ids go into an IdSetBuilder (sorted 32-byte records, no JS object per id),
// and the walk (tree/walk.ts visitTrees) queues only the ids of trees still to visit and holds at
// most WALK_CONCURRENCY tree blobs at once.

import { IntegrityError } from '../../errors.js';
import { ID_BYTES, type BlobId } from '../../ids.js';
import type { Repository } from '../../repository/repository.js';
import type { Snapshot } from '../../repository/snapshotRecord.js';
import { decodeChunkListBlob, type TreeEntry } from '../../tree/index.js';
import { visitTrees } from '../../tree/walk.js';
import { IdSetBuilder, type SortedIds } from './idSet.js';

/** Tree blobs loaded at once: enough to overlap reads, decryption and decompression. */
const WALK_CONCURRENCY = 8;

export interface UsedBlobsProgress {
  trees: number;
  dataIds: number;
}

export interface UsedBlobsOptions {
  onProgress?: (p: UsedBlobsProgress) => void;
  signal?: AbortSignal;
}

/** The set of blob ids that `snapshots` reference, trees and data alike. Throws if a tree is missing or damaged. */
export async function collectUsedBlobs(repo: Repository, snapshots: readonly Snapshot[], opts: UsedBlobsOptions = {}): Promise<SortedIds> {
  const used = new IdSetBuilder();
  const roots: BlobId[] = [];
  const progress: UsedBlobsProgress = { trees: 0, dataIds: 0 };

  for (const s of snapshots) {
    const root = Buffer.from(s.tree, 'hex') as BlobId;
    if (root.length !== ID_BYTES) throw new IntegrityError(`snapshot ${s.id} names an invalid tree id '${s.tree}'`, { object: `snapshots/${s.id}` });
    roots.push(root);
  }

  const load = (id: BlobId): Promise<Buffer> => repo.loadBlob(id); // verified against its id (invariant 8)

  await visitTrees(roots, {
    load,
    concurrency: WALK_CONCURRENCY,
    signal: opts.signal,
    isNew: (id) => used.add(id),
    entries: async (entries: TreeEntry[]) => {
      for (const e of entries) {
        if (e.chunks) {
          for (const c of e.chunks) used.addUnchecked(c);
          progress.dataIds += e.chunks.length;
        }
        for (const listId of e.chunkList ?? []) {
          if (!used.add(listId)) continue;
          const ids = decodeChunkListBlob(await load(Buffer.from(listId) as BlobId));
          for (const c of ids) used.addUnchecked(c);
          progress.dataIds += ids.length;
        }
      }
    },
    onTree: () => {
      progress.trees++;
      opts.onProgress?.(progress);
    },
  });
  return used.finish();
}
