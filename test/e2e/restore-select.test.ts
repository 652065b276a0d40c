// restore --include/--exclude and its --verify pass choose files with one selection module (issue 10):
// a pattern matches the path, the path without its leading '/', or the basename, in both.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Sandbox } from './helpers.js';

describe('restore selection with --verify', () => {
  const sb = new Sandbox();
  const src = sb.path('src');
  beforeAll(() => {
    sb.init();
    mkdirSync(path.join(src, 'd', 'e'), { recursive: true });
    for (const rel of ['top.txt', 'top.bin', 'd/mid.txt', 'd/mid.bin', 'd/e/deep.txt', 'd/e/deep.bin']) writeFileSync(path.join(src, rel), `content of ${rel}`);
    sb.ok(['create', src]);
  });
  afterAll(() => sb.cleanup());

  it("--exclude '*.bin' --verify: nested .bin files are left out by both", () => {
    const out = sb.path('out-exclude');
    const doc = sb.json(['restore', 'latest', out, '--exclude', '*.bin', '--verify']);
    expect(doc.verified).toBe(true);
    expect(doc.files).toBe(3);
    expect(existsSync(path.join(out, src, 'd/e/deep.bin'))).toBe(false);
    expect(existsSync(path.join(out, src, 'd/e/deep.txt'))).toBe(true);
  });

  it("--include '*.txt' --verify: nested .txt files are verified too", () => {
    const out = sb.path('out-include');
    const doc = sb.json(['restore', 'latest', out, '--include', '*.txt', '--verify']);
    expect(doc).toMatchObject({ verified: true, files: 3 });
    expect(existsSync(path.join(out, src, 'd/e/deep.bin'))).toBe(false);
    // A nested .txt that differs from the snapshot (kept by --overwrite never) is found by --verify.
    writeFileSync(path.join(out, src, 'd/e/deep.txt'), 'changed on disk');
    const r = sb.run(['restore', 'latest', out, '--include', '*.txt', '--verify', '--overwrite', 'never', '--json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).verified).toBe(false);
    expect(r.stderr).toContain(`snap: verify: ${src}/d/e/deep.txt`);
  });
});
