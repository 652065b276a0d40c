// restore --overwrite modes and --delete; create --one-file-system.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync, readFileSync, existsSync, utimesSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { Sandbox } from './helpers.js';

describe('restore into an existing tree', () => {
  const sb = new Sandbox();
  let src: string;
  let out: string;
  let inside: (p: string) => string;
  beforeAll(() => {
    sb.init();
    src = sb.path('src');
    mkdirSync(src);
    writeFileSync(path.join(src, 'a.txt'), 'snapshot a');
    writeFileSync(path.join(src, 'b.txt'), 'snapshot b');
    utimesSync(path.join(src, 'a.txt'), new Date('2020-01-01'), new Date('2020-01-01'));
    utimesSync(path.join(src, 'b.txt'), new Date('2020-01-01'), new Date('2020-01-01'));
    sb.ok(['create', src]);
    out = sb.path('out');
    inside = (p) => path.join(out, src, p);
  });
  afterAll(() => sb.cleanup());

  const prepare = () => {
    sb.ok(['restore', 'latest', out]);
    writeFileSync(inside('a.txt'), 'local edit, newer');
    writeFileSync(inside('b.txt'), 'local edit, older');
    utimesSync(inside('b.txt'), new Date('2019-01-01'), new Date('2019-01-01'));
    writeFileSync(inside('extra.txt'), 'not in the snapshot');
  };

  it('never keeps every existing file', () => {
    prepare();
    const r = sb.json(['restore', 'latest', out, '--overwrite', 'never']);
    expect(r.files).toBe(0);
    expect(readFileSync(inside('a.txt'), 'utf8')).toBe('local edit, newer');
  });

  it('if-newer replaces only files older than the snapshot', () => {
    prepare();
    sb.ok(['restore', 'latest', out, '--overwrite', 'if-newer']);
    expect(readFileSync(inside('a.txt'), 'utf8')).toBe('local edit, newer');
    expect(readFileSync(inside('b.txt'), 'utf8')).toBe('snapshot b');
  });

  it('if-changed replaces files whose size or mtime differ; always replaces all; --delete removes extras', () => {
    prepare();
    sb.ok(['restore', 'latest', out, '--overwrite', 'if-changed']);
    expect(readFileSync(inside('a.txt'), 'utf8')).toBe('snapshot a');
    expect(readFileSync(inside('b.txt'), 'utf8')).toBe('snapshot b');
    expect(existsSync(inside('extra.txt'))).toBe(true);
    prepare();
    sb.ok(['restore', 'latest', out, '--delete']);
    expect(readFileSync(inside('a.txt'), 'utf8')).toBe('snapshot a');
    expect(existsSync(inside('extra.txt'))).toBe(false);
  });
});

describe('create --one-file-system', () => {
  const sb = new Sandbox();
  let mounted = false;
  afterAll(() => {
    if (mounted) spawnSync('umount', [sb.path('src/mnt')]);
    sb.cleanup();
  });

  it('does not descend into another file system', () => {
    sb.init();
    mkdirSync(sb.path('src/mnt'), { recursive: true });
    writeFileSync(sb.path('src/here.txt'), 'here');
    mounted = spawnSync('mount', ['-t', 'tmpfs', 'none', sb.path('src/mnt')]).status === 0;
    if (!mounted) {
      console.warn('create --one-file-system: cannot mount a tmpfs here (not root?); test skipped');
      return;
    }
    writeFileSync(sb.path('src/mnt/there.txt'), 'there');
    const all = sb.json(['create', sb.path('src')]);
    expect(all.files_new).toBe(2);
    const one = sb.json(['create', sb.path('src'), '--one-file-system']);
    expect(one.files_new + one.files_unmodified + one.files_changed).toBe(1);
    const names = sb.json<any[]>(['ls', `latest:${sb.path('src')}`, '--recursive']).map((e) => e.name);
    expect(names).toEqual(['here.txt', 'mnt']); // the mount point itself is kept, empty
  });
});
