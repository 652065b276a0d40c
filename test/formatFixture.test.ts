// Repositories written by an earlier snap (format v1, archived under test/fixtures/formatV1) still
// open, check clean with --read-data, list what they held, and restore every file bit for bit; a new
// snapshot can be added to them. A change that breaks reading old repositories fails here.

import { afterAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Sandbox } from './e2e/helpers.js';

const FIXTURES = fileURLToPath(new URL('./fixtures/formatV1/', import.meta.url));
const PASSWORD = 'format v1 fixture';

interface ManifestSnapshot {
  tags: string[];
  time: string;
  path: string;
  files: Record<string, string>;
}
const manifest = JSON.parse(readFileSync(path.join(FIXTURES, 'manifest.json'), 'utf8')) as Record<
  string,
  Record<string, ManifestSnapshot>
>;

/** The same description manifest.json holds, read off a restored tree. */
function describeTree(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string, rel: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const p = path.join(dir, name);
      const r = rel ? `${rel}/${name}` : name;
      const st = lstatSync(p);
      if (st.isSymbolicLink()) out[r] = `symlink:${readlinkSync(p)}`;
      else if (st.isDirectory()) {
        out[r] = 'dir';
        walk(p, r);
      } else {
        const hash = createHash('sha256').update(readFileSync(p)).digest('hex');
        out[r] = `sha256:${hash}:${(st.mode & 0o777).toString(8)}`;
      }
    }
  };
  walk(root, '');
  return out;
}

describe.each(['encrypted', 'plain'] as const)('format v1 fixture, %s', (mode) => {
  const sb = new Sandbox(mode === 'encrypted' ? PASSWORD : undefined);
  afterAll(() => sb.cleanup());
  const expected = manifest[mode]!;
  // A copy: nothing a test does may change the archived bytes.
  execFileSync('tar', ['-xf', path.join(FIXTURES, `${mode}.tar`), '-C', sb.root]);
  sb.env.SNAP_REPO = path.join(sb.root, mode);

  it('lists the two snapshots it was written with', () => {
    const list = sb.json<Array<{ id: string; tags: string[]; time: string; hostname: string }>>(['list']);
    expect(list.map((s) => s.id).sort()).toEqual(Object.keys(expected).sort());
    for (const s of list) {
      expect(s.tags).toEqual(expected[s.id]!.tags);
      expect(s.time).toBe(expected[s.id]!.time);
      expect(s.hostname).toBe('fixture');
    }
  });

  it('checks clean, reading every byte', () => {
    const r = sb.run(['check', '--read-data']);
    expect(r.code, r.stderr).toBe(0);
  });

  it('restores every snapshot bit for bit', () => {
    for (const [id, snap] of Object.entries(expected)) {
      const target = sb.path(`restore-${id.slice(0, 8)}`);
      sb.ok(['restore', id, target, '--verify']);
      expect(describeTree(path.join(target, snap.path))).toEqual(snap.files);
    }
  });

  it('takes a new snapshot on top and still checks clean', () => {
    const src = sb.path('night3');
    execFileSync('mkdir', ['-p', src]);
    execFileSync('cp', [path.join(FIXTURES, 'README.md'), src]);
    sb.ok(['create', src, '--host', 'fixture', '--tag', 'night3']);
    expect(sb.json<unknown[]>(['list'])).toHaveLength(3);
    const r = sb.run(['check', '--read-data']);
    expect(r.code, r.stderr).toBe(0);
  });
});
