// `snap diff A B`: every kind of change lands in its bucket, with its size, and nothing else is listed.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { appendFileSync, chmodSync, lstatSync, mkdirSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Sandbox } from './helpers.js';
import { pseudoRandom } from './statsFixtures.js';

interface Entry {
  path: string;
  type: string;
  size: number;
}
interface Diff {
  added: Entry[];
  removed: Entry[];
  modified: Entry[];
  type_changed: Entry[];
  metadata_only: Entry[];
  totals: Record<string, number>;
}

/** Sets an mtime to the nanosecond (GNU touch), so a test can change a time and nothing else. */
function setMtimeNs(p: string, ns: bigint): void {
  const r = spawnSync('touch', ['-h', '-m', '-d', `@${ns / 1_000_000_000n}.${String(ns % 1_000_000_000n).padStart(9, '0')}`, p]);
  if (r.status !== 0) throw new Error(r.stderr.toString());
}

describe('diff', () => {
  const sb = new Sandbox();
  let src: string;
  let a: string;
  let b: string;
  const p = (...parts: string[]) => path.join(src, ...parts);
  beforeAll(() => {
    sb.init();
    src = sb.path('src');
    mkdirSync(p('same/deep'), { recursive: true });
    mkdirSync(p('chdir'));
    mkdirSync(p('tdir'));
    writeFileSync(p('same/deep/big.bin'), pseudoRandom(300_000, 1));
    writeFileSync(p('same/small.txt'), 'unchanged\n');
    writeFileSync(p('old.txt'), 'o'.repeat(100));
    writeFileSync(p('mod.txt'), 'm'.repeat(40));
    writeFileSync(p('ch.txt'), 'mode changes');
    writeFileSync(p('touched.txt'), 'mtime changes');
    writeFileSync(p('tc'), 'a file that becomes a symlink');
    writeFileSync(p('tdir/x.txt'), 'x'.repeat(77));
    writeFileSync(p('chdir/keep.txt'), 'k');
    a = sb.json(['create', src]).snapshot_id;

    writeFileSync(p('new.txt'), 'new!!!\n');
    mkdirSync(p('newdir'));
    writeFileSync(p('newdir/inner.bin'), pseudoRandom(1234, 2));
    unlinkSync(p('old.txt'));
    appendFileSync(p('mod.txt'), 'n'.repeat(10));
    chmodSync(p('ch.txt'), 0o600);
    setMtimeNs(p('touched.txt'), lstatSync(p('touched.txt'), { bigint: true }).mtimeNs + 1_000_000_000n);
    unlinkSync(p('tc'));
    symlinkSync('mod.txt', p('tc'));
    rmSync(p('tdir'), { recursive: true });
    writeFileSync(p('tdir'), 't'.repeat(33));
    chmodSync(p('chdir'), 0o700);
    b = sb.json(['create', src]).snapshot_id;
  });
  afterAll(() => sb.cleanup());

  it('lists exactly the changed paths in their buckets, with sizes and totals', () => {
    const d = sb.json<Diff>(['diff', a, b]);
    expect(Object.keys(d)).toEqual(['added', 'removed', 'modified', 'type_changed', 'metadata_only', 'totals']);
    expect(d.added).toEqual([
      { path: p('new.txt'), type: 'file', size: 7 },
      { path: p('newdir'), type: 'dir', size: 0 },
      { path: p('newdir/inner.bin'), type: 'file', size: 1234 },
    ]);
    expect(d.removed).toEqual([
      { path: p('old.txt'), type: 'file', size: 100 },
      { path: p('tdir/x.txt'), type: 'file', size: 77 },
    ]);
    expect(d.modified).toEqual([{ path: p('mod.txt'), type: 'file', size: 50 }]);
    expect(d.type_changed).toEqual([
      { path: p('tc'), type: 'symlink', size: 0 },
      { path: p('tdir'), type: 'file', size: 33 },
    ]);
    // chdir: mode changed; touched.txt: mtime only. The parent directories whose mtime changed because
    // entries came and went (src, newdir's parent) are not listed, nor anything under same/.
    expect(d.metadata_only).toEqual([
      { path: p('ch.txt'), type: 'file', size: 12 },
      { path: p('chdir'), type: 'dir', size: 0 },
      { path: p('touched.txt'), type: 'file', size: 13 },
    ]);
    expect(d.totals).toEqual({ added: 3, removed: 2, modified: 1, type_changed: 2, metadata_only: 3, bytes_added: 7 + 1234, bytes_removed: 177 });
  });

  it('the reverse diff swaps added and removed', () => {
    const d = sb.json<Diff>(['diff', b, a]);
    expect(d.added.map((e) => e.path)).toEqual([p('old.txt'), p('tdir/x.txt')]);
    expect(d.removed.map((e) => e.path)).toEqual([p('new.txt'), p('newdir'), p('newdir/inner.bin')]);
    expect(d.modified).toEqual([{ path: p('mod.txt'), type: 'file', size: 40 }]);
    expect(d.type_changed).toEqual([
      { path: p('tc'), type: 'file', size: 29 },
      { path: p('tdir'), type: 'dir', size: 0 },
    ]);
    expect(d.totals.bytes_added).toBe(177);
  });

  it('a snapshot compared with itself, or with an identical one, has no differences', () => {
    const c = sb.json(['create', src, '--tag', 'again']).snapshot_id;
    for (const [x, y] of [[b, b], [b, c]]) {
      const d = sb.json<Diff>(['diff', x!, y!]);
      expect(d).toEqual({
        added: [], removed: [], modified: [], type_changed: [], metadata_only: [],
        totals: { added: 0, removed: 0, modified: 0, type_changed: 0, metadata_only: 0, bytes_added: 0, bytes_removed: 0 },
      });
    }
  });

  it('text output: one marked line per change, sizes aligned, totals at the end', () => {
    const lines = sb.ok(['diff', a.slice(0, 8), b.slice(0, 8)]).stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(`comparing snapshot ${a.slice(0, 8)} to ${b.slice(0, 8)}:`);
    const items = lines.slice(1, 12);
    expect(items.map((l) => `${l[0]} ${l.slice(l.indexOf('/'))}`)).toEqual([
      `U ${p('ch.txt')} (metadata)`,
      `U ${p('chdir')} (metadata)`,
      `M ${p('mod.txt')}`,
      `+ ${p('new.txt')}`,
      `+ ${p('newdir')}/`,
      `+ ${p('newdir/inner.bin')}`,
      `- ${p('old.txt')}`,
      `T ${p('tc')}`,
      `T ${p('tdir')}`,
      `- ${p('tdir/x.txt')}`,
      `U ${p('touched.txt')} (metadata)`,
    ]);
    // The paths start in one column; files show human sizes right-aligned before them.
    expect(new Set(items.map((l) => l.indexOf('/'))).size).toBe(1);
    expect(items[2]).toMatch(/^M +50 B {2}\//);
    expect(items[5]).toMatch(/^\+ 1\.21 KiB {2}\//);
    expect(lines[12]).toBe('');
    expect(lines.slice(13)).toEqual([
      'totals         entries     bytes',
      'added                3  1.21 KiB',
      'removed              2     177 B',
      'modified             1',
      'type changed         2',
      'metadata only        3',
    ]);
  });

  it("a directory's own mtime change is listed unless entries came or went in it, and before what it contains", () => {
    const c = sb.json(['create', src, '--tag', 'before-touch']).snapshot_id;
    const dirMtime = (d: string) => lstatSync(p(d), { bigint: true }).mtimeNs;
    setMtimeNs(p('chdir'), dirMtime('chdir') + 5_000_000_000n); // touch: nothing else
    appendFileSync(p('same/deep/big.bin'), 'appended'); // deep's mtime does not change
    setMtimeNs(p('same'), dirMtime('same') + 5_000_000_000n);
    writeFileSync(p('newdir/more.txt'), 'more'); // newdir's mtime changes with it: not listed
    const d2 = sb.json(['create', src]).snapshot_id;
    const d = sb.json<Diff>(['diff', c, d2]);
    expect(d.added).toEqual([{ path: p('newdir/more.txt'), type: 'file', size: 4 }]);
    expect(d.modified).toEqual([{ path: p('same/deep/big.bin'), type: 'file', size: 300_008 }]);
    expect(d.metadata_only).toEqual([
      { path: p('chdir'), type: 'dir', size: 0 },
      { path: p('same'), type: 'dir', size: 0 },
    ]);
    expect(d.removed).toEqual([]);
    expect(d.type_changed).toEqual([]);
    const lines = sb.ok(['diff', c, d2]).stdout.split('\n').slice(1, 5);
    expect(lines.map((l) => `${l[0]} ${l.slice(l.indexOf('/'))}`)).toEqual([
      `U ${p('chdir')} (metadata)`,
      `+ ${p('newdir/more.txt')}`,
      `U ${p('same')} (metadata)`,
      `M ${p('same/deep/big.bin')}`,
    ]);
  });

  it('unknown snapshots are refused with exit 1', () => {
    const r = sb.run(['diff', a, 'ffffffff', '--json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).error.code).toBe('not_found');
  });
});
