// The Backend contract: one suite, run against the local-directory backend and against S3Backend on
// s3rver (127.0.0.1, free port, started by this test) or, when SNAP_S3_ENDPOINT is set, on that
// engine (CI: Ceph RGW). Every backend must pass it unchanged.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Backend } from '../../src/backend/backend.js';
import { LocalBackend } from '../../src/backend/local.js';
import { openBackend } from '../../src/backend/openBackend.js';
import { parseS3Location, S3Backend } from '../../src/backend/s3.js';
import { InvalidArgumentError, NotFoundError } from '../../src/errors.js';
import { startS3rver, type S3Server } from '../s3/server.js';

interface Fixture {
  name: string;
  setup(): Promise<void>;
  teardown(): Promise<void>;
  /** A backend at a fresh location (nothing there yet); `pageKeys` lowers S3's list page size. */
  make(opts?: { pageKeys?: number }): Promise<Backend>;
}

const localFixture = (): Fixture => {
  let root = '';
  let n = 0;
  return {
    name: 'local',
    async setup() {
      root = mkdtempSync(path.join(os.tmpdir(), 'snap-backend-'));
    },
    async teardown() {
      rmSync(root, { recursive: true, force: true });
    },
    async make() {
      return new LocalBackend(path.join(root, `repo${n++}`));
    },
  };
};

const s3Fixture = (): Fixture => {
  let server: S3Server;
  let n = 0;
  return {
    name: 's3',
    async setup() {
      server = await startS3rver();
    },
    async teardown() {
      await server.close();
    },
    async make(opts = {}) {
      // A fresh location each time, with a prefix of several levels: the prefix must isolate repositories.
      return S3Backend.open(`${server.location(`snap-test-${n++}`)}/repo`, {
        endpoint: server.endpoint,
        credentials: server.credentials,
        listPageKeys: opts.pageKeys,
      });
    },
  };
};

async function putMany(b: Backend, names: string[], width = 16): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < names.length) {
        const name = names[next++]!;
        await b.put(name, Buffer.from(name));
      }
    }),
  );
}

