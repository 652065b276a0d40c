// Restore saves everything it can (issue 12): a file whose stored content is damaged or missing is
// reported (path and reason, JSON `failed_files`), every other file is restored, and the exit is 1.
// Files get their real name only once complete, so neither a damaged file nor a killed restore leaves
// a partial file that a later `--overwrite if-newer` would keep.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { diffTrees, Sandbox, snapshotTree } from './helpers.js';
import { flipByte, listPacks, newPacks } from '../fixtures/damageRepo.js';
import { openRepository } from '../../src/repository/openRepository.js';
import { findEntry } from '../../src/restorer/findEntry.js';
import { packObjectName } from '../../src/pack/packFormat.js';

const MiB = 1024 * 1024;

const leftovers = (dir: string) =>
  readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((n) => path.basename(n).startsWith('.snap-restore-'));

describe('restore with damaged or missing content', () => {
  const sb = new Sandbox();
  const src = sb.path('src');
  let intact: ReturnType<typeof snapshotTree>;
  beforeAll(() => {
    sb.init();
    for (let i = 0; i < 100; i++) {
      mkdirSync(path.join(src, `d${i % 10}`), { recursive: true });
      writeFileSync(path.join(src, `d${i % 10}`, `f${i}.txt`), `file ${i} `.repeat(50 + i));
    }
    sb.ok(['create', src]);
    let before = listPacks(sb.repo);
    writeFileSync(path.join(src, 'big.bin'), randomBytes(4 * MiB));
    sb.ok(['create', src]);
    const bigPack = newPacks(before, listPacks(sb.repo))[0]!;
    flipByte(bigPack.file, Math.floor(bigPack.size / 2));
    before = listPacks(sb.repo);
    // 200 KB of random bytes: a batched small file (not the 64 KiB single-write path). Its chunks (at
    // least the 32 KiB minimum each) may land in different open data packs; the night's tree pack is
    // far smaller, so every new pack over 30 KiB holds a piece of lost.bin.
    writeFileSync(path.join(src, 'd3', 'lost.bin'), randomBytes(200 * 1024));
    sb.ok(['create', src]);
    const lostPacks = newPacks(before, listPacks(sb.repo)).filter((p) => p.size > 30 * 1024);
    expect(lostPacks.length).toBeGreaterThan(0);
    for (const p of lostPacks) unlinkSync(p.file);
    intact = snapshotTree(src);
    intact.delete('/big.bin');
    intact.delete('/d3/lost.bin');
  });
  afterAll(() => sb.cleanup());

  it('restores the 100 intact files bit-identical, names the damaged and the missing one, exits 1', () => {
    const out = sb.path('out-json');
    const r = sb.run(['restore', 'latest', out, '--json']);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout);
    const root = path.join(out, src);
    expect(doc.failed_files.map((f: { path: string }) => f.path)).toEqual([`${src}/big.bin`, `${src}/d3/lost.bin`]);
    expect(doc.failed_files[0].reason).toMatch(/damaged/);
    expect(doc.failed_files[1].reason).toMatch(/missing/);
    expect(doc.files).toBe(100);
    expect(doc.verified).toBe(false);
    expect(diffTrees(intact, snapshotTree(root))).toEqual([]);
    expect(existsSync(path.join(root, 'big.bin'))).toBe(false);
    expect(existsSync(path.join(root, 'd3', 'lost.bin'))).toBe(false);
    expect(leftovers(out)).toEqual([]);
  });

  it('--verify checks the restored files and still says verified: false (the restore is not whole)', () => {
    const r = sb.run(['restore', 'latest', sb.path('out-verify'), '--verify', '--json']);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ files: 100, verified: false });
    expect(doc.failed_files).toHaveLength(2);
    expect(r.stderr).not.toMatch(/snap: verify:/);
  });

  it('text mode: one stderr line per failed file, then the count', () => {
    const out = sb.path('out-text');
    const r = sb.run(['restore', 'latest', out]);
    expect(r.code).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines[0]).toMatch(new RegExp(`^snap: restore: ${src}/big\\.bin: .*damaged`));
    expect(lines[1]).toMatch(new RegExp(`^snap: restore: ${src}/d3/lost\\.bin: .*missing`));
    expect(lines[2]).toMatch(/2 file\(s\) could not be restored/);
    expect(r.stdout).toMatch(/restored 100 files/);
  });
});

