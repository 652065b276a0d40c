// `snap verify <snapshot>[:<path>] <dir>`: compare a directory on disk with a snapshot's sub-tree, by
// content (each file's regions hashed at the snapshot's chunk lengths and compared with the chunk ids,
// so nothing is read from the repository but the trees) and by metadata, listing every difference.
// The compared directory itself is the restore target's role: its own metadata is not compared (restore
// does not set it either). Sockets are not expected on disk: restore cannot create them.

import { promises as fs, type BigIntStats } from 'node:fs';
import path from 'node:path';
import { InterruptedError, NotFoundError } from '../errors.js';
import type { Repository } from '../repository/repository.js';
import type { Snapshot } from '../repository/snapshotRecord.js';
import { EntryType, type TreeEntry } from '../tree/index.js';
import { ROOT_PATH, walkEntries } from '../tree/walk.js';
import { findEntry } from './findEntry.js';
import { WalkBudget } from '../tree/walkBudget.js';
import { verifyFile } from './verifyRestored.js';
import { compareMetadata } from './verify/compareMetadata.js';
import type { VerifyDifference, VerifyResult } from './verify/types.js';

export type { VerifyDifference, VerifyKind, VerifyResult } from './verify/types.js';

export interface VerifyOptions {
  /** Compare uid/gid (default: when running as root, like restore). */
  owner?: boolean;
  progress?: (p: { files: number; bytes: number; current: string }) => void;
  signal?: AbortSignal;
}

const SLASH = Buffer.from('/');
const TYPE_NAMES: Record<EntryType, string> = {
  [EntryType.File]: 'file', [EntryType.Dir]: 'dir', [EntryType.Symlink]: 'symlink', [EntryType.Fifo]: 'fifo',
  [EntryType.Socket]: 'socket', [EntryType.CharDevice]: 'chardev', [EntryType.BlockDevice]: 'blockdev',
};

/** The sub-tree compared by default: the snapshot's one backed-up path, else its root. */
export function defaultVerifyPath(snapshot: Snapshot): string {
  return snapshot.paths.length === 1 ? snapshot.paths[0]! : '/';
}

