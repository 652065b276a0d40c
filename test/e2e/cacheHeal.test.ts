// "The cache heals itself" (issue 12) and "the cache is private" (issue 15 item 7), through the built
// CLI: a garbage or truncated LMDB file in the cache folder is set aside and rebuilt from index/
// with one line on stderr, never a death by SIGSEGV/SIGBUS; the folder is 0700 and its files 0600
// even under umask 000.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { BIN, Sandbox, diffTrees, snapshotTree } from './helpers.js';
import { randomFile } from '../fixtures/damageRepo.js';

const repoFolder = (sb: Sandbox) => {
  const names = readdirSync(sb.cache).filter((n) => /^[0-9a-f]{64}-[0-9a-f]{16}$/.test(n));
  expect(names.length).toBe(1);
  return path.join(sb.cache, names[0]!);
};
const dataFile = (sb: Sandbox, env = 'index') => path.join(repoFolder(sb), env, 'data.mdb');
const garbage = (file: string) => writeFileSync(file, randomBytes(64 * 1024));
const lines = (s: string) => s.split('\n').filter(Boolean);

describe('a damaged index cache', () => {
  const sb = new Sandbox('pw');
  let src: string;
  beforeAll(() => {
    sb.init();
    src = sb.path('src');
    randomFile(path.join(src, 'a.bin'), 300 * 1024);
    randomFile(path.join(src, 'd/b.bin'), 50 * 1024);
    sb.ok(['create', src]);
  });
  afterAll(() => sb.cleanup());

  const expectHealed = (r: { code: number; stderr: string }) => {
    expect(r.code).toBe(0);
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toMatch(/^snap: the index cache .*\/index was damaged \(.*\); set it aside .* and rebuilt it/);
  };

  it('garbage data.mdb: ls, restore and create each say so in one line and succeed', () => {
    garbage(dataFile(sb));
    expectHealed(sb.run(['ls', 'latest']));
    garbage(dataFile(sb));
    const target = sb.path('restore');
    expectHealed(sb.run(['restore', 'latest', target]));
    expect(diffTrees(snapshotTree(src, false), snapshotTree(path.join(target, src), false))).toEqual([]);
    garbage(dataFile(sb));
    randomFile(path.join(src, 'c.bin'), 10 * 1024);
    expectHealed(sb.run(['create', src]));
    expect(readdirSync(path.join(sb.repo, 'locks'))).toEqual([]);
    expect(sb.run(['check', '--read-data']).code).toBe(0);
  });

  it('truncated data.mdb: no SIGBUS, one line, success', () => {
    const file = dataFile(sb);
    expect(statSync(file).size).toBeGreaterThan(4 * 4096);
    truncateSync(file, 3 * 4096);
    expectHealed(sb.run(['ls', 'latest']));
    truncateSync(dataFile(sb), 3 * 4096);
    const r = sb.run(['create', src]);
    expectHealed(r);
    expect(readdirSync(path.join(sb.repo, 'locks'))).toEqual([]);
  });

  it('garbage in the directory fingerprints or the verification record: create and check still work', () => {
    sb.ok(['check', '--read-data-subset', '50%']);
    for (const env of ['dirs', 'verified']) {
      expect(existsSync(dataFile(sb, env))).toBe(true);
      garbage(dataFile(sb, env));
    }
    expect(sb.run(['create', src]).code).toBe(0);
    expect(sb.run(['check', '--read-data-subset', '50%']).code).toBe(0);
  });
});

describe('the cache folder under umask 000', () => {
  const sb = new Sandbox('pw');
  afterAll(() => sb.cleanup());

  it('is 0700, and every file in it 0600', () => {
    const run = (args: string[]) => {
      const r = spawnSync('sh', ['-c', 'umask 000 && exec "$0" "$@"', process.execPath, BIN, ...args], { env: sb.baseEnv() });
      expect(r.status, r.stderr.toString()).toBe(0);
    };
    run(['init', '--kdf', 'scrypt:1024,8,1']);
    const src = sb.path('src');
    randomFile(path.join(src, 'a.bin'), 100 * 1024);
    run(['create', src]);
    run(['create', src]);
    run(['check', '--read-data-subset', '50%']);
    run(['list']);
    const bad: string[] = [];
    const walk = (p: string) => {
      const st = statSync(p);
      const mode = st.mode & 0o777;
      if (st.isDirectory()) {
        if (mode !== 0o700) bad.push(`${p} ${mode.toString(8)}`);
        for (const n of readdirSync(p)) walk(path.join(p, n));
      } else if (mode !== 0o600) bad.push(`${p} ${mode.toString(8)}`);
    };
    const folder = repoFolder(sb);
    walk(folder);
    expect(readdirSync(folder).sort()).toEqual(expect.arrayContaining(['index', 'dirs', 'verified', 'snapshots.json']));
    expect(bad).toEqual([]);
    expect(statSync(sb.cache).mode & 0o777).toBe(0o700);
  });
});