for (const fx of [localFixture(), s3Fixture()]) {
  describe(`Backend contract: ${fx.name}`, () => {
    beforeAll(() => fx.setup());
    afterAll(() => fx.teardown());

    it('a fresh location does not exist; create is idempotent; the first object makes it exist', async () => {
      const b = await fx.make();
      try {
        expect(await b.exists()).toBe(false);
        expect(await b.list('')).toEqual([]);
        expect(await b.stat('config')).toBeUndefined();
        await b.create();
        await b.create();
        expect(await b.exists()).toBe(false);
        await b.put('config', Buffer.from('hello'));
        expect(await b.exists()).toBe(true);
      } finally {
        await b.close();
      }
    });

    it('put/get round-trip bytes exactly, from one buffer or a list, and put replaces', async () => {
      const b = await fx.make();
      try {
        await b.create();
        const one = randomBytes(100_003);
        await b.put('data/ab/one', one);
        expect((await b.get('data/ab/one')).equals(one)).toBe(true);
        const parts = [randomBytes(10), Buffer.alloc(0), randomBytes(70_000), randomBytes(1)];
        await b.put('index/many', parts);
        expect((await b.get('index/many')).equals(Buffer.concat(parts))).toBe(true);
        await b.put('empty', Buffer.alloc(0));
        expect((await b.get('empty')).length).toBe(0);
        expect(await b.stat('empty')).toMatchObject({ size: 0 });
        // The storage's time of the object (lock staleness): a recent time in ms (S3: whole seconds).
        expect(Math.abs((await b.stat('empty'))!.mtime! - Date.now())).toBeLessThan(60_000);
        await b.put('data/ab/one', Buffer.from('replaced'));
        expect((await b.get('data/ab/one')).toString()).toBe('replaced');
        await expect(b.get('data/ab/missing')).rejects.toBeInstanceOf(NotFoundError);
      } finally {
        await b.close();
      }
    });

    it('getRange reads exact slices; past the end it is short; stat gives sizes', async () => {
      const b = await fx.make();
      try {
        await b.create();
        const blob = randomBytes(1 << 20);
        await b.put('data/cd/pack', blob);
        expect(await b.stat('data/cd/pack')).toMatchObject({ size: blob.length });
        for (const [off, len] of [[0, 1], [0, 32], [12345, 54321], [blob.length - 4, 4], [blob.length - 1, 1], [500_000, 0]] as const) {
          const got = await b.getRange('data/cd/pack', off, len);
          expect(got.equals(blob.subarray(off, off + len))).toBe(true);
        }
        expect((await b.getRange('data/cd/pack', blob.length - 10, 100)).equals(blob.subarray(blob.length - 10))).toBe(true);
        expect((await b.getRange('data/cd/pack', blob.length + 10, 5)).length).toBe(0);
        await expect(b.getRange('data/cd/nope', 0, 5)).rejects.toBeInstanceOf(NotFoundError);
        expect(await b.stat('data/cd/nope')).toBeUndefined();
      } finally {
        await b.close();
      }
    });

    it('list gives full names under a prefix, sorted, recursively, and nothing else', async () => {
      const b = await fx.make();
      try {
        await b.create();
        const names = ['config', 'keys/k1', 'index/b2', 'index/a1', 'data/00/p1', 'data/ff/p2', 'data/00/p0', 'snapshots/s1'];
        await putMany(b, names);
        expect(await b.list('index/')).toEqual(['index/a1', 'index/b2']);
        expect(await b.list('data/')).toEqual(['data/00/p0', 'data/00/p1', 'data/ff/p2']);
        expect(await b.list('data/00/')).toEqual(['data/00/p0', 'data/00/p1']);
        expect(await b.list('locks/')).toEqual([]);
        expect(await b.list('')).toEqual([...names].sort());
      } finally {
        await b.close();
      }
    });

    it('list pages through many objects (small pages)', async () => {
      const b = await fx.make({ pageKeys: 7 });
      try {
        await b.create();
        const names = Array.from({ length: 53 }, (_, i) => `index/${String(i).padStart(4, '0')}`);
        await putMany(b, names);
        await b.put('snapshots/x', Buffer.from('x'));
        expect(await b.list('index/')).toEqual(names);
      } finally {
        await b.close();
      }
    });

    it('list pages through more than 1000 objects (the default page size)', async () => {
      const b = await fx.make();
      try {
        await b.create();
        const names = Array.from({ length: 1234 }, (_, i) => `locks/${String(i).padStart(5, '0')}`);
        await putMany(b, names, 32);
        const listed = await b.list('locks/');
        expect(listed.length).toBe(names.length);
        expect(listed).toEqual(names);
      } finally {
        await b.close();
      }
    });

    it('remove deletes an object; removing a missing one is not an error', async () => {
      const b = await fx.make();
      try {
        await b.create();
        await b.put('locks/l1', Buffer.from('x'));
        await b.put('locks/l2', Buffer.from('y'));
        await b.remove('locks/l1');
        expect(await b.stat('locks/l1')).toBeUndefined();
        await expect(b.get('locks/l1')).rejects.toBeInstanceOf(NotFoundError);
        expect(await b.list('locks/')).toEqual(['locks/l2']);
        await b.remove('locks/l1');
        await b.remove('locks/never');
      } finally {
        await b.close();
      }
    });

    it('a staged object is written through its handle and stored under its name; a discarded one leaves nothing', async () => {
      const b = await fx.make();
      try {
        await b.create();
        const bytes = randomBytes(300_001);
        const staged = await b.stage();
        await staged.handle.write(bytes, 0, 100_000, 200_001);
        await staged.handle.write(bytes, 100_000, 200_001, 0);
        await staged.handle.sync();
        await staged.store('data/aa/staged');
        const expected = Buffer.concat([bytes.subarray(100_000), bytes.subarray(0, 100_000)]);
        expect((await b.get('data/aa/staged')).equals(expected)).toBe(true);
        const dropped = await b.stage();
        await dropped.handle.write(Buffer.from('never stored'), 0, 12, 0);
        await dropped.discard();
        expect(await b.list('')).toEqual(['data/aa/staged']);
        expect((await b.removeLeftovers?.())?.files ?? 0).toBe(0);
      } finally {
        await b.close();
      }
    });

    it('an object bigger than the multipart threshold round-trips', async () => {
      const b = await fx.make();
      try {
        await b.create();
        const big = randomBytes(70 * 1024 * 1024);
        await b.put('data/ee/big', [big.subarray(0, 1000), big.subarray(1000)]);
        expect(await b.stat('data/ee/big')).toMatchObject({ size: big.length });
        const back = await b.get('data/ee/big');
        expect(back.equals(big)).toBe(true);
        const off = 64 * 1024 * 1024 - 3;
        expect((await b.getRange('data/ee/big', off, 10)).equals(big.subarray(off, off + 10))).toBe(true);
      } finally {
        await b.close();
      }
    });
  });
}

