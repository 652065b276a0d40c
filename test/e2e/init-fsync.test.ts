// Issue 12, smaller items: a directory fsync that the filesystem does not support (SMB/CIFS
// returns EINVAL or ENOTSUP) is tolerated, as restic does, while a real fsync failure is one line
// naming the directory; an init that was killed before its config can be run again.
// The errno is injected at the one seam in backend/local.ts fsyncDir (SNAP_FAULT_DIR_FSYNC).

import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Sandbox } from './helpers.js';

describe('directory fsync on filesystems that do not support it', () => {
  const sandboxes: Sandbox[] = [];
  afterAll(() => sandboxes.forEach((s) => s.cleanup()));

  it.each(['EINVAL', 'ENOTSUP'])('%s from a directory fsync: init, create and restore work', (errno) => {
    const sb = new Sandbox(undefined);
    sandboxes.push(sb);
    const env = { SNAP_FAULT_DIR_FSYNC: errno };
    sb.ok(['init', '--encryption', 'none'], { env });
    const src = sb.path('src');
    mkdirSync(src);
    writeFileSync(path.join(src, 'a.txt'), 'bytes on a CIFS share');
    sb.ok(['create', src], { env });
    sb.ok(['restore', 'latest', sb.path('out')], { env });
    expect(readFileSync(path.join(sb.path('out'), src, 'a.txt'), 'utf8')).toBe('bytes on a CIFS share');
  });

  it('EIO from a directory fsync fails the write with one line naming the directory', () => {
    const sb = new Sandbox(undefined);
    sandboxes.push(sb);
    sb.ok(['init', '--encryption', 'none']);
    const src = sb.path('src');
    mkdirSync(src);
    writeFileSync(path.join(src, 'a.txt'), 'x');
    const r = sb.run(['create', src, '--json'], { env: { SNAP_FAULT_DIR_FSYNC: 'EIO' } });
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).error.code).toBe('io');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(new RegExp(`^snap: cannot sync directory ${sb.repo}(/\\S+)?: EIO`));
    const snaps = path.join(sb.repo, 'snapshots');
    expect(existsSync(snaps) ? readdirSync(snaps) : []).toEqual([]);
  });
});

describe('an interrupted init', () => {
  const sb = new Sandbox();
  afterAll(() => sb.cleanup());

  it('killed after its key file, before its config: init again succeeds; then it refuses as always', () => {
    const killed = sb.run(['init', '--kdf', 'scrypt:1024,8,1'], { env: { SNAP_CRASH_AT: 'init-key-written' } });
    expect(killed.code).not.toBe(0);
    expect(existsSync(path.join(sb.repo, 'config'))).toBe(false);
    expect(readdirSync(path.join(sb.repo, 'keys'))).toHaveLength(1);
    sb.init();
    expect(readdirSync(path.join(sb.repo, 'keys'))).toHaveLength(1); // the half-made key is gone
    const src = sb.path('src');
    mkdirSync(src);
    writeFileSync(path.join(src, 'a.txt'), 'after the retry');
    sb.ok(['create', src]);
    expect(sb.ok(['dump', 'latest', path.join(src, 'a.txt')]).stdout).toBe('after the retry');
    const again = sb.run(['init', '--kdf', 'scrypt:1024,8,1', '--json']);
    expect(again.code).toBe(1);
    expect(JSON.parse(again.stdout).error.code).toBe('repository_exists');
  });

  it('a directory holding anything else is refused and left untouched', () => {
    const dir = sb.path('not-a-repo');
    mkdirSync(path.join(dir, 'keys'), { recursive: true });
    writeFileSync(path.join(dir, 'keys', 'k'), 'k');
    writeFileSync(path.join(dir, 'notes.txt'), 'mine');
    const r = sb.run(['init', '--kdf', 'scrypt:1024,8,1'], { env: { SNAP_REPO: dir } });
    expect(r.code).toBe(1);
    expect(readFileSync(path.join(dir, 'notes.txt'), 'utf8')).toBe('mine');
    expect(readFileSync(path.join(dir, 'keys', 'k'), 'utf8')).toBe('k');
  });
});
