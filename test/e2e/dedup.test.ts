// Deduplication and change detection, measured on the bytes each create adds.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync, readFileSync, mkdirSync, statSync, utimesSync, openSync, writeSync, closeSync } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import path from 'node:path';
import { Sandbox } from './helpers.js';

const MiB = 1024 * 1024;

function pseudoRandom(n: number, seed: number): Buffer {
  // Deterministic, incompressible: counter-mode SHA-256.
  const out = Buffer.allocUnsafe(n);
  for (let o = 0, i = 0; o < n; o += 32, i++) createHash('sha256').update(`${seed}:${i}`).digest().copy(out, o, 0, Math.min(32, n - o));
  return out;
}

describe('deduplication', () => {
  const sb = new Sandbox();
  let src: string;
  beforeAll(() => {
    sb.init();
    src = sb.path('src');
    mkdirSync(src);
  });
  afterAll(() => sb.cleanup());

  it('stores five copies of one file once', () => {
    const data = pseudoRandom(4 * MiB, 1);
    for (let i = 0; i < 5; i++) writeFileSync(path.join(src, `copy-${i}.bin`), data);
    const r = sb.json(['create', src]);
    expect(r.files_new).toBe(5);
    expect(r.bytes_read).toBe(20 * MiB);
    expect(r.bytes_added).toBe(4 * MiB);
    expect(r.bytes_stored).toBeLessThan(4 * MiB + 64 * 1024);
  });

  it('a second unchanged backup reads nothing and adds nothing', () => {
    const r = sb.json(['create', src]);
    expect(r.files_unmodified).toBe(5);
    expect(r.files_new + r.files_changed).toBe(0);
    expect(r.bytes_read).toBe(0);
    expect(r.bytes_added).toBe(0);
    expect(r.parent_id).toMatch(/^[0-9a-f]{64}$/);
  });

  it('10 bytes inserted near the start of a 100 MB file re-store only a few chunks', () => {
    const big = path.join(src, 'big.bin');
    const data = pseudoRandom(100 * MiB, 2);
    writeFileSync(big, data);
    const first = sb.json(['create', src]);
    expect(first.bytes_added).toBe(100 * MiB);
    writeFileSync(big, Buffer.concat([data.subarray(0, 5000), Buffer.from('0123456789'), data.subarray(5000)]));
    const second = sb.json(['create', src]);
    expect(second.files_changed).toBe(1);
    expect(second.bytes_read).toBe(100 * MiB + 10);
    // A chunk or two around the edit (max chunk 1 MiB), not the 100 MB file.
    expect(second.bytes_added).toBeGreaterThan(0);
    expect(second.bytes_added).toBeLessThan(2 * 1024 * 1024 + 10);
    const dump = sb.run(['dump', 'latest', big]);
    expect(createHash('sha256').update(dump.stdoutBuf).digest('hex')).toBe(createHash('sha256').update(readFileSync(big)).digest('hex'));
  });

  it('sees content changed with the mtime put back (ctime moved)', () => {
    const f = path.join(src, 'copy-0.bin');
    const fixed = new Date('2020-01-01T00:00:00Z');
    utimesSync(f, fixed, fixed);
    sb.ok(['create', src]);
    const st = statSync(f);
    const fd = openSync(f, 'r+');
    writeSync(fd, Buffer.from('CHANGED!'), 0, 8, 1000);
    closeSync(fd);
    utimesSync(f, fixed, fixed);
    expect(statSync(f).mtimeMs).toBe(st.mtimeMs);
    const r = sb.json(['create', src]);
    expect(r.files_changed).toBe(1);
    const dump = sb.run(['dump', 'latest', f]);
    expect(dump.stdoutBuf.subarray(1000, 1008).toString()).toBe('CHANGED!');
  });

  it('--dry-run reports what would be added and writes nothing', () => {
    writeFileSync(path.join(src, 'new.bin'), randomBytes(300_000));
    const before = sb.json<any[]>(['list']).length;
    const r = sb.json(['create', src, '--dry-run']);
    expect(r.snapshot_id).toBeNull();
    expect(r.bytes_added).toBe(300_000);
    expect(sb.json<any[]>(['list']).length).toBe(before);
  });
});
