// Immutable history on S3 Object Lock: with `objectLock` set, every object snap writes (lock files
// excepted) carries retention, so snap's own credentials cannot delete or overwrite a version of a
// snapshot record or a pack before its date. Needs a real engine with an Object-Lock bucket
// (S3_LOCK_BUCKET, made by test/s3/with-rgw.sh for CI); skipped on s3rver.

import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { S3Backend, parseS3Location } from '../../src/backend/s3.js';
import { externalS3 } from './server.js';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Sandbox, TEST_KDF } from '../e2e/helpers.js';

const ext = externalS3();
const lockBucket = process.env.S3_LOCK_BUCKET;

describe.skipIf(!ext || !lockBucket)('S3 Object Lock', () => {
  it('every object carries retention (multipart-sized too); deleting or overwriting a locked version fails with snap credentials', async () => {
    const location = `s3://${lockBucket}/snap-test-${randomBytes(4).toString('hex')}/repo`;
    const { bucket, prefix } = parseS3Location(location);
    const b = await S3Backend.open(location, { endpoint: ext!.endpoint, credentials: ext!.credentials, objectLock: { mode: 'GOVERNANCE', days: 1 } });
    const { S3Client, ListObjectVersionsCommand, DeleteObjectCommand, GetObjectCommand } = await import('@aws-sdk/client-s3');
    const client = new S3Client({ endpoint: ext!.endpoint, forcePathStyle: true, region: 'us-east-1', credentials: ext!.credentials });
    try {
      const record = randomBytes(300);
      const pack = randomBytes(70 * 1024 * 1024); // above the multipart threshold: must still be locked
      const t0 = Date.now();
      await b.put('snapshots/aaaa', record);
      await b.put('data/ab/pack', pack);
      await b.put('locks/l1', Buffer.from('lock'));
      for (const name of ['snapshots/aaaa', 'data/ab/pack']) {
        const r = await b.retention(name);
        expect(r?.mode, name).toBe('GOVERNANCE');
        expect(Math.abs(r!.until.getTime() - (t0 + 86_400_000))).toBeLessThan(120_000);
      }
      expect(await b.retention('locks/l1')).toBeUndefined();
      await b.remove('locks/l1'); // lock files must go away, and do

      const versions = async (name: string) =>
        ((await client.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: `${prefix}/${name}` }))).Versions ?? []).filter((v) => v.Key === `${prefix}/${name}`);
      const [v1] = await versions('snapshots/aaaa');
      // Deleting the version itself, what an attacker with these credentials would do, is refused.
      for (const name of ['snapshots/aaaa', 'data/ab/pack']) {
        const [v] = await versions(name);
        await expect(client.send(new DeleteObjectCommand({ Bucket: bucket, Key: `${prefix}/${name}`, VersionId: v!.VersionId }))).rejects.toMatchObject({ name: 'AccessDenied' });
      }
      // Overwriting or deleting by name only hides it: the locked version is still there, byte for byte.
      await b.put('snapshots/aaaa', Buffer.from('forged'));
      await b.remove('snapshots/aaaa');
      const back = await client.send(new GetObjectCommand({ Bucket: bucket, Key: `${prefix}/snapshots/aaaa`, VersionId: v1!.VersionId }));
      expect(Buffer.from(await back.Body!.transformToByteArray()).equals(record)).toBe(true);
    } finally {
      client.destroy();
      await b.close();
    }
  }, 120_000);

  it('the CLI with SNAP_S3_OBJECT_LOCK: every object of a create carries retention, lock files are gone after', async () => {
    const location = `s3://${lockBucket}/snap-test-${randomBytes(4).toString('hex')}/repo`;
    const sb = new Sandbox('locked');
    try {
      sb.env = { ...ext!.env, SNAP_REPO: location, SNAP_S3_OBJECT_LOCK: 'GOVERNANCE:2' };
      mkdirSync(sb.path('src'), { recursive: true });
      writeFileSync(path.join(sb.path('src'), 'f.bin'), randomBytes(200_000));
      sb.ok(['init', '--kdf', TEST_KDF]);
      sb.ok(['create', sb.path('src')]);
      const b = await S3Backend.open(location, { endpoint: ext!.endpoint, credentials: ext!.credentials });
      try {
        const names = await b.list('');
        expect(names.filter((n) => n.startsWith('locks/'))).toEqual([]);
        for (const kind of ['config', 'keys/', 'data/', 'index/', 'snapshots/']) expect(names.some((n) => n.startsWith(kind)), kind).toBe(true);
        for (const name of names) {
          const r = await b.retention(name);
          expect(r?.mode, name).toBe('GOVERNANCE');
          expect(r!.until.getTime()).toBeGreaterThan(Date.now() + 86_400_000);
        }
      } finally {
        await b.close();
      }
      // check says whether the objects carry the configured retention; configured longer, they fall short.
      const notes = (env: Record<string, string>) => sb.json<{ ok: boolean; notes: string[] }>(['check'], { env });
      const same = notes({});
      expect(same.ok).toBe(true);
      expect(same.notes.filter((n) => n.startsWith('object lock:'))).toEqual([expect.stringMatching(/^object lock: all \d+ objects carry the configured retention$/)]);
      const longer = notes({ SNAP_S3_OBJECT_LOCK: 'GOVERNANCE:5' });
      expect(longer.notes.some((n) => /^object lock: (\d+) of \1 objects have less retention than configured \(or none\): config, /.test(n))).toBe(true);
    } finally {
      sb.cleanup();
    }
  }, 120_000);

  it('prune frees nothing still retained: packs it would delete stay, and say until when', async () => {
    const location = `s3://${lockBucket}/snap-test-${randomBytes(4).toString('hex')}/repo`;
    const sb = new Sandbox('locked');
    try {
      sb.env = { ...ext!.env, SNAP_REPO: location, SNAP_S3_OBJECT_LOCK: 'GOVERNANCE:1' };
      const src = sb.path('src');
      mkdirSync(src, { recursive: true });
      writeFileSync(path.join(src, 'a.bin'), randomBytes(300_000));
      sb.ok(['init', '--kdf', TEST_KDF]);
      const first = sb.json<{ snapshot_id: string }>(['create', src]);
      const { rmSync } = await import('node:fs');
      rmSync(path.join(src, 'a.bin'));
      writeFileSync(path.join(src, 'b.bin'), randomBytes(300_000));
      sb.ok(['create', src]);
      sb.ok(['forget', first.snapshot_id]);
      const b = await S3Backend.open(location, { endpoint: ext!.endpoint, credentials: ext!.credentials });
      try {
        const before = await b.list('data/');
        const pruned = sb.json<{ packs_deleted: number; packs: Array<{ action: string; reason: string }> }>(['prune', '--verbose']);
        expect(pruned.packs_deleted).toBe(0);
        expect(pruned.packs.every((p) => p.action === 'keep')).toBe(true);
        expect(pruned.packs.some((p) => /^retained \(Object Lock\) until \d{4}-\d\d-\d\dT/.test(p.reason))).toBe(true);
        expect(await b.list('data/')).toEqual(before);
      } finally {
        await b.close();
      }
      sb.ok(['check', '--read-data']);
    } finally {
      sb.cleanup();
    }
  }, 180_000);
});
