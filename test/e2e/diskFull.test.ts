// Disk full (issue 12), on real small tmpfs mounts (root only; skipped elsewhere): a create that runs
// out of space in the repository removes everything it staged and leaves no lock, so the earlier
// snapshots still check clean and the space is back; a full cache file system gives one line that
// names the cache folder.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, statfsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Sandbox, snapshotTree } from './helpers.js';
import { randomFile } from '../fixtures/damageRepo.js';

const MiB = 1024 * 1024;
const isRoot = process.getuid?.() === 0;
const mount = (dir: string, size: string) => {
  mkdirSync(dir, { recursive: true });
  return spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir]).status === 0;
};
const umount = (dir: string) => spawnSync('umount', [dir]);
const used = (dir: string) => {
  const s = statfsSync(dir);
  return (s.blocks - s.bfree) * s.bsize;
};
function filesNamed(dir: string, re: RegExp): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...filesNamed(p, re));
    else if (re.test(e.name)) out.push(p);
  }
  return out;
}

describe.runIf(isRoot)('disk full (mounts small tmpfs, root only)', () => {
  const sb = new Sandbox('pw');
  const repoMount = sb.path('repo-fs');
  const cacheMount = sb.path('cache-fs');
  let mounted = false;
  beforeAll(() => {
    mounted = mount(repoMount, '64m') && mount(cacheMount, '200k');
  });
  afterAll(() => {
    umount(repoMount);
    umount(cacheMount);
    sb.cleanup();
  });

  it('a create that runs out of space removes what it staged; earlier snapshots check clean (80 MiB into 64 MiB, ~15 s)', () => {
    if (!mounted) return;
    const env = { SNAP_REPO: path.join(repoMount, 'repo') };
    sb.ok(['init', '--kdf', 'scrypt:1024,8,1'], { env });
    const src = sb.path('src');
    randomFile(path.join(src, 'first.bin'), 2 * MiB);
    sb.ok(['create', src], { env });
    const before = used(repoMount);
    for (let i = 0; i < 8; i++) randomFile(path.join(src, `big${i}.bin`), 10 * MiB);
    const r = sb.run(['create', src], { env });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no space left/i);
    expect(filesNamed(env.SNAP_REPO, /^\.tmp-/)).toEqual([]);
    expect(readdirSync(path.join(env.SNAP_REPO, 'locks'))).toEqual([]);
    expect(used(repoMount)).toBeLessThan(before + MiB);
    expect(sb.run(['check', '--read-data'], { env }).code).toBe(0);
    const target = sb.path('restore');
    sb.ok(['restore', 'latest', target], { env });
    expect(snapshotTree(path.join(target, src), false).get('/first.bin')?.sha).toBe(snapshotTree(src, false).get('/first.bin')?.sha);
  });

  it('a full cache file system: one line naming the cache folder, no lock left', () => {
    if (!mounted) return;
    const env = { SNAP_REPO: sb.path('repo2') };
    sb.ok(['init', '--kdf', 'scrypt:1024,8,1'], { env });
    const src = sb.path('many');
    mkdirSync(src);
    for (let i = 0; i < 4000; i++) writeFileSync(path.join(src, `f${i}`), `${i} ${Math.random()}\n`);
    sb.ok(['create', src], { env }); // with the sandbox's own cache
    const r = sb.run(['ls', 'latest'], { env: { ...env, SNAP_CACHE_DIR: cacheMount } });
    expect(r.code).toBe(1);
    const lines = r.stderr.split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`local cache ${cacheMount}/`);
    expect(readdirSync(path.join(env.SNAP_REPO, 'locks'))).toEqual([]);
  });
});
