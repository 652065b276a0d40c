// DAG amplification (issue 15, item 11): trees are content-addressed, so a tree whose two entries
// point at the same subtree, at every level, is 2^depth paths from `depth` small tree blobs. A walk
// (restore, its --verify, ls, verify) stops with one clear error once it goes past what the snapshot's
// own record says it holds. The crafted repository is real: tree blobs written with the library's
// own encoder and blob saver, the record with the repository's own writer.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Sandbox } from './helpers.js';
import { openRepository } from '../../src/repository/openRepository.js';
import { BlobSaver } from '../../src/repository/blobSaver.js';
import { findEntry, treeEntries } from '../../src/restorer/findEntry.js';
import { buildTree, EntryType, type TreeEntry } from '../../src/tree/index.js';
import { BlobType, type BlobId } from '../../src/ids.js';

/** 2^12 = 4 096 files and 8 190 directories from 13 tree blobs; the record says 1 file, 1 directory. */
const DEPTH = 12;

describe('a snapshot whose trees repeat a sub-tree at every level', () => {
  const sb = new Sandbox();
  const src = sb.path('src');
  let crafted: string;
  beforeAll(async () => {
    sb.init();
    mkdirSync(src);
    writeFileSync(path.join(src, 'f'), 'one file');
    sb.ok(['create', src]);
    const repo = await openRepository({ location: sb.repo, password: async () => Buffer.from(sb.password!), cacheDir: sb.cache });
    try {
      const [real] = await repo.listSnapshots();
      const dir = await findEntry(repo, real!, src);
      const files: TreeEntry[] = [];
      for await (const e of treeEntries(repo, dir.subtree!)) files.push(e);
      const saver = new BlobSaver(repo);
      const store = async (bytes: Buffer): Promise<BlobId> => {
        const id = repo.idHasher.hash(bytes);
        await saver.save(BlobType.Tree, id, bytes);
        return id;
      };
      const saveTree = async (entries: TreeEntry[]) => store(await buildTree(entries, store));
      let subtree = await saveTree(files);
      for (let level = 0; level < DEPTH; level++) {
        const twin = (name: string): TreeEntry => ({ ...dir, name: Buffer.from(name), subtree });
        subtree = await saveTree([twin('x'), twin('y')]);
      }
      const root = await saveTree([{ ...dir, name: Buffer.from('bomb'), type: EntryType.Dir, subtree }]);
      await saver.flush();
      crafted = await repo.saveSnapshot({ ...real!, paths: ['/bomb'], tree: root.toString('hex'), parent: null });
    } finally {
      await repo.close();
    }
  });
  afterAll(() => sb.cleanup());

  const countFiles = (dir: string): number => {
    try {
      return readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).length;
    } catch {
      return 0;
    }
  };

  it('restore stops with one clear error, having written at most what the record allows', () => {
    const out = sb.path('out');
    const r = sb.run(['restore', crafted, out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/more than its record says .*sub-trees repeat/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(countFiles(out)).toBeLessThanOrEqual(1);
  });

  it('ls --recursive and verify stop the same way', () => {
    const ls = sb.run(['ls', crafted, '--recursive']);
    expect(ls.code).toBe(1);
    expect(ls.stderr).toMatch(/sub-trees repeat/);
    expect(ls.stdout.split('\n').length).toBeLessThan(100);
    // verify descends where the disk has the directories: one branch of the bomb and its twin at the bottom.
    const deep = sb.path('disk', 'bomb', ...Array.from({ length: DEPTH - 1 }, () => 'x'));
    for (const twin of ['x', 'y']) mkdirSync(path.join(deep, twin), { recursive: true });
    const v = sb.run(['verify', `${crafted}:/`, sb.path('disk')]);
    expect(v.code).toBe(1);
    expect(v.stderr).toMatch(/sub-trees repeat/);
  });

  it('the real snapshot beside it restores as before', () => {
    const r = sb.run(['restore', 'latest', sb.path('real'), '--path', src, '--verify']);
    expect(r.code, r.stderr).toBe(0);
  });
});
