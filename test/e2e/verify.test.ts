// `snap verify <snapshot>[:<path>] <dir>`: a restored (or live) tree matches; each kind of change shows
// up as exactly its differences, with exit 1 and the JSON document.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import {
  appendFileSync, chmodSync, chownSync, lstatSync, mkdirSync, openSync, closeSync, rmSync, symlinkSync, unlinkSync, writeFileSync, writeSync,
} from 'node:fs';
import path from 'node:path';
import { Sandbox } from './helpers.js';
import { pseudoRandom } from './statsFixtures.js';

const isRoot = process.getuid?.() === 0;

interface Difference {
  path: string;
  kind: string;
  detail: string;
}
interface VerifyDoc {
  ok: boolean;
  checked: number;
  differences: Difference[];
}

/** Sets an mtime to the nanosecond (GNU touch), so an edit can keep the file's time. */
function setMtimeNs(p: string, ns: bigint): void {
  const r = spawnSync('touch', ['-h', '-m', '-d', `@${ns / 1_000_000_000n}.${String(ns % 1_000_000_000n).padStart(9, '0')}`, p]);
  if (r.status !== 0) throw new Error(r.stderr.toString());
}

/** Overwrites one byte in place, keeping size and mtime: only the content differs. */
function flipByte(p: string, offset: number): void {
  const mtime = lstatSync(p, { bigint: true }).mtimeNs;
  const fd = openSync(p, 'r+');
  try {
    writeSync(fd, Buffer.from([0x5a]), 0, 1, offset);
  } finally {
    closeSync(fd);
  }
  setMtimeNs(p, mtime);
}