export async function verifyDir(repo: Repository, snapshot: Snapshot, subpath: string | undefined, dir: string, opts: VerifyOptions = {}): Promise<VerifyResult> {
  const root = await findEntry(repo, snapshot, subpath ?? defaultVerifyPath(snapshot));
  const budget = WalkBudget.of(snapshot);
  const owner = opts.owner ?? process.getuid?.() === 0;
  const differences: VerifyDifference[] = [];
  let checked = 0;
  let files = 0;
  let bytes = 0;
  const diskRoot = Buffer.from(path.resolve(dir));
  const top = await fs.lstat(diskRoot, { bigint: true }).catch(() => undefined);
  if (!top) throw new NotFoundError(`verify: ${dir} does not exist`);

  const diskType = (st: BigIntStats): EntryType =>
    st.isFile() ? EntryType.File : st.isDirectory() ? EntryType.Dir : st.isSymbolicLink() ? EntryType.Symlink : st.isFIFO() ? EntryType.Fifo
      : st.isCharacterDevice() ? EntryType.CharDevice : st.isBlockDevice() ? EntryType.BlockDevice : EntryType.Socket;

  /** One snapshot entry against what is at `p` on disk. */
  const compare = async (e: TreeEntry, p: Buffer, rel: string, path: Buffer): Promise<void> => {
    if (opts.signal?.aborted) throw new InterruptedError();
    checked++;
    const st = await fs.lstat(p, { bigint: true }).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined;
      throw err;
    });
    if (!st) {
      if (e.type !== EntryType.Socket) differences.push({ path: rel, kind: 'missing', detail: `${TYPE_NAMES[e.type]} not on disk` });
      return;
    }
    const t = diskType(st);
    if (t !== e.type) {
      differences.push({ path: rel, kind: 'type', detail: `snapshot ${TYPE_NAMES[e.type]}, disk ${TYPE_NAMES[t]}` });
      return;
    }
    switch (e.type) {
      case EntryType.File: {
        if (st.size !== e.size) differences.push({ path: rel, kind: 'size', detail: `snapshot ${e.size} bytes, disk ${st.size} bytes` });
        else {
          const why = await verifyFile(repo, e, p);
          if (why) differences.push({ path: rel, kind: 'content', detail: why });
        }
        files++;
        bytes += Number(e.size);
        opts.progress?.({ files, bytes, current: rel });
        break;
      }
      case EntryType.Symlink: {
        const target = await fs.readlink(p, { encoding: 'buffer' });
        const want = e.linkTarget ?? Buffer.alloc(0);
        if (!target.equals(want)) differences.push({ path: rel, kind: 'link', detail: `snapshot -> ${want.toString()}, disk -> ${target.toString()}` });
        break;
      }
      case EntryType.CharDevice:
      case EntryType.BlockDevice:
        if (st.rdev !== (e.rdev ?? 0n)) differences.push({ path: rel, kind: 'content', detail: `device number: snapshot ${e.rdev ?? 0n}, disk ${st.rdev}` });
        break;
      case EntryType.Dir:
        differences.push(...compareMetadata(e, st, rel, owner));
        return open(p, path);
    }
    differences.push(...compareMetadata(e, st, rel, owner));
  };

  // The directories being compared, innermost last, each with its names on disk (raw byte order, like
  // the snapshot's entries) and how far the walk has come through them.
  const openDirs: Array<{ path: Buffer; rel: string; onDisk: Buffer[]; i: number }> = [];
  const open = async (p: Buffer, path: Buffer): Promise<void> => {
    const onDisk = (await fs.readdir(p, { encoding: 'buffer' })).sort(Buffer.compare);
    openDirs.push({ path, rel: path.toString(), onDisk, i: 0 });
  };
  const extra = (rel: string, name: Buffer) => differences.push({ path: `${rel}/${name.toString()}`, kind: 'extra', detail: 'not in the snapshot' });
  /** Names on disk after the last entry of each directory the walk has left: extra. */
  const closeUntil = (parent: Buffer | undefined): void => {
    for (let d = openDirs.at(-1); d && (parent === undefined || !d.path.equals(parent)); d = openDirs.at(-1)) {
      while (d.i < d.onDisk.length) extra(d.rel, d.onDisk[d.i++]!);
      openDirs.pop();
    }
  };
  /** The entries of the directory `d` (at `p` on disk, `path` in the snapshot) and all below, against the disk. */
  const compareChildren = async (d: TreeEntry, p: Buffer, path: Buffer): Promise<void> => {
    await open(p, path);
    if (d.subtree) {
      const walk = walkEntries(repo.loadTreeBlob, d.subtree, path, { budget, descend: (_e, q) => openDirs.at(-1)?.path.equals(q) ?? false });
      for await (const { e, path: q } of walk) {
        closeUntil(q.subarray(0, q.length - e.name.length - 1));
        const dir = openDirs.at(-1)!;
        while (dir.i < dir.onDisk.length && Buffer.compare(dir.onDisk[dir.i]!, e.name) < 0) extra(dir.rel, dir.onDisk[dir.i++]!);
        if (dir.i < dir.onDisk.length && dir.onDisk[dir.i]!.equals(e.name)) dir.i++;
        await compare(e, Buffer.concat([diskRoot, q]), q.toString(), q);
      }
    }
    closeUntil(undefined);
  };

  if (root.type === EntryType.Dir) {
    if (!top.isDirectory()) throw new NotFoundError(`verify: ${dir} is not a directory`);
    await compareChildren(root, diskRoot, ROOT_PATH);
  } else {
    // A single file: <dir>/<name>, where restore would have put it, or <dir> itself when that is no directory.
    const p = top.isDirectory() ? Buffer.concat([diskRoot, SLASH, root.name]) : diskRoot;
    await compare(root, p, `/${root.name.toString()}`, ROOT_PATH);
  }
  return { ok: differences.length === 0, checked, differences };
}
