// A sparse file larger than 4 GiB: streamed with bounded memory, restored sparse and exact.

import { afterAll, describe, expect, it } from 'vitest';
import { openSync, writeSync, closeSync, ftruncateSync, statSync, readSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { Sandbox } from './helpers.js';

const SIZE = 4.5 * 1024 ** 3;
const MARKERS: Array<[number, string]> = [
  [12345, 'start-marker'],
  [2 ** 32 - 6, 'straddles-4GiB'],
  [2 ** 32 + 777_777, 'past-4GiB'],
  [SIZE - 9, 'the-end!!'],
];

describe('a sparse file over 4 GiB', () => {
  const sb = new Sandbox();
  afterAll(() => sb.cleanup());

  it('backs up and restores exactly, leaving holes', () => {
    sb.init();
    const dir = sb.path('src');
    mkdirSync(dir);
    const file = path.join(dir, 'sparse.img');
    const fd = openSync(file, 'w');
    ftruncateSync(fd, SIZE);
    for (const [at, text] of MARKERS) writeSync(fd, Buffer.from(text), 0, text.length, at);
    closeSync(fd);
    const r = sb.json(['create', dir]);
    expect(r.bytes_read).toBe(SIZE);
    // Zeros dedup to one max-size chunk; the chunks around the four markers are the rest.
    expect(r.bytes_added).toBeLessThan(8 * 1024 * 1024);
    const out = sb.path('out');
    sb.ok(['restore', 'latest', out]);
    const restored = path.join(out, file);
    const st = statSync(restored);
    expect(st.size).toBe(SIZE);
    expect(st.blocks * 512).toBeLessThan(16 * 1024 * 1024); // holes stayed holes
    const rfd = openSync(restored, 'r');
    for (const [at, text] of MARKERS) {
      const b = Buffer.alloc(text.length + 2);
      readSync(rfd, b, 0, b.length, at - 1);
      expect(b.subarray(1, 1 + text.length).toString()).toBe(text);
      expect(b[0]).toBe(0);
    }
    closeSync(rfd);
  }, 300_000);
});
