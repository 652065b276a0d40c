// The CLI on an s3:// repository: s3rver in a child process started by this test (the CLI runs
// with spawnSync, which would block an in-process server), or the engine of SNAP_S3_ENDPOINT (CI: RGW).
// init, create, list, restore bit-identical, check, keys, copy both ways, locks released, errors.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { S3Backend } from '../../src/backend/s3.js';
import { diffTrees, Sandbox, snapshotTree, TEST_KDF } from '../e2e/helpers.js';
import { startS3rverChild, type S3Server } from '../s3/server.js';

describe('snap on S3', () => {
  let server: S3Server;
  /** The repository (a fresh bucket or prefix per run) and a sibling prefix of the same bucket. */
  let LOCATION = '';
  let BASE = '';
  const sb = new Sandbox('s3 password');
  const src = sb.path('data');

  const backend = () =>
    S3Backend.open(LOCATION, { endpoint: server.endpoint, credentials: server.credentials });

  beforeAll(async () => {
    server = await startS3rverChild();
    BASE = server.location('snap-e2e');
    LOCATION = `${BASE}/host1`;
    sb.env = { ...server.env, SNAP_REPO: LOCATION };
    mkdirSync(path.join(src, 'many'), { recursive: true });
    writeFileSync(path.join(src, 'random.bin'), randomBytes(5 * 1024 * 1024 + 17));
    writeFileSync(path.join(src, 'text.txt'), 'a line that repeats itself\n'.repeat(50_000));
    writeFileSync(path.join(src, 'empty'), '');
    for (let i = 0; i < 300; i++) writeFileSync(path.join(src, 'many', `f${i}`), `${i}\n`.repeat(i));
    symlinkSync('text.txt', path.join(src, 'link'));
  });
  afterAll(async () => {
    await server?.close();
    sb.cleanup();
  });

  it('init creates the bucket and the repository; a second init is refused', async () => {
    const doc = sb.json<{ location: string; encryption: string; repository_id: string }>(['init', '--kdf', TEST_KDF]);
    expect(doc.location).toBe(LOCATION);
    expect(doc.encryption).toBe('aes-256-gcm');
    const b = await backend();
    try {
      expect(await b.exists()).toBe(true);
      expect(await b.stat('config')).toBeDefined();
      expect(await b.list('keys/')).toHaveLength(1);
    } finally {
      await b.close();
    }
    const again = sb.run(['init', '--kdf', TEST_KDF]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`a repository already exists at ${LOCATION}`);
  });

  it('create, list, restore bit-identical, check; no lock is left behind', async () => {
    const first = sb.json<{ snapshot_id: string; bytes_added: number }>(['create', src]);
    expect(first.bytes_added).toBeGreaterThan(5 * 1024 * 1024);
    writeFileSync(path.join(src, 'text.txt'), 'changed\n');
    const second = sb.json<{ snapshot_id: string; parent_id: string; files_unmodified: number }>(['create', src]);
    expect(second.parent_id).toBe(first.snapshot_id);
    expect(second.files_unmodified).toBeGreaterThan(300);
    const listed = sb.json<Array<{ id: string }>>(['list']);
    expect(listed.map((s) => s.id)).toEqual([first.snapshot_id, second.snapshot_id]);

    sb.ok(['restore', 'latest', sb.path('out')]);
    expect(diffTrees(snapshotTree(src), snapshotTree(path.join(sb.path('out'), src)))).toEqual([]);
    const dumped = sb.ok(['dump', first.snapshot_id.slice(0, 8), path.join(src, 'text.txt')]).stdout;
    expect(dumped).toBe('a line that repeats itself\n'.repeat(50_000));

    if (sb.run(['check', '--help']).code === 0) {
      const check = sb.run(['check', '--read-data', '--json']);
      expect(check.code, check.stderr).toBe(0);
      expect(JSON.parse(check.stdout).ok).toBe(true);
    }

    const b = await backend();
    try {
      expect(await b.list('locks/')).toEqual([]);
      expect((await b.list('data/')).length).toBeGreaterThan(0);
      expect((await b.list('snapshots/')).length).toBe(2);
    } finally {
      await b.close();
    }
  });

  it('keys: add a password on S3 and open with it', () => {
    const added = sb.json<{ key_id: string }>(['key', 'add', '--kdf', TEST_KDF], { env: { SNAP_NEW_PASSWORD: 'second' } });
    const keys = sb.json<Array<{ id: string; current: boolean }>>(['key', 'list'], { env: { SNAP_PASSWORD: 'second' } });
    expect(keys.find((k) => k.current)!.id).toBe(added.key_id);
  });

  it('copy from S3 to a local repository and back to another S3 prefix; restores are bit-identical', () => {
    const local = sb.path('local-repo');
    sb.ok(['init', '--kdf', TEST_KDF], { env: { SNAP_REPO: local, SNAP_PASSWORD: 'local' } });
    const down = sb.json<{ snapshots_copied: number; blob_ids: string }>(['copy', '--to', local], { env: { SNAP_TO_PASSWORD: 'local' } });
    expect(down).toMatchObject({ snapshots_copied: 2, blob_ids: 're-identified' });
    sb.ok(['restore', 'latest', sb.path('out-local')], { env: { SNAP_REPO: local, SNAP_PASSWORD: 'local' } });
    expect(diffTrees(snapshotTree(src), snapshotTree(path.join(sb.path('out-local'), src)))).toEqual([]);

    const up = `${BASE}/copy-of-local`;
    sb.ok(['init', '--kdf', TEST_KDF, '--from-repo', local], { env: { SNAP_REPO: up, SNAP_PASSWORD: 'up', SNAP_FROM_PASSWORD: 'local' } });
    const upDoc = sb.json<{ snapshots_copied: number; blob_ids: string }>(['copy', '--to', up], {
      env: { SNAP_REPO: local, SNAP_PASSWORD: 'local', SNAP_TO_PASSWORD: 'up' },
    });
    expect(upDoc).toMatchObject({ snapshots_copied: 2, blob_ids: 'kept' });
    sb.ok(['restore', 'latest', sb.path('out-up')], { env: { SNAP_REPO: up, SNAP_PASSWORD: 'up' } });
    expect(diffTrees(snapshotTree(src), snapshotTree(path.join(sb.path('out-up'), src)))).toEqual([]);
    const again = sb.json<{ blobs_copied: number; snapshots_skipped: number }>(['copy', '--to', up], {
      env: { SNAP_REPO: local, SNAP_PASSWORD: 'local', SNAP_TO_PASSWORD: 'up' },
    });
    expect(again).toMatchObject({ blobs_copied: 0, snapshots_skipped: 2 });
  });

  it('the nightly recipe: back up locally, then copy to S3; the second night sends only what is new', () => {
    const night = sb.path('night-src');
    const local = sb.path('night-local');
    const remote = `${BASE}/offsite`;
    const L = { SNAP_REPO: local, SNAP_PASSWORD: 'night' };
    const copyEnv = { ...L, SNAP_TO_PASSWORD: 'offsite' };
    mkdirSync(night, { recursive: true });
    writeFileSync(path.join(night, 'a.bin'), randomBytes(2 * 1024 * 1024));
    writeFileSync(path.join(night, 'notes.txt'), 'night one\n');
    sb.ok(['init', '--kdf', TEST_KDF], { env: L });
    // Same chunker and ids as the local repository, so copies keep blob ids and deduplicate.
    sb.ok(['init', '--kdf', TEST_KDF, '--from-repo', local], { env: { SNAP_REPO: remote, SNAP_PASSWORD: 'offsite', SNAP_FROM_PASSWORD: 'night' } });
    type CopyDoc = { snapshots_copied: number; snapshots_skipped: number; blobs_copied: number; requests: { put: number; total: number } };
    sb.ok(['create', night], { env: L });
    const first = sb.json<CopyDoc>(['copy', '--to', remote], { env: copyEnv });
    expect(first).toMatchObject({ snapshots_copied: 1, snapshots_skipped: 0 });
    writeFileSync(path.join(night, 'notes.txt'), 'night two\n');
    writeFileSync(path.join(night, 'b.bin'), randomBytes(100_000));
    sb.ok(['create', night], { env: L });
    const second = sb.json<CopyDoc>(['copy', '--to', remote], { env: copyEnv });
    expect(second).toMatchObject({ snapshots_copied: 1, snapshots_skipped: 1 });
    expect(second.blobs_copied).toBeGreaterThan(0);
    expect(second.blobs_copied).toBeLessThan(first.blobs_copied);
    expect(second.requests.put).toBeLessThan(10);
    const R = { SNAP_REPO: remote, SNAP_PASSWORD: 'offsite' };
    expect(sb.json<unknown[]>(['list'], { env: R })).toHaveLength(2);
    sb.ok(['restore', 'latest', sb.path('night-out')], { env: R });
    expect(diffTrees(snapshotTree(night), snapshotTree(path.join(sb.path('night-out'), night)))).toEqual([]);
    const check = sb.run(['check', '--read-data', '--json'], { env: R });
    expect(check.code, check.stderr).toBe(0);
  });

  it('--json documents on S3 count the requests by kind, and price them with SNAP_S3_PRICES', () => {
    type Req = Record<'get' | 'put' | 'post' | 'list' | 'head' | 'delete' | 'total', number> & { cost?: number };
    writeFileSync(path.join(src, 'more.bin'), randomBytes(300_000));
    const created = sb.json<{ requests: Req }>(['create', src]);
    const r = created.requests;
    expect(r.put).toBeGreaterThan(1); // a pack, an index file, the snapshot, the lock
    expect(r.list).toBeGreaterThan(0);
    expect(r.total).toBe(r.get + r.put + r.post + r.list + r.head + r.delete);
    const priced = sb.json<{ requests: Req }>(['check'], { env: { SNAP_S3_PRICES: 'get=0.4,put=5,list=5,head=0.4,delete=0,post=5' } }).requests;
    expect(priced.cost).toBeCloseTo((priced.get * 0.4 + priced.head * 0.4 + (priced.put + priced.list + priced.post) * 5) / 1000, 6);
    const bad = sb.run(['list'], { env: { SNAP_S3_PRICES: 'copy=1' } });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^snap: SNAP_S3_PRICES: expected kind=price/m);
    const local = sb.json<Record<string, unknown>>(['stats'], { env: { SNAP_REPO: sb.path('local-repo'), SNAP_PASSWORD: 'local' } });
    expect(local).not.toHaveProperty('requests');
  });

  it('errors: a missing bucket or prefix is exit 10; unknown credentials are a clear exit 1', () => {
    expect(sb.run(['list'], { env: { SNAP_REPO: `s3://${server.missingBucket()}/x` } }).code).toBe(10);
    expect(sb.run(['list'], { env: { SNAP_REPO: `${BASE}/not-here` } }).code).toBe(10);
    // s3rver does not check SigV4 signatures, but it does check that the access key exists (RGW checks both).
    const bad = sb.run(['list', '--json'], { env: { AWS_ACCESS_KEY_ID: 'NOBODY' } });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^snap: S3 \w+ failed: /m);
    expect(bad.stderr).toContain(LOCATION);
    expect(JSON.parse(bad.stdout).error.code).toBe('io');
    const badLoc = sb.run(['list'], { env: { SNAP_REPO: 's3://Bad_Bucket/x' } });
    expect(badLoc.code).toBe(1);
    expect(badLoc.stderr).toMatch(/not a valid S3 bucket name/);
    expect(sb.run(['list']).stderr).not.toMatch(/NodeVersionSupportWarning/);
  });
});
