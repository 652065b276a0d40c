// Small files are read, hashed and encoded on a worker thread by default, on the main thread with
// SNAP_SMALL_FILE_WORKERS=0. Both must store exactly the same: a backup made one way, re-read the
// other way, adds nothing; in an unencrypted repository (ids are plain BLAKE3) both give the same
// root tree. Sizes straddle the worker's limit (32 KiB, the chunker's minimum), with empty files,
// duplicates and a directory larger than the read-ahead window.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { Sandbox } from './helpers.js';

/** Real text (this project's dependencies' sources), cut to `n` bytes, different per seed. */
function realText(n: number, seed: number): Buffer {
  const src = readFileSync(path.join(import.meta.dirname, '../../node_modules/typescript/lib/lib.dom.d.ts'));
  const at = (seed * 7919) % (src.length - n - 1);
  return src.subarray(at, at + n);
}

describe('small files on a worker thread and on the main thread', () => {
  for (const encrypted of [true, false]) {
    describe(encrypted ? 'encrypted' : 'unencrypted', () => {
      const sb = encrypted ? new Sandbox() : new Sandbox(undefined);
      let src: string;
      const sizes = [0, 1, 100, 2048, 16 * 1024, 16 * 1024 + 1, 32 * 1024 - 1, 32 * 1024, 32 * 1024 + 1, 100_000];
      let total = 0;
      let files = 0;
      beforeAll(() => {
        sb.init(encrypted ? [] : ['--encryption', 'none']);
        src = sb.path('src');
        mkdirSync(path.join(src, 'many'), { recursive: true });
        sizes.forEach((n, i) => {
          writeFileSync(path.join(src, `f${i}.txt`), realText(n, i));
          total += n;
          files++;
        });
        // a duplicate of a small file, and random bytes (stored raw)
        writeFileSync(path.join(src, 'dup.txt'), realText(2048, 3));
        writeFileSync(path.join(src, 'rand.bin'), createHash('sha512').update('x').digest().toString('hex').repeat(40));
        total += 2048 + 128 * 40;
        files += 2;
        for (let i = 0; i < 700; i++) {
          writeFileSync(path.join(src, 'many', `m${i}`), realText(500 + (i % 3000), 1000 + i));
          total += 500 + (i % 3000);
          files++;
        }
      });
      afterAll(() => sb.cleanup());
      const touch = () => {
        const t = new Date(Date.now() + Math.round(Math.random() * 1e6));
        for (const i of sizes.keys()) utimesSync(path.join(src, `f${i}.txt`), t, t);
        for (let i = 0; i < 700; i++) utimesSync(path.join(src, 'many', `m${i}`), t, t);
        utimesSync(path.join(src, 'dup.txt'), t, t);
        utimesSync(path.join(src, 'rand.bin'), t, t);
      };

      it('store the same blobs both ways, and restore every byte', () => {
        const first = sb.json(['create', src], { env: { SNAP_SMALL_FILE_WORKERS: '0' } });
        expect(first.total_files).toBe(files);
        expect(first.bytes_read).toBe(total);
        for (const workers of ['1', '0', '2']) {
          touch(); // new mtimes: every file is read again
          const r = sb.json(['create', src], { env: { SNAP_SMALL_FILE_WORKERS: workers, SNAP_SMALL_FILE_WORKER_START: '0' } });
          expect(r.files_changed, `workers=${workers}`).toBe(files);
          expect(r.bytes_read, `workers=${workers}`).toBe(total);
          expect(r.bytes_added, `workers=${workers}`).toBe(0);
          expect(r.files_failed, `workers=${workers}`).toEqual([]);
        }
        const out = sb.path('out');
        sb.ok(['restore', 'latest', out, '--verify']);
        for (const i of sizes.keys()) expect(readFileSync(path.join(out, src, `f${i}.txt`)).equals(realText(sizes[i]!, i))).toBe(true);
        sb.ok(['check', '--read-data']);
      });

      it.runIf(!encrypted)('give the same root tree both ways (unencrypted: ids are plain hashes)', () => {
        touch();
        const a = sb.json(['create', src, '--time', '2026-01-01T00:00:00Z'], { env: { SNAP_SMALL_FILE_WORKERS: '0' } });
        const b = sb.json(['create', src, '--time', '2026-01-01T00:00:00Z', '--parent', a.snapshot_id], { env: { SNAP_SMALL_FILE_WORKERS: '1', SNAP_SMALL_FILE_WORKER_START: '0' } });
        const tree = (id: string) => sb.json(['list']).find((s: { id: string }) => s.id === id).tree;
        expect(b.files_unmodified).toBe(files); // unchanged since a: nothing read
        touch();
        const c = sb.json(['create', src, '--time', '2026-01-01T00:00:00Z'], { env: { SNAP_SMALL_FILE_WORKERS: '0' } });
        const d = sb.json(['create', src, '--time', '2026-01-01T00:00:00Z', '--parent', a.snapshot_id], { env: { SNAP_SMALL_FILE_WORKERS: '1', SNAP_SMALL_FILE_WORKER_START: '0' } });
        expect(d.files_changed).toBe(files);
        expect(tree(d.snapshot_id)).toBe(tree(c.snapshot_id));
      });
    });
  }
});
