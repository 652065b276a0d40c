// create's options and a damaged pack, through the CLI.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync, mkdirSync, readdirSync, statSync, openSync, readSync, writeSync, closeSync, readFileSync, existsSync } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { Sandbox } from './helpers.js';

describe('create options', () => {
  const sb = new Sandbox();
  let src: string;
  beforeAll(() => {
    sb.init();
    src = sb.path('src');
    mkdirSync(path.join(src, 'cache'), { recursive: true });
    writeFileSync(path.join(src, 'keep.txt'), 'keep');
    writeFileSync(path.join(src, 'skip.log'), 'log');
    writeFileSync(path.join(src, 'cache/blob'), 'cached');
    writeFileSync(sb.path('excludes'), '# comment\n\ncache\n');
  });
  afterAll(() => sb.cleanup());

  it('--exclude, --exclude-file, --tag, --host, --time are honoured', () => {
    const r = sb.json(['create', src, '--exclude', '*.log', '--exclude-file', sb.path('excludes'), '--tag', 'nightly', '--tag', 'x', '--host', 'box1', '--time', '2026-03-01T02:00:00+01:00']);
    expect(r.files_new).toBe(1);
    const [s] = sb.json<any[]>(['list']);
    expect(s).toMatchObject({ hostname: 'box1', tags: ['nightly', 'x'], time: '2026-03-01T02:00:00+01:00', paths: [src], parent_id: null });
    expect(s.summary.files_new).toBe(1);
    const names = sb.json<any[]>(['ls', `latest:${src}`]).map((e) => e.name);
    expect(names).toEqual(['keep.txt']);
    expect(sb.json<any[]>(['list', '--host', 'box1', '--tag', 'nightly'])).toHaveLength(1);
    expect(sb.json<any[]>(['list', '--host', 'other'])).toHaveLength(0);
  });

  it('--stdin stores standard input as one file', () => {
    const data = Buffer.from(Array.from({ length: 200_000 }, (_, i) => (i * 7) & 0xff));
    const r = sb.json(['create', '--stdin', '--stdin-filename', 'dump.sql'], { input: data });
    expect(r.bytes_read).toBe(200_000);
    const out = sb.run(['dump', 'latest', '/dump.sql']);
    expect(out.stdoutBuf.equals(data)).toBe(true);
  });

  it('--parent picks the snapshot to compare against', () => {
    const first = sb.json(['create', src]);
    const second = sb.json(['create', src, '--parent', first.snapshot_id.slice(0, 10)]);
    expect(second.parent_id).toBe(first.snapshot_id);
    expect(second.files_unmodified).toBe(3);
  });
});

describe('a damaged pack', () => {
  const sb = new Sandbox(undefined);
  let src: string;
  beforeAll(() => {
    sb.init(['--encryption', 'none', '--compression', 'none']);
    src = sb.path('src');
    mkdirSync(src);
    writeFileSync(path.join(src, 'victim.bin'), Buffer.alloc(200_000, 0x41));
    writeFileSync(path.join(src, 'other.txt'), 'unharmed');
    sb.ok(['create', src]);
  });
  afterAll(() => sb.cleanup());

  it('restore fails loudly naming the file, never writes wrong bytes silently', () => {
    // Find the data pack holding the 'A' run and flip one byte inside it.
    const packs: string[] = [];
    const walk = (d: string) => {
      for (const e of readdirSync(d, { withFileTypes: true })) {
        const p = path.join(d, e.name);
        if (e.isDirectory()) walk(p);
        else packs.push(p);
      }
    };
    walk(path.join(sb.repo, 'data'));
    const victim = packs.find((p) => readFileSync(p).includes(Buffer.alloc(1000, 0x41)))!;
    expect(victim).toBeDefined();
    const at = readFileSync(victim).indexOf(Buffer.alloc(1000, 0x41)) + 500;
    const fd = openSync(victim, 'r+');
    const b = Buffer.alloc(1);
    readSync(fd, b, 0, 1, at);
    b[0] ^= 0x01;
    writeSync(fd, b, 0, 1, at);
    closeSync(fd);
    const r = sb.run(['restore', 'latest', sb.path('out'), '--json']);
    expect(r.code).toBe(1);
    // The damaged file is listed (issue 12: restore saves everything it can), the other one restored.
    const doc = JSON.parse(r.stdout);
    expect(doc.failed_files.map((f: { path: string }) => f.path)).toEqual([`${src}/victim.bin`]);
    expect(r.stderr).toContain('victim.bin');
    expect(r.stderr).toContain('does not match its id');
    expect(existsSync(path.join(sb.path('out'), src, 'victim.bin'))).toBe(false);
    expect(readFileSync(path.join(sb.path('out'), src, 'other.txt'), 'utf8')).toBe('unharmed');
    const d = sb.run(['dump', 'latest', `${src}/victim.bin`]);
    expect(d.code).toBe(1);
    expect(sb.run(['dump', 'latest', `${src}/other.txt`]).stdout).toBe('unharmed');
  });
});