describe('S3 locations', () => {
  it('parses bucket and prefix, and refuses bad ones with a clear error', () => {
    expect(parseS3Location('s3://my-bucket/a/b/')).toEqual({ bucket: 'my-bucket', prefix: 'a/b' });
    expect(parseS3Location('s3://my-bucket')).toEqual({ bucket: 'my-bucket', prefix: '' });
    expect(parseS3Location('s3://my-bucket/')).toEqual({ bucket: 'my-bucket', prefix: '' });
    expect(() => parseS3Location('s3://')).toThrow(InvalidArgumentError);
    expect(() => parseS3Location('s3://Bad_Bucket/x')).toThrow(/not a valid S3 bucket name/);
    expect(() => parseS3Location('s3://bucket/a/../b')).toThrow(InvalidArgumentError);
  });

  it('openBackend picks S3 for s3:// and the local backend otherwise', async () => {
    const b = await openBackend('s3://some-bucket/prefix');
    expect(b).toBeInstanceOf(S3Backend);
    expect(b.location).toBe('s3://some-bucket/prefix');
    await b.close();
    expect(await openBackend('/tmp/x')).toBeInstanceOf(LocalBackend);
    await expect(openBackend('ftp://host/x')).rejects.toBeInstanceOf(InvalidArgumentError);
  });

  it('repositories under different prefixes of one bucket do not see each other', async () => {
    const server = await startS3rver();
    try {
      const opts = { endpoint: server.endpoint, credentials: server.credentials };
      const base = server.location('shared-bucket');
      const a = await S3Backend.open(`${base}/team/a`, opts);
      const ab = await S3Backend.open(`${base}/team/ab`, opts);
      await a.create();
      await ab.create();
      await a.put('config', Buffer.from('a'));
      expect(await ab.exists()).toBe(false);
      expect(await ab.list('')).toEqual([]);
      await ab.put('config', Buffer.from('ab'));
      expect((await a.get('config')).toString()).toBe('a');
      expect(await a.list('')).toEqual(['config']);
      await a.close();
      await ab.close();
    } finally {
      await server.close();
    }
  });
});

describe('S3 multipart leftovers', () => {
  it('removeLeftovers aborts unfinished multipart uploads under the prefix, and only there (real engines; s3rver cannot list them)', async () => {
    const server = await startS3rver();
    try {
      if (!server.external) return;
      const { S3Client, CreateMultipartUploadCommand, UploadPartCommand, ListMultipartUploadsCommand } = await import('@aws-sdk/client-s3');
      const base = server.location('leftovers');
      const { bucket, prefix } = parseS3Location(`${base}/repo`);
      const b = await S3Backend.open(`${base}/repo`, { endpoint: server.endpoint, credentials: server.credentials });
      await b.create();
      await b.put('config', Buffer.from('x'));
      const client = new S3Client({ endpoint: server.endpoint, forcePathStyle: true, region: 'us-east-1', credentials: server.credentials });
      // What a killed run leaves: an upload with a part and no Complete; and one outside the prefix.
      const mine = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: `${prefix}/data/ab/killed` }));
      await client.send(new UploadPartCommand({ Bucket: bucket, Key: `${prefix}/data/ab/killed`, UploadId: mine.UploadId, PartNumber: 1, Body: Buffer.alloc(1024) }));
      await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: `${prefix}-other/data/cd/theirs` }));
      expect(await b.removeLeftovers()).toEqual({ files: 1, bytes: 0 });
      const left = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: prefix.split('/')[0] }));
      expect((left.Uploads ?? []).map((u) => u.Key)).toEqual([`${prefix}-other/data/cd/theirs`]);
      client.destroy();
      await b.close();
    } finally {
      await server.close();
    }
  });
});

describe('local leftovers by age', () => {
  it('removeLeftovers({ olderThanMs }) removes only temp files older than that (two-phase prune beside a running writer)', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'snap-backend-'));
    try {
      const b = new LocalBackend(path.join(root, 'repo'));
      await b.create();
      const { mkdirSync, writeFileSync, utimesSync, readdirSync } = await import('node:fs');
      const dir = path.join(root, 'repo', 'data', 'ab');
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, '.tmp-old'), Buffer.alloc(100));
      writeFileSync(path.join(dir, '.tmp-running'), Buffer.alloc(50));
      const twoDaysAgo = (Date.now() - 2 * 86_400_000) / 1000;
      utimesSync(path.join(dir, '.tmp-old'), twoDaysAgo, twoDaysAgo);
      expect(await b.removeLeftovers({ olderThanMs: 86_400_000 })).toEqual({ files: 1, bytes: 100 });
      expect(readdirSync(dir)).toEqual(['.tmp-running']);
      expect(await b.removeLeftovers()).toEqual({ files: 1, bytes: 50 });
      await b.close();
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