describe('restore with a damaged directory listing', () => {
  const sb = new Sandbox();
  const src = sb.path('src');
  beforeAll(async () => {
    sb.init();
    for (const d of ['good', 'bad']) {
      mkdirSync(path.join(src, d, 'inner'), { recursive: true });
      writeFileSync(path.join(src, d, 'inner', 'f.txt'), `in ${d}`);
    }
    writeFileSync(path.join(src, 'top.txt'), 'top');
    sb.ok(['create', src]);
    const repo = await openRepository({ location: sb.repo, password: async () => Buffer.from(sb.password!), cacheDir: sb.cache });
    try {
      const [snap] = await repo.listSnapshots();
      const bad = await findEntry(repo, snap!, `${src}/bad`);
      const loc = (await repo.lookup(bad.subtree!))!;
      flipByte(path.join(sb.repo, packObjectName(loc.packId)), loc.offset + Math.floor(loc.storedLength / 2));
    } finally {
      await repo.close();
    }
  });
  afterAll(() => sb.cleanup());

  it('names the directory, restores everything else', () => {
    const out = sb.path('out');
    const r = sb.run(['restore', 'latest', out, '--json']);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout);
    expect(doc.failed_files.map((f: { path: string }) => f.path)).toEqual([`${src}/bad`]);
    expect(doc.failed_files[0].reason).toMatch(/^directory listing: /);
    expect(readFileSync(path.join(out, src, 'good', 'inner', 'f.txt'), 'utf8')).toBe('in good');
    expect(readFileSync(path.join(out, src, 'top.txt'), 'utf8')).toBe('top');
    expect(readdirSync(path.join(out, src, 'bad'))).toEqual([]);
  });
});

describe('a killed restore leaves no partial file under a real name', () => {
  const sb = new Sandbox();
  const src = sb.path('src');
  beforeAll(() => {
    sb.init();
    mkdirSync(src);
    writeFileSync(path.join(src, 'a.txt'), 'small');
    writeFileSync(path.join(src, 'big.bin'), randomBytes(48 * MiB));
    sb.ok(['create', src]);
  });
  afterAll(() => sb.cleanup());

  it('SIGKILL mid-file, then --overwrite if-newer gives the whole tree (long: writes 48 MiB twice)', async () => {
    const out = sb.path('out');
    const root = path.join(out, src);
    const child = sb.spawn(['restore', 'latest', out]);
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    // Kill once some of the big file is on disk, under whatever name the restore writes it.
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        const names = existsSync(root) ? readdirSync(root) : [];
        const partial = names.some((n) => n !== 'a.txt' && (statSync(path.join(root, n), { throwIfNoEntry: false })?.size ?? 0) > 0);
        if (partial) {
          clearInterval(poll);
          child.kill('SIGKILL');
          resolve();
        }
      }, 5);
    });
    await exited;
    const big = statSync(path.join(root, 'big.bin'), { throwIfNoEntry: false });
    expect(big === undefined || big.size === 48 * MiB).toBe(true);
    sb.ok(['restore', 'latest', out, '--overwrite', 'if-newer']);
    const tree = snapshotTree(root);
    for (const n of [...tree.keys()]) if (n.includes('.snap-restore-')) tree.delete(n); // what a SIGKILL leaves
    expect(diffTrees(snapshotTree(src), tree)).toEqual([]);
    rmSync(out, { recursive: true, force: true });
  }, 60_000);
});
