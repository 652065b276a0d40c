// Round trip of a tree with every kind of entry, through the built CLI, compared entry by entry.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync, symlinkSync, linkSync, utimesSync, chmodSync, existsSync } from 'node:fs';
import { setAttributeSync, getAttributeSync } from '@napi-rs/xattr';
import path from 'node:path';
import { Sandbox, snapshotTree, diffTrees } from './helpers.js';

const isRoot = process.getuid?.() === 0;

function makeTree(src: string): { xattrs: boolean } {
  mkdirSync(path.join(src, 'dir/sub/deeper'), { recursive: true });
  mkdirSync(path.join(src, 'empty'));
  writeFileSync(path.join(src, 'dir/hello.txt'), 'hello world\n');
  writeFileSync(path.join(src, 'dir/sub/big.bin'), Buffer.alloc(3 * 1024 * 1024, 7));
  writeFileSync(path.join(src, 'dir/sub/deeper/random.bin'), Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 2654435761) >>> 24)));
  writeFileSync(path.join(src, 'zero-length'), '');
  symlinkSync('dir/hello.txt', path.join(src, 'link-ok'));
  symlinkSync('does/not/exist', path.join(src, 'link-dangling'));
  linkSync(path.join(src, 'dir/hello.txt'), path.join(src, 'hardlink-to-hello'));
  execFileSync('mkfifo', [path.join(src, 'a-fifo')]);
  if (isRoot) execFileSync('mknod', [path.join(src, 'null-dev'), 'c', '1', '3']);
  // Names that must survive as bytes.
  for (const n of ['with space', 'new\nline', 'back\\slash', '-leading-dash', 'ü-utf8', 'x'.repeat(255)]) writeFileSync(path.join(src, n), n);
  writeFileSync(Buffer.concat([Buffer.from(src + '/'), Buffer.from([0x6e, 0xff, 0xfe, 0x2e, 0x62, 0x69, 0x6e])]), 'not utf-8 name');
  writeFileSync(path.join(src, 'setuid-ish'), 'x');
  chmodSync(path.join(src, 'setuid-ish'), 0o4750);
  chmodSync(path.join(src, 'dir/hello.txt'), 0o640);
  utimesSync(path.join(src, 'dir/sub'), new Date('2001-02-03T04:05:06.789Z'), new Date('2001-02-03T04:05:06.789Z'));
  let xattrs = true;
  try {
    setAttributeSync(path.join(src, 'dir/hello.txt'), 'user.snap-test', 'xattr value');
  } catch {
    xattrs = false;
  }
  return { xattrs };
}

describe.each([['encrypted', []], ['unencrypted', ['--encryption', 'none']]] as const)('round trip (%s)', (_name, initArgs) => {
  const sb = new Sandbox(initArgs.length ? undefined : 'pw');
  let src: string;
  let caps: { xattrs: boolean };
  beforeAll(() => {
    src = sb.path('src');
    mkdirSync(src);
    caps = makeTree(src);
    sb.init([...initArgs]);
  });
  afterAll(() => sb.cleanup());

  it('restores every entry kind bit for bit, with modes, times, links and hardlinks', () => {
    const before = snapshotTree(src);
    const created = sb.json(['create', src]);
    expect(created.files_failed).toEqual([]);
    expect(created.snapshot_id).toMatch(/^[0-9a-f]{64}$/);
    const target = sb.path('restore');
    const r = sb.json(['restore', 'latest', target, '--verify']);
    expect(r.verified).toBe(true);
    const after = snapshotTree(path.join(target, src));
    expect(diffTrees(before, after)).toEqual([]);
    if (caps.xattrs) expect(getAttributeSync(path.join(target, src, 'dir/hello.txt'), 'user.snap-test')?.toString()).toBe('xattr value');
    if (isRoot) expect(existsSync(path.join(target, src, 'null-dev'))).toBe(true);
  });

  it('ls shows non-UTF-8 names with name_b64 and dump returns exact bytes', () => {
    const ls = sb.json<any[]>(['ls', `latest:${src}`]);
    const odd = ls.find((e) => e.name_b64);
    expect(Buffer.from(odd.name_b64, 'base64')).toEqual(Buffer.from([0x6e, 0xff, 0xfe, 0x2e, 0x62, 0x69, 0x6e]));
    expect(ls.find((e) => e.name === 'a-fifo').type).toBe('fifo');
    expect(ls.find((e) => e.name === 'link-dangling').type).toBe('symlink');
    const dump = sb.run(['dump', 'latest', `${src}/dir/sub/deeper/random.bin`]);
    expect(dump.code).toBe(0);
    expect(dump.stdoutBuf.length).toBe(300_000);
    expect(dump.stdoutBuf[1234]).toBe(((1234 * 2654435761) >>> 24) & 0xff);
  });

  it('restores a sub-tree selected with <id>:<path> and filters with --include/--exclude', () => {
    const id: string = sb.json<any[]>(['list'])[0].id;
    const t1 = sb.path('sub-restore');
    sb.ok(['restore', `${id.slice(0, 8)}:${src}/dir/sub`, t1]);
    // As restic: <id>:<dir> restores the directory's contents into the target.
    expect(snapshotTree(t1).has('/big.bin')).toBe(true);
    expect(snapshotTree(t1).has('/deeper/random.bin')).toBe(true);
    const t2 = sb.path('excl-restore');
    sb.ok(['restore', 'latest', t2, '--exclude', '*.bin']);
    const tree = snapshotTree(path.join(t2, src));
    expect(tree.has('/dir/hello.txt')).toBe(true);
    expect([...tree.keys()].some((k) => k.endsWith('.bin'))).toBe(false);
    const t3 = sb.path('incl-restore');
    sb.ok(['restore', 'latest', t3, '--include', '*.txt']);
    const files = [...snapshotTree(path.join(t3, src)).entries()].filter(([, f]) => f.type === 'file').map(([k]) => k);
    expect(files).toEqual(['/dir/hello.txt']);
  });
});
