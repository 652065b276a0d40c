// "The cache is only a cache" (issue 11): the LMDB index cache must never make the repository look
// different from what its index files say. A blob named by two index files survives the loss of
// either; repair snapshots decides "missing" from the index files; two copies of one repository
// (same id, other location) never share a cache folder; create re-reads an unchanged file whose
// chunks are no longer indexed.

import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readdirSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { openRepository } from '../../src/index.js';
import { Sandbox, diffTrees, snapshotTree } from './helpers.js';
import { flipByte, listPacks, newPacks, randomFile } from '../fixtures/damageRepo.js';

const indexNames = (repo: string) => readdirSync(path.join(repo, 'index')).filter((n) => !n.startsWith('.')).sort();
const cpA = (from: string, to: string) => expect(spawnSync('cp', ['-a', from, to]).status).toBe(0);

describe('a blob named by two index files', () => {
  const sb = new Sandbox('pw');
  afterAll(() => sb.cleanup());

  it('survives the removal of either file: restore works, check is clean, repair snapshots touches nothing', async () => {
    sb.init();
    const src = sb.path('src');
    randomFile(path.join(src, 'big.bin'), 400 * 1024);
    writeFileSync(path.join(src, 'small.txt'), 'small\n');
    sb.ok(['create', src]);
    const [first] = indexNames(sb.repo);
    // A second index file with the same entries (a fresh salt gives it another name): what two hosts
    // storing one blob at once, or a prune between writing its index and deleting the old, leave.
    const repo = await openRepository({ location: sb.repo, password: async () => Buffer.from('pw'), cacheDir: sb.path('lib-cache') });
    const second = await repo.saveIndexFile(await repo.loadIndexFile(first!));
    await repo.close();
    expect(indexNames(sb.repo)).toEqual([first, second].sort());

    for (const victim of [first!, second]) {
      const copy = sb.path(`repo-without-${victim.slice(0, 8)}`);
      cpA(sb.repo, copy);
      // A cache of its own for each case: which file's entry is the live one depends on their order.
      const env = { SNAP_REPO: copy, SNAP_CACHE_DIR: sb.path(`cache-${victim.slice(0, 8)}`) };
      sb.ok(['ls', 'latest'], { env }); // the cache applies both files
      unlinkSync(path.join(copy, 'index', victim));
      // What another host's prune does besides removing the file: it logs itself (else this client
      // rightly reports the vanished index file as a rollback, docs/operations-audit.md).
      const pruner = await openRepository({ location: copy, password: async () => Buffer.from('pw'), cacheDir: sb.path(`pruner-${victim.slice(0, 8)}`) });
      await pruner.log({ operation: 'prune', snapshot_ids: [], bytes_added: 0, bytes_freed: 0 });
      await pruner.close();
      const target = sb.path(`restore-${victim.slice(0, 8)}`);
      const r = sb.run(['restore', 'latest', target, '--json'], { env });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(diffTrees(snapshotTree(src, false), snapshotTree(path.join(target, src), false))).toEqual([]);
      expect(sb.run(['check', '--read-data'], { env }).code).toBe(0);
      const repair = JSON.parse(sb.ok(['repair', 'snapshots', '--dry-run', '--json'], { env }).stdout);
      expect(repair.snapshots).toEqual([]);
    }
  });
});

describe('two copies of one repository (same id)', () => {
  const sb = new Sandbox('pw');
  afterAll(() => sb.cleanup());

  it('do not share a cache folder: a blob only the copy stored is stored by the original too', async () => {
    sb.init();
    const src = sb.path('src');
    randomFile(path.join(src, 'a.bin'), 100 * 1024);
    sb.ok(['create', src]);
    const copy = sb.path('copy');
    cpA(sb.repo, copy);
    // The original stays open (as a long create would) while the copy stores a new file.
    const original = await openRepository({ location: sb.repo, password: async () => Buffer.from('pw'), cacheDir: sb.cache });
    try {
      await original.blobIndex();
      randomFile(path.join(src, 'b.bin'), 200 * 1024);
      sb.ok(['create', src], { env: { SNAP_REPO: copy } });
      const copyRepo = await openRepository({ location: copy, password: async () => Buffer.from('pw'), cacheDir: sb.path('c2') });
      const copyIndex = await copyRepo.blobIndex();
      let onlyInCopy = 0;
      for (const { id } of copyIndex.entries()) if (!(await original.lookup(id))) onlyInCopy++;
      await copyRepo.close();
      expect(onlyInCopy).toBeGreaterThan(0);
      expect(original.cacheDir).not.toBe(copyRepo.cacheDir);
    } finally {
      await original.close();
    }
    const created = sb.json(['create', src]);
    expect(created.bytes_added).toBeGreaterThanOrEqual(200 * 1024);
    for (const repo of [sb.repo, copy]) expect(sb.run(['check', '--read-data'], { env: { SNAP_REPO: repo } }).code).toBe(0);
    expect(readdirSync(sb.cache).filter((n) => /^[0-9a-f]{64}-[0-9a-f]{16}$/.test(n)).length).toBe(2);
  });
});

describe('create after repair index dropped damaged blobs', () => {
  const sb = new Sandbox('pw');
  afterAll(() => sb.cleanup());

  it('re-reads the unchanged file whose chunks are gone, and the new snapshot restores it bit for bit', () => {
    sb.init();
    const src = sb.path('src');
    randomFile(path.join(src, 'keep.bin'), 100 * 1024);
    sb.ok(['create', src]);
    const before = listPacks(sb.repo);
    randomFile(path.join(src, 'sub/victim.bin'), 300 * 1024);
    sb.ok(['create', src]);
    const data = newPacks(before, listPacks(sb.repo))[0]!;
    flipByte(data.file, Math.floor(data.size / 3));
    const repaired = sb.json(['repair', 'index', '--read-data']);
    expect(repaired.blobs_dropped).toBeGreaterThan(0);
    const created = sb.json(['create', src]);
    expect(created.bytes_added).toBeGreaterThan(0);
    const target = sb.path('restore');
    expect(sb.run(['restore', 'latest', target]).code).toBe(0);
    expect(diffTrees(snapshotTree(src, false), snapshotTree(path.join(target, src), false))).toEqual([]);
    rmSync(target, { recursive: true, force: true });
  });
});
