// Big files are chunked by worker threads on machines with more than two cores, on the main thread
// otherwise (SNAP_CHUNK_WORKERS sets it). Both must cut at exactly the same points: a backup made
// one way, re-read the other way, stores nothing new.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { Sandbox } from './helpers.js';

const MiB = 1024 * 1024;

function content(n: number, seed: number): Buffer {
  const out = Buffer.allocUnsafe(n);
  for (let o = 0, i = 0; o < n; o += 32, i++) createHash('sha256').update(`${seed}:${i}`).digest().copy(out, o, 0, Math.min(32, n - o));
  // Some compressible stretches, so chunks differ in how they are stored too.
  for (let o = 0; o + 4096 < n; o += 64 * 1024) out.fill(o & 0xff, o, o + 4096);
  return out;
}

describe('chunking on worker threads and on the main thread', () => {
  const sb = new Sandbox();
  let src: string;
  const files = [['big.bin', 13 * MiB + 123], ['mid.bin', 3 * MiB], ['edge.bin', 512 * 1024], ['small.bin', 40_000]] as const;
  const touch = () => {
    const t = new Date(Date.now() + Math.round(Math.random() * 1e6));
    for (const [name] of files) utimesSync(path.join(src, name), t, t);
  };
  beforeAll(() => {
    sb.init();
    src = sb.path('src');
    mkdirSync(src);
    files.forEach(([name, size], i) => writeFileSync(path.join(src, name), content(size, i)));
  });
  afterAll(() => sb.cleanup());

  const total = files.reduce((n, [, size]) => n + size, 0);

  it('give the same chunks both ways', () => {
    const main = sb.json(['create', src], { env: { SNAP_CHUNK_WORKERS: '0' } });
    expect(main.bytes_added).toBe(total);
    for (const workers of ['2', '0', '3']) {
      touch(); // new mtimes: every file is read and chunked again
      const r = sb.json(['create', src], { env: { SNAP_CHUNK_WORKERS: workers } });
      expect(r.files_changed, `workers=${workers}`).toBe(files.length);
      expect(r.bytes_read, `workers=${workers}`).toBe(total);
      expect(r.bytes_added, `workers=${workers}`).toBe(0);
    }
    const out = sb.path('out');
    sb.ok(['restore', 'latest', out]);
    sb.ok(['restore', 'latest', out, '--overwrite', 'always', '--verify']);
  });

  it('refuses a SNAP_CHUNK_WORKERS that is not a count', () => {
    const r = sb.run(['create', src, '--json'], { env: { SNAP_CHUNK_WORKERS: 'many' } });
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).error.message).toMatch(/SNAP_CHUNK_WORKERS/);
  });
});