describe('verify', () => {
  const sb = new Sandbox();
  let src: string;
  let snap: string;
  /** Entries below src: a.bin, b.txt, c.txt, e.txt, lnk, sub, sub/d.txt. */
  const ENTRIES = 7;
  beforeAll(() => {
    sb.init();
    src = sb.path('src');
    mkdirSync(path.join(src, 'sub'), { recursive: true });
    writeFileSync(path.join(src, 'a.bin'), pseudoRandom(200_000, 1));
    writeFileSync(path.join(src, 'b.txt'), 'bbb');
    writeFileSync(path.join(src, 'c.txt'), 'ccc');
    chmodSync(path.join(src, 'c.txt'), 0o640);
    writeFileSync(path.join(src, 'e.txt'), 'eee');
    writeFileSync(path.join(src, 'sub/d.txt'), 'ddd');
    symlinkSync('b.txt', path.join(src, 'lnk'));
    snap = sb.json(['create', src]).snapshot_id;
  });
  afterAll(() => sb.cleanup());

  const restore = (name: string): string => {
    const target = sb.path(name);
    sb.ok(['restore', `${snap}:${src}`, target]);
    return target;
  };

  it('the live source and a fresh restore match (default path: the one backed-up path)', () => {
    expect(sb.json<VerifyDoc>(['verify', 'latest', src])).toEqual({ ok: true, checked: ENTRIES, differences: [] });
    const r = restore('r0');
    expect(sb.json<VerifyDoc>(['verify', snap, r])).toEqual({ ok: true, checked: ENTRIES, differences: [] });
    expect(sb.json<VerifyDoc>(['verify', `${snap}:${src}`, r])).toEqual({ ok: true, checked: ENTRIES, differences: [] });
    const text = sb.ok(['verify', snap.slice(0, 8), r]);
    expect(text.stdout).toBe(`ok: ${ENTRIES} entries match snapshot ${snap.slice(0, 8)}\n`);
    // A sub-tree: <snapshot>:<path>.
    expect(sb.json<VerifyDoc>(['verify', `${snap}:${src}/sub`, path.join(r, 'sub')])).toEqual({ ok: true, checked: 1, differences: [] });
  });

  it('one byte edited, one file deleted, one added, one chmod: exactly those differences, exit 1', () => {
    const r = restore('r1');
    flipByte(path.join(r, 'a.bin'), 150_000);
    unlinkSync(path.join(r, 'b.txt'));
    writeFileSync(path.join(r, 'added.txt'), 'new');
    chmodSync(path.join(r, 'c.txt'), 0o600);
    const res = sb.run(['verify', snap, r, '--json']);
    expect(res.code).toBe(1);
    const doc = JSON.parse(res.stdout) as VerifyDoc;
    expect(doc.ok).toBe(false);
    expect(doc.checked).toBe(ENTRIES);
    expect(doc.differences.map((d) => [d.path, d.kind])).toEqual([
      ['/a.bin', 'content'],
      ['/added.txt', 'extra'],
      ['/b.txt', 'missing'],
      ['/c.txt', 'mode'],
    ]);
    // The edit is in the chunk that holds offset 150 000; the detail names where that chunk starts.
    expect(doc.differences[0]!.detail).toMatch(/^content differs at offset \d+$/);
    expect(Number(doc.differences[0]!.detail.split(' ').pop())).toBeLessThanOrEqual(150_000);
    expect(doc.differences[2]!.detail).toBe('file not on disk');
    expect(doc.differences[3]!.detail).toBe('snapshot 0640, disk 0600');
    expect(res.stderr).toContain('differs from snapshot');

    // Text: an aligned table of kind, path, detail, then a count.
    const text = sb.run(['verify', snap, r]);
    expect(text.code).toBe(1);
    const lines = text.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^Kind\s+Path\s+Detail$/);
    expect(lines.slice(1, 5).map((l) => l.split(/\s+/)[0])).toEqual(['content', 'extra', 'missing', 'mode']);
    expect(lines.slice(1, 5).map((l) => l.indexOf('/'))).toEqual(Array(4).fill(lines[0]!.indexOf('Path')));
    expect(lines[5]).toBe(`4 differences in ${ENTRIES} entries checked`);
  });

  it('size, mtime, symlink target, type and owner changes', () => {
    const r = restore('r2');
    appendFileSync(path.join(r, 'sub/d.txt'), 'more'); // size and mtime; sub's mtime stays
    unlinkSync(path.join(r, 'lnk'));
    symlinkSync('c.txt', path.join(r, 'lnk')); // a new link: other target and mtime
    rmSync(path.join(r, 'e.txt'));
    mkdirSync(path.join(r, 'e.txt'));
    const expected: Array<[string, string]> = [
      ['/e.txt', 'type'],
      ['/lnk', 'link'],
      ['/lnk', 'mtime'],
      ['/sub/d.txt', 'size'],
      ['/sub/d.txt', 'mtime'],
    ];
    if (isRoot) {
      chownSync(path.join(r, 'c.txt'), 4242, 4343);
      expected.splice(0, 0, ['/c.txt', 'owner']);
    }
    const res = sb.run(['verify', snap, r, '--json']);
    expect(res.code).toBe(1);
    const doc = JSON.parse(res.stdout) as VerifyDoc;
    expect(doc.differences.map((d) => [d.path, d.kind])).toEqual(expected);
    const detail = (p: string, k: string) => doc.differences.find((d) => d.path === p && d.kind === k)!.detail;
    expect(detail('/e.txt', 'type')).toBe('snapshot file, disk dir');
    expect(detail('/lnk', 'link')).toBe('snapshot -> b.txt, disk -> c.txt');
    expect(detail('/sub/d.txt', 'size')).toBe('snapshot 3 bytes, disk 7 bytes');
    expect(detail('/sub/d.txt', 'mtime')).toMatch(/^snapshot \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z, disk \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    if (isRoot) expect(detail('/c.txt', 'owner')).toMatch(/, disk 4242:4343$/);
  });

  it('a microsecond of mtime is a difference; nanoseconds below it are not', () => {
    const r = restore('r3');
    const f = path.join(r, 'b.txt');
    const ns = lstatSync(path.join(src, 'b.txt'), { bigint: true }).mtimeNs;
    // restore sets the time to the microsecond; any ns within it still matches.
    setMtimeNs(f, (ns / 1000n) * 1000n + 999n);
    expect(sb.run(['verify', snap, r]).code).toBe(0);
    setMtimeNs(f, (ns / 1000n) * 1000n + 1000n);
    const doc = JSON.parse(sb.run(['verify', snap, r, '--json']).stdout) as VerifyDoc;
    expect(doc.differences.map((d) => [d.path, d.kind])).toEqual([['/b.txt', 'mtime']]);
  });

  it('a missing directory is a clear error', () => {
    const res = sb.run(['verify', snap, sb.path('nowhere'), '--json']);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('does not exist');
    expect(JSON.parse(res.stdout).error.code).toBe('not_found');
  });
});
