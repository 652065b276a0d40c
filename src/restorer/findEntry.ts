// Find the entry at a path inside a snapshot (the root is a synthetic directory).

import { NotFoundError } from '../errors.js';
import type { BlobId } from '../ids.js';
import type { Repository } from '../repository/repository.js';
import type { Snapshot } from '../repository/snapshotRecord.js';
import { EntryType, type TreeEntry } from '../tree/index.js';
import { treeEntries as entriesOfTree } from '../tree/walk.js';
import type { WalkBudget } from '../tree/walkBudget.js';

export function rootEntry(snapshot: Snapshot): TreeEntry {
  const t = BigInt(Date.parse(snapshot.time)) * 1_000_000n;
  return {
    name: Buffer.from('/'),
    type: EntryType.Dir,
    mode: 0o755,
    uid: 0,
    gid: 0,
    size: 0n,
    mtimeNs: t,
    ctimeNs: t,
    dev: 0n,
    inode: 0n,
    nlink: 1n,
    subtree: Buffer.from(snapshot.tree, 'hex') as BlobId,
  };
}

/** The entries of a tree blob (its parts loaded as needed). With `budget`, each entry is counted
 * against what the snapshot records (tree/walkBudget.ts): pass one budget for the whole walk. */
export async function* treeEntries(repo: Repository, tree: BlobId, budget?: WalkBudget): AsyncGenerator<TreeEntry> {
  yield* entriesOfTree(repo.loadTreeBlob, tree, budget);
}

/** The entry at `subpath` ("/", "/home/me/file"); NotFoundError naming the missing component. */
export async function findEntry(repo: Repository, snapshot: Snapshot, subpath: string | undefined): Promise<TreeEntry> {
  let entry = rootEntry(snapshot);
  const parts = (subpath ?? '/').split('/').filter(Boolean);
  let walked = '';
  for (const part of parts) {
    if (entry.type !== EntryType.Dir || !entry.subtree) throw new NotFoundError(`${walked || '/'} in snapshot ${snapshot.id.slice(0, 8)} is not a directory`);
    const want = Buffer.from(part);
    let found: TreeEntry | undefined;
    for await (const e of treeEntries(repo, entry.subtree)) {
      if (e.name.equals(want)) {
        found = e;
        break;
      }
    }
    walked += `/${part}`;
    if (!found) throw new NotFoundError(`no ${walked} in snapshot ${snapshot.id.slice(0, 8)}`);
    entry = found;
  }
  return entry;
}

/** The data chunk ids of a file entry, loading chunk-list blobs when the list is indirect. */
export async function* fileChunkIds(repo: Repository, e: TreeEntry): AsyncGenerator<BlobId> {
  if (e.chunks) yield* e.chunks;
  if (e.chunkList) {
    const { decodeChunkListBlob } = await import('../tree/index.js');
    for (const listId of e.chunkList) yield* decodeChunkListBlob(await repo.loadBlob(listId));
  }
}
