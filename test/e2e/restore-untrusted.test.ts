// Restore options for untrusted snapshots (issue 15, item 8): as root, a restore plants what the
// snapshot says (owners, setuid files, file capabilities, device nodes) unless told not to. And every
// directory is made 0700 and gets its final mode only after its contents, so nobody can look into
// a directory that ends up closed while it is being filled.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { getAttributeSync, setAttributeSync } from '@napi-rs/xattr';
import { BIN, Sandbox } from './helpers.js';

const isRoot = process.getuid?.() === 0;
const MiB = 1024 * 1024;
const hasStrace = spawnSync('strace', ['-V']).status === 0;
const xattr = (p: string, name: string) => {
  try {
    return getAttributeSync(p, name) ?? undefined;
  } catch {
    return undefined;
  }
};

describe.skipIf(!isRoot)('restore of an untrusted snapshot (as root)', () => {
  const sb = new Sandbox();
  const src = sb.path('src');
  const inside = (out: string, p: string) => path.join(out, src, p);
  beforeAll(() => {
    sb.init();
    mkdirSync(path.join(src, 'closed'), { recursive: true });
    writeFileSync(path.join(src, 'suid'), 'small setuid program');
    chmodSync(path.join(src, 'suid'), 0o4755);
    writeFileSync(path.join(src, 'sgid-big'), randomBytes(2 * MiB)); // streamed, not batched
    chmodSync(path.join(src, 'sgid-big'), 0o2755);
    writeFileSync(path.join(src, 'capped'), 'a program with a file capability');
    expect(spawnSync('setcap', ['cap_net_raw+ep', path.join(src, 'capped')]).status).toBe(0);
    setAttributeSync(path.join(src, 'capped'), 'user.note', Buffer.from('kept'));
    writeFileSync(path.join(src, 'owned'), 'owned by 1234');
    chownSync(path.join(src, 'owned'), 1234, 1234);
    expect(spawnSync('mkfifo', [path.join(src, 'fifo')]).status).toBe(0);
    expect(spawnSync('mknod', [path.join(src, 'null'), 'c', '1', '3']).status).toBe(0);
    expect(spawnSync('mknod', [path.join(src, 'loop'), 'b', '7', '200']).status).toBe(0);
    writeFileSync(path.join(src, 'closed', 'secret'), 'secret');
    chmodSync(path.join(src, 'closed'), 0o700);
    sb.ok(['create', src]);
  });
  afterAll(() => sb.cleanup());

  it('by default restores what the snapshot says', () => {
    const out = sb.path('out-default');
    sb.ok(['restore', 'latest', out]);
    expect(lstatSync(inside(out, 'suid')).mode & 0o7777).toBe(0o4755);
    expect(lstatSync(inside(out, 'sgid-big')).mode & 0o7777).toBe(0o2755);
    expect(xattr(inside(out, 'capped'), 'security.capability')).toBeDefined();
    expect(lstatSync(inside(out, 'owned')).uid).toBe(1234);
    expect(lstatSync(inside(out, 'fifo')).isFIFO()).toBe(true);
    expect(lstatSync(inside(out, 'null')).isCharacterDevice()).toBe(true);
    expect(lstatSync(inside(out, 'loop')).isBlockDevice()).toBe(true);
  });

  it('--no-owner --no-xattrs --no-setuid --no-special-files plant none of it', () => {
    const out = sb.path('out-untrusted');
    const doc = sb.json(['restore', 'latest', out, '--no-owner', '--no-xattrs', '--no-setuid', '--no-special-files']);
    expect(doc.failed_files).toEqual([]);
    expect(doc.skipped).toBe(3);
    expect(lstatSync(inside(out, 'suid')).mode & 0o7777).toBe(0o755);
    expect(lstatSync(inside(out, 'sgid-big')).mode & 0o7777).toBe(0o755);
    expect(readFileSync(inside(out, 'sgid-big')).equals(readFileSync(path.join(src, 'sgid-big')))).toBe(true);
    expect(xattr(inside(out, 'capped'), 'security.capability')).toBeUndefined();
    expect(xattr(inside(out, 'capped'), 'user.note')).toBeUndefined();
    expect(lstatSync(inside(out, 'owned')).uid).toBe(0);
    for (const n of ['fifo', 'null', 'loop']) expect(existsSync(inside(out, n)), n).toBe(false);
    expect(lstatSync(inside(out, 'closed')).mode & 0o7777).toBe(0o700);
  });

  it('--no-setuid alone strips setuid/setgid and the capability, keeps the other xattrs', () => {
    const out = sb.path('out-nosetuid');
    sb.ok(['restore', 'latest', out, '--no-setuid']);
    expect(lstatSync(inside(out, 'suid')).mode & 0o7777).toBe(0o755);
    expect(lstatSync(inside(out, 'sgid-big')).mode & 0o7777).toBe(0o755);
    expect(xattr(inside(out, 'capped'), 'security.capability')).toBeUndefined();
    expect(xattr(inside(out, 'capped'), 'user.note')?.toString()).toBe('kept');
    expect(lstatSync(inside(out, 'owned')).uid).toBe(1234);
    expect(lstatSync(inside(out, 'fifo')).isFIFO()).toBe(true);
  });

  it.skipIf(!hasStrace)('directories are made 0700 and get their mode after their contents (strace)', () => {
    const out = sb.path('out-strace');
    const log = sb.path('strace-dirs.log');
    const r = spawnSync('strace', ['-f', '-qq', '-o', log, '-e', 'trace=mkdir,mkdirat,chmod,fchmodat,rename,renameat,renameat2', process.execPath, BIN, 'restore', 'latest', out], { env: sb.baseEnv() });
    expect(r.status, r.stderr.toString()).toBe(0);
    const lines = readFileSync(log, 'utf8').split('\n');
    const made = lines.filter((l) => /mkdir(at)?\(/.test(l) && l.includes(path.join(out, src)));
    expect(made.length).toBeGreaterThanOrEqual(2); // src itself and closed/
    for (const l of made) expect(l, l).toMatch(/, 0700\)/);
    const dir = path.join(out, src);
    const lastInside = lines.findLastIndex((l) => l.includes(`${dir}/`) && /rename|mknod|chmod/.test(l) && !l.includes(`"${dir}/closed"`));
    const dirMode = lines.findIndex((l) => /chmod/.test(l) && l.includes(`"${dir}"`));
    expect(dirMode).toBeGreaterThan(lastInside);
    expect(lstatSync(dir).mode & 0o7777).toBe(lstatSync(src).mode & 0o7777);
  });
});
