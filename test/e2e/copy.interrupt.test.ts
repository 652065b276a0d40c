// copySnapshots through the library: an interrupted copy writes no snapshot record and leaves a
// target that checks clean; the next run finishes the job. Plus the pure pieces (snapshot matching,
// key selection rules) and the translation cache's damage check.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { copySnapshots } from '../../src/maintenance/copy/copySnapshots.js';
import { IdMap } from '../../src/maintenance/copy/idMap.js';
import { findCopy, sameFields } from '../../src/maintenance/copy/matchSnapshot.js';
import { refuseKeyRemoval, resolveKeyId } from '../../src/repository/keyManagement.js';
import { openRepository } from '../../src/repository/openRepository.js';
import { InterruptedError, InvalidArgumentError, NotFoundError } from '../../src/errors.js';
import type { BlobId } from '../../src/ids.js';
import { diffTrees, Sandbox, snapshotTree, TEST_KDF } from './helpers.js';

describe('copySnapshots (library)', () => {
  const sb = new Sandbox('pw-src');
  const src = sb.path('data');
  const dstRepo = sb.path('dst');
  const open = (location: string, pw: string) => openRepository({ location, password: async () => Buffer.from(pw), cacheDir: sb.cache });

  beforeAll(() => {
    sb.init(['--chunk-size', '512,1024,4096']);
    mkdirSync(src);
    for (let i = 0; i < 8; i++) writeFileSync(path.join(src, `f${i}`), randomBytes(200_000));
    sb.ok(['create', src]);
    sb.ok(['init', '--kdf', TEST_KDF], { env: { SNAP_REPO: dstRepo, SNAP_PASSWORD: 'pw-dst' } });
  });
  afterAll(() => sb.cleanup());

  for (const mode of ['re-identified', 'kept'] as const) {
    it(`an interrupted copy (${mode}) writes no snapshot; the target checks clean; the next run completes`, async () => {
      const target = mode === 'kept' ? sb.path('dst-shared') : dstRepo;
      if (mode === 'kept') {
        sb.ok(['init', '--kdf', TEST_KDF, '--from-repo', sb.repo], { env: { SNAP_REPO: target, SNAP_PASSWORD: 'pw-dst', SNAP_FROM_PASSWORD: 'pw-src' } });
      }
      const a = await open(sb.repo, 'pw-src');
      const b = await open(target, 'pw-dst');
      try {
        const snapshots = await a.listSnapshots();
        const controller = new AbortController();
        const run = copySnapshots(a, b, {
          snapshots,
          signal: controller.signal,
          progress: (p) => {
            if (p.blobsCopied >= 100) controller.abort();
          },
        });
        await expect(run).rejects.toBeInstanceOf(InterruptedError);
        expect(await b.listSnapshotIds()).toEqual([]);
      } finally {
        await a.close();
        await b.close();
      }
      if (sb.run(['check', '--help']).code === 0) {
        const r = sb.run(['check', '--json'], { env: { SNAP_REPO: target, SNAP_PASSWORD: 'pw-dst' } });
        expect(r.code, r.stderr).toBe(0);
      }
      const doc = sb.json(['copy', '--to', target], { env: { SNAP_TO_PASSWORD: 'pw-dst' } });
      expect(doc).toMatchObject({ snapshots_copied: 1, blob_ids: mode });
      const out = sb.path(`out-${mode}`);
      sb.ok(['restore', 'latest', out], { env: { SNAP_REPO: target, SNAP_PASSWORD: 'pw-dst' } });
      expect(diffTrees(snapshotTree(src), snapshotTree(path.join(out, src)))).toEqual([]);
    });
  }

  it('refuses to copy a repository onto itself', async () => {
    const a = await open(sb.repo, 'pw-src');
    const again = await open(sb.repo, 'pw-src');
    try {
      await expect(copySnapshots(a, again, { snapshots: await a.listSnapshots() })).rejects.toBeInstanceOf(InvalidArgumentError);
    } finally {
      await a.close();
      await again.close();
    }
  });
});

describe('copy and key rules (pure)', () => {
  const base = { time: '2026-01-01T02:00:00+01:00', hostname: 'h', paths: ['/a', '/b'], tags: ['x'] };

  it('a snapshot is already in the target only when time, host, paths, tags and copied tree all match', () => {
    expect(sameFields(base, { ...base })).toBe(true);
    expect(sameFields(base, { ...base, time: '2026-01-01T01:00:00Z' })).toBe(false); // same instant, other record
    expect(sameFields(base, { ...base, hostname: 'g' })).toBe(false);
    expect(sameFields(base, { ...base, paths: ['/a'] })).toBe(false);
    expect(sameFields(base, { ...base, paths: ['/b', '/a'] })).toBe(false);
    expect(sameFields(base, { ...base, tags: [] })).toBe(false);
    const target = [{ ...base, tree: 'aa', id: '1' }, { ...base, tree: 'bb', id: '2' }, { ...base, hostname: 'g', tree: 'cc', id: '3' }];
    expect(findCopy(base, 'bb', target)?.id).toBe('2');
    expect(findCopy(base, 'cc', target)).toBeUndefined();
  });

  it('key ids resolve by full id or unique prefix; removal refuses the current and the last key', () => {
    const names = ['abcd1111', 'abcd2222', 'ef001234'];
    expect(resolveKeyId(names, 'ef00')).toBe('ef001234');
    expect(resolveKeyId(names, 'abcd1111')).toBe('abcd1111');
    expect(() => resolveKeyId(names, 'abcd')).toThrow(/ambiguous/);
    expect(() => resolveKeyId(names, 'ab')).toThrow(/too short/);
    expect(() => resolveKeyId(names, '9999')).toThrow(NotFoundError);
    expect(refuseKeyRemoval(names, 'abcd1111', 'abcd1111')).toMatch(/opened the repository with/);
    expect(refuseKeyRemoval(names, 'abcd1111', 'ef001234')).toBeUndefined();
    expect(refuseKeyRemoval(['abcd1111'], undefined, 'abcd1111')).toMatch(/last key/);
  });

  it('the translation cache returns what was stored, and a damaged value reads as a miss', async () => {
    const sb = new Sandbox();
    try {
      const map = IdMap.open(sb.root, 'target');
      const src = randomBytes(32) as BlobId;
      const dst = randomBytes(32) as BlobId;
      map.setData(src, dst);
      map.setTree(dst, src);
      await map.close();
      const reopened = IdMap.open(sb.root, 'target');
      expect(reopened.getData(src)?.equals(dst)).toBe(true);
      expect(reopened.getTree(dst)?.equals(src)).toBe(true);
      expect(reopened.getData(dst)).toBeUndefined();
      // Damage: store a value whose check does not match its key.
      const db = (reopened as unknown as { data: { putSync(k: Buffer, v: Buffer): void } }).data;
      const bad = Buffer.concat([randomBytes(32), Buffer.alloc(8)]);
      db.putSync(Buffer.from(src), bad);
      expect(reopened.getData(src)).toBeUndefined();
      await reopened.close();
    } finally {
      sb.cleanup();
    }
  });
});
