// restore --verify: re-read every restored file and check each chunk's bytes against its id.

import { promises as fs } from 'node:fs';
import type { Repository } from '../repository/repository.js';
import { EntryType, type TreeEntry } from '../tree/index.js';
import { ROOT_PATH, walkEntries } from '../tree/walk.js';
import { fileChunkIds } from './findEntry.js';
import type { Selection } from './selection.js';
import type { WalkBudget } from '../tree/walkBudget.js';

const SLASH = Buffer.from('/');

/**
 * Every regular file the restore took (the same `selection`: selection.ts) is re-read and compared
 * chunk by chunk; files the restore reported as failed (`failed`, by path) are not looked for again.
 */
export async function verifyRestored(repo: Repository, root: TreeEntry, target: Buffer, selection: Selection, failed: ReadonlySet<string>, budget?: WalkBudget): Promise<string[]> {
  const errors: string[] = [];
  const check = async (e: TreeEntry, p: Buffer, rel: string): Promise<void> => {
    const why = await verifyFile(repo, e, p);
    if (why) errors.push(`${rel}: ${why}`);
  };
  if (root.type !== EntryType.Dir) {
    const rel = `/${root.name.toString()}`;
    if (root.type === EntryType.File && selection.selected(rel, false) && !failed.has(rel)) await check(root, Buffer.concat([target, SLASH, root.name]), rel);
    return errors;
  }
  if (failed.has('/') || !root.subtree) return errors;
  // What restore skipped (not selected, or failed as a whole directory) is neither checked nor walked.
  const taken = (e: TreeEntry, path: Buffer): boolean => {
    const rel = path.toString();
    return selection.selected(rel, e.type === EntryType.Dir) && !failed.has(rel);
  };
  for await (const { e, path } of walkEntries(repo.loadTreeBlob, root.subtree, ROOT_PATH, { budget, descend: taken })) {
    if (e.type === EntryType.File && taken(e, path)) await check(e, Buffer.concat([target, path]), path.toString());
  }
  return errors;
}

export async function verifyFile(repo: Repository, e: TreeEntry, p: Buffer): Promise<string | undefined> {
  let fh;
  try {
    fh = await fs.open(p, 'r');
  } catch (err) {
    return (err as Error).message;
  }
  try {
    const index = await repo.blobIndex();
    let pos = 0;
    for await (const id of fileChunkIds(repo, e)) {
      const loc = index.lookup(id);
      if (!loc) return `chunk ${id.toString('hex').slice(0, 12)} is not in the index`;
      const buf = Buffer.allocUnsafe(loc.rawLength);
      const { bytesRead } = await fh.read(buf, 0, loc.rawLength, pos);
      if (bytesRead !== loc.rawLength || !repo.idHasher.hash(buf).equals(id)) return `content differs at offset ${pos}`;
      pos += loc.rawLength;
    }
    const st = await fh.stat();
    if (st.size !== pos) return `size is ${st.size}, expected ${pos}`;
    return undefined;
  } finally {
    await fh.close();
  }
}
