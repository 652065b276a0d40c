// Directory fingerprints (src/archiver/dirCache.ts): an unchanged directory reuses the parent's tree
// without reading it, and any change the per-file check would see still makes a new tree.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { findEntry, openRepository } from '../../src/index.js';
import { Sandbox, snapshotTree, diffTrees, tmpDir } from './helpers.js';

describe('directory fingerprints', () => {
  const sb = new Sandbox();
  const cache = tmpDir('snap-dircache-');
  const out = tmpDir('snap-dircache-out-');
  sb.env = { SNAP_CACHE_DIR: cache };
  let src: string;
  const trees = async (): Promise<string[]> => {
    const repo = await openRepository({ location: sb.repo, password: async () => Buffer.from(sb.password!), cacheDir: cache });
    try {
      // The tree of src itself: the root's changes with the mtimes of /tmp and the sandbox, which
      // other tests running beside this one move.
      const out: string[] = [];
      for (const s of await repo.listSnapshots()) out.push((await findEntry(repo, s, src)).subtree!.toString('hex'));
      return out;
    } finally {
      await repo.close();
    }
  };
  const restored = (name: string) => {
    sb.ok(['restore', 'latest', path.join(out, name)]);
    return path.join(out, name, src);
  };

  beforeAll(() => {
    sb.init();
    src = sb.path('src');
    for (let d = 0; d < 6; d++) {
      mkdirSync(path.join(src, `d${d}`, 'leaf'), { recursive: true });
      for (let f = 0; f < 5; f++) writeFileSync(path.join(src, `d${d}`, 'leaf', `f${f}.txt`), `dir ${d} file ${f}\n`.repeat(50 + f));
      writeFileSync(path.join(src, `d${d}`, 'top.txt'), `top ${d}\n`);
    }
  });
  afterAll(() => {
    sb.cleanup();
    for (const d of [cache, out]) rmSync(d, { recursive: true, force: true });
  });

  it('an unchanged re-backup gives the parent tree id, with the same counts', async () => {
    const first = sb.json(['create', src]);
    expect(existsSync(path.join(cache))).toBe(true);
    const second = sb.json(['create', src]);
    const third = sb.json(['create', src]); // this one finds fingerprints recorded by the second
    for (const r of [second, third]) {
      expect(r.files_unmodified).toBe(36);
      expect(r.files_new + r.files_changed + r.bytes_read).toBe(0);
      expect(r.dirs).toBe(first.dirs);
      expect(r.total_bytes).toBe(first.total_bytes);
    }
    const t = await trees();
    expect(new Set(t).size).toBe(1);
  });

  it('sees a file rewritten with the same size and mtime (ctime moved) in a fingerprinted directory', async () => {
    const f = path.join(src, 'd2', 'leaf', 'f3.txt');
    const before = statSync(f);
    const changed = readFileSync(f).toString().replace('dir 2', 'DIR 2');
    writeFileSync(f, changed);
    utimesSync(f, before.atime, before.mtime);
    const r = sb.json(['create', src]);
    expect(r.files_changed).toBe(1);
    expect(r.files_unmodified).toBe(35);
    expect(readFileSync(path.join(restored('r1'), 'd2', 'leaf', 'f3.txt')).toString()).toBe(changed);
  });

  it('sees an added and a removed file, and a mode change', async () => {
    writeFileSync(path.join(src, 'd4', 'leaf', 'new.txt'), 'new\n');
    rmSync(path.join(src, 'd5', 'leaf', 'f0.txt'));
    chmodSync(path.join(src, 'd1', 'leaf', 'f1.txt'), 0o600);
    const r = sb.json(['create', src]);
    expect(r.files_new).toBe(1);
    expect(r.files_changed).toBe(1); // the chmod moved its ctime
    expect(r.total_files).toBe(36);
    expect(diffTrees(snapshotTree(src), snapshotTree(restored('r2')))).toEqual([]);
    const again = sb.json(['create', src]);
    expect(again.files_unmodified).toBe(36);
  });

  it('excludes take part: a different exclude makes a different tree, the old one comes back', async () => {
    const all = (await trees()).at(-1);
    sb.json(['create', src, '--exclude', '*.txt']);
    const [, withEx] = (await trees()).slice(-2);
    expect(withEx).not.toBe(all);
    const back = sb.json(['create', src]); // its parent (the excluding one) lacks the files: read again
    expect(back.files_new).toBe(36);
    expect(back.bytes_added).toBe(0);
    expect((await trees()).at(-1)).toBe(all);
  });

  it('never takes a recorded tree that is not the parent snapshot\'s (--parent of an older night)', async () => {
    const t = await trees();
    const oldest = sb.json<Array<{ id: string }>>(['list'])[0]!.id;
    // The cache holds the latest listing's trees; the older parent has other trees for d2, d4, d5.
    const r = sb.json(['create', src, '--parent', oldest]);
    expect(r.parent_id).toBe(oldest);
    expect((await trees()).at(-1)).toBe(t.at(-1)); // rebuilt to the very same tree
    expect(diffTrees(snapshotTree(src), snapshotTree(restored('r3')))).toEqual([]);
  });

  it('works the same without the cache folder', async () => {
    const latest = (await trees()).at(-1);
    for (const name of readdirSync(cache)) rmSync(path.join(cache, name), { recursive: true, force: true });
    const r = sb.json(['create', src]);
    expect(r.files_unmodified).toBe(36);
    expect((await trees()).at(-1)).toBe(latest);
  });
});
