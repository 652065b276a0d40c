// Restore never writes through a link (issue 15, item 10). Every file is created with
// O_CREAT|O_EXCL|O_NOFOLLOW (under a temporary name, renamed into place) and never opened with
// O_TRUNC; symlinks and special files of a directory are made only after its regular files, so on a
// case-folding target a snapshot holding `A -> outside` and a file `a` cannot send `a` outside.
// No case-folding filesystem can be mounted here, so the order is observed with strace, and the
// collision is simulated by symlinks planted at every name before the restore.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { linkSync, lstatSync, mkdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { BIN, Sandbox } from './helpers.js';

const MiB = 1024 * 1024;
const O_CREAT = 0o100;
const O_EXCL = 0o200;
const O_TRUNC = 0o1000;
const O_NOFOLLOW = 0o400000;

const hasStrace = spawnSync('strace', ['-V']).status === 0;

describe('restore and links', () => {
  const sb = new Sandbox();
  const src = sb.path('src');
  const outside = sb.path('outside');
  const victims = ['small', 'big', 'hard', 'fifo', 'sub', 'dir'];
  /** name in the snapshot → kind; each regular name has a symlink of the upper-case name to outside. */
  const pairs = [
    ['a', 'small file (batched writer)'],
    ['b', 'big file (streamed)'],
    ['c', 'hardlinked file'],
  ] as const;
  beforeAll(() => {
    sb.init();
    mkdirSync(outside);
    for (const v of victims) writeFileSync(path.join(outside, v), `victim ${v}`);
    mkdirSync(path.join(src, 'sub'), { recursive: true });
    writeFileSync(path.join(src, 'a'), 'inside a');
    writeFileSync(path.join(src, 'b'), randomBytes(2 * MiB));
    writeFileSync(path.join(src, 'c'), 'inside c');
    linkSync(path.join(src, 'c'), path.join(src, 'c2'));
    writeFileSync(path.join(src, 'sub', 'z'), 'inside z');
    symlinkSync(path.join(outside, 'small'), path.join(src, 'A'));
    symlinkSync(path.join(outside, 'big'), path.join(src, 'B'));
    symlinkSync(path.join(outside, 'hard'), path.join(src, 'C'));
    symlinkSync(path.join(outside, 'sub'), path.join(src, 'sub', 'Z'));
    spawnSync('mkfifo', [path.join(src, 'F')]);
    writeFileSync(path.join(src, 'f'), 'inside f');
    sb.ok(['create', src]);
  });
  afterAll(() => sb.cleanup());

  const victimsUnchanged = () => {
    for (const v of victims) expect(readFileSync(path.join(outside, v), 'utf8'), v).toBe(`victim ${v}`);
  };

  it.skipIf(!hasStrace)('creates files O_EXCL|O_NOFOLLOW, never O_TRUNC, and links after the files of their directory (strace)', () => {
    const out = sb.path('out-strace');
    const log = sb.path('strace.log');
    const r = spawnSync('strace', ['-f', '-qq', '-o', log, '-e', 'trace=openat,open,creat,symlink,symlinkat,rename,renameat,renameat2,mknod,mknodat', process.execPath, BIN, 'restore', 'latest', out], {
      env: sb.baseEnv(),
    });
    expect(r.status, r.stderr.toString()).toBe(0);
    const lines = readFileSync(log, 'utf8').split('\n');
    const root = path.join(out, src);
    const at = (re: RegExp) => lines.findIndex((l) => re.test(l));
    const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    // Every file created under the target: exclusive, no link followed, nothing truncated.
    const creates = lines.filter((l) => /open(at)?\(/.test(l) && l.includes(out) && /O_CREAT/.test(l));
    expect(creates.length).toBeGreaterThanOrEqual(5); // a, b, c, f, sub/z (c2 is a link to c)
    for (const l of creates) {
      expect(l, l).toMatch(/O_EXCL/);
      expect(l, l).toMatch(/O_NOFOLLOW/);
      expect(l, l).not.toMatch(/O_TRUNC/);
    }
    // Each file is in place (renamed) before the link that shares its name but for the case is made.
    for (const [dir, file, link] of [[root, 'a', 'A'], [root, 'b', 'B'], [root, 'c', 'C'], [path.join(root, 'sub'), 'z', 'Z'], [root, 'f', 'F']]) {
      const placed = Math.max(at(new RegExp(`rename.*"${esc(path.join(dir, file))}"`)), at(new RegExp(`link.*"${esc(path.join(dir, file))}"`)));
      const linked = at(new RegExp(`(symlink|mknod).*"${esc(path.join(dir, link))}"`));
      expect(placed, `${file} placed`).toBeGreaterThanOrEqual(0);
      expect(linked, `${link} made`).toBeGreaterThan(placed);
    }
    victimsUnchanged();
  });

  it('symlinks planted at every name of an existing target are replaced, never written through', () => {
    for (const mode of ['always', 'if-changed', 'if-newer']) {
      const out = sb.path(`out-planted-${mode}`);
      const root = path.join(out, src);
      mkdirSync(path.join(root, 'sub'), { recursive: true });
      // What a case-folding target shows the restore: its own names already taken by links to outside.
      for (const [name, victim] of [['a', 'small'], ['b', 'big'], ['c', 'hard'], ['c2', 'hard'], ['sub/z', 'sub'], ['f', 'fifo'], ['F', 'fifo']]) {
        symlinkSync(path.join(outside, victim!), path.join(root, name!));
      }
      symlinkSync(outside, path.join(out, 'dirlink'));
      const r = sb.run(['restore', 'latest', out, '--overwrite', mode]);
      expect(r.code, r.stderr).toBe(0);
      victimsUnchanged();
      if (mode === 'if-newer') continue; // the planted links are newer than the snapshot: kept, as they are
      for (const name of ['a', 'b', 'c', 'c2', 'sub/z', 'f']) expect(lstatSync(path.join(root, name)).isFile(), `${mode} ${name}`).toBe(true);
      expect(lstatSync(path.join(root, 'F')).isFIFO()).toBe(true);
      expect(readFileSync(path.join(root, 'a'), 'utf8')).toBe('inside a');
      expect(readlinkSync(path.join(root, 'A'))).toBe(path.join(outside, 'small'));
      victimsUnchanged();
    }
  });
});
