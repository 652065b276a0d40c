// Immutable history on S3 Object Lock: a repository made with `init --object-lock DAYS` records the
// retention in its config, and every object snap writes afterwards, on any host and without any
// setting (lock files excepted), carries it, so snap's own credentials cannot delete or overwrite a
// version of a snapshot record or a pack before its date; forget and prune plan around what is
// retained. Needs a real engine with an Object-Lock bucket (S3_LOCK_BUCKET, made by
// test/s3/with-rgw.sh for CI); skipped on s3rver.

import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { S3Backend, parseS3Location } from '../../src/backend/s3.js';
import { externalS3 } from './server.js';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Sandbox, TEST_KDF } from '../e2e/helpers.js';
import { openRepository } from '../../src/repository/openRepository.js';
import { encodeConfig } from '../../src/repository/config.js';

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

  /** A sandbox on a fresh prefix of the lock bucket, its location, and an admin client (the bucket owner's bypass). */
  const lockedSandbox = () => {
    const location = `s3://${lockBucket}/snap-test-${randomBytes(4).toString('hex')}/repo`;
    const sb = new Sandbox('locked');
    sb.env = { ...ext!.env, SNAP_REPO: location };
    return { sb, location, ...parseS3Location(location) };
  };
  const sdk = async () => {
    const m = await import('@aws-sdk/client-s3');
    return { m, client: new m.S3Client({ endpoint: ext!.endpoint, forcePathStyle: true, region: 'us-east-1', credentials: ext!.credentials }) };
  };
  const newestVersion = async (client: any, m: any, bucket: string, key: string) =>
    ((await client.send(new m.ListObjectVersionsCommand({ Bucket: bucket, Prefix: key }))).Versions ?? []).find((v: any) => v.Key === key && v.IsLatest);

  it('init --object-lock records the retention: every object of a later create carries it with no setting, and snap credentials cannot remove a version', async () => {
    const { sb, location, bucket, prefix } = lockedSandbox();
    const { m, client } = await sdk();
    try {
      mkdirSync(sb.path('src'), { recursive: true });
      writeFileSync(path.join(sb.path('src'), 'f.bin'), randomBytes(200_000));
      const init = sb.json<{ object_lock: unknown }>(['init', '--kdf', TEST_KDF, '--object-lock', '2']);
      expect(init.object_lock).toEqual({ mode: 'governance', days: 2 }); // governance is the default mode
      // Another host: a fresh cache, no Object Lock setting anywhere in its environment.
      const other = { SNAP_CACHE_DIR: sb.path('cache-other') };
      sb.ok(['create', sb.path('src')], { env: other });
      const b = await S3Backend.open(location, { endpoint: ext!.endpoint, credentials: ext!.credentials });
      try {
        const names = await b.list('');
        expect(names.filter((n) => n.startsWith('locks/'))).toEqual([]);
        for (const kind of ['config', 'keys/', 'data/', 'index/', 'snapshots/', 'log/']) expect(names.some((n) => n.startsWith(kind)), kind).toBe(true);
        for (const name of names) {
          const r = await b.retention(name);
          expect(r?.mode, name).toBe('GOVERNANCE');
          expect(r!.until.getTime(), name).toBeGreaterThan(Date.now() + 86_400_000);
        }
        // The credentials snap uses cannot delete a version of a snapshot record or a pack (what an attacker would do).
        for (const name of [names.find((n) => n.startsWith('snapshots/'))!, names.find((n) => n.startsWith('data/'))!, 'config']) {
          const v = await newestVersion(client, m, bucket, `${prefix}/${name}`);
          await expect(client.send(new m.DeleteObjectCommand({ Bucket: bucket, Key: `${prefix}/${name}`, VersionId: v.VersionId })), name).rejects.toMatchObject({ name: 'AccessDenied' });
        }
        // Overwriting a snapshot record only adds a version: the locked one stays byte for byte.
        const snap = names.find((n) => n.startsWith('snapshots/'))!;
        const v1 = await newestVersion(client, m, bucket, `${prefix}/${snap}`);
        const original = await b.get(snap);
        await b.put(snap, Buffer.from('forged'));
        const back = await client.send(new m.GetObjectCommand({ Bucket: bucket, Key: `${prefix}/${snap}`, VersionId: v1.VersionId }));
        expect(Buffer.from(await back.Body!.transformToByteArray()).equals(original)).toBe(true);
        // As it was, for check below (as snap would write it: with the retention).
        const locked = await S3Backend.open(location, { endpoint: ext!.endpoint, credentials: ext!.credentials, objectLock: { mode: 'GOVERNANCE', days: 2 } });
        await locked.put(snap, original).finally(() => locked.close());
      } finally {
        await b.close();
      }
      // check says whether objects carry the configured retention; with a longer one configured, they fall short.
      const notes = () => sb.json<{ ok: boolean; notes: string[] }>(['check']);
      const same = notes();
      expect(same.ok).toBe(true);
      expect(same.notes.filter((n) => n.startsWith('object lock:'))).toEqual([expect.stringMatching(/^object lock: all \d+ objects carry the configured retention$/)]);
      const repo = await openRepository({ location, password: async () => Buffer.from('locked'), cacheDir: sb.cache, backend: { s3: { endpoint: ext!.endpoint, credentials: ext!.credentials } } });
      try {
        await repo.backend.put('config', repo.crypt.seal('config', encodeConfig({ ...repo.config, object_lock: { mode: 'governance', days: 5 } })));
      } finally {
        await repo.close();
      }
      const longer = notes();
      expect(longer.notes.some((n) => /^object lock: (\d+) of \1 objects have less retention than configured \(or none\): config, data\//.test(n))).toBe(true);
    } finally {
      client.destroy();
      sb.cleanup();
    }
  }, 180_000);

  it('init --object-lock on a bucket without Object Lock, or a local directory: one line, exit 1, nothing written', async () => {
    const plain = process.env.S3_BUCKET ?? 'snap';
    const location = `s3://${plain}/snap-test-${randomBytes(4).toString('hex')}/repo`;
    const sb = new Sandbox('locked');
    try {
      sb.env = { ...ext!.env, SNAP_REPO: location };
      const r = sb.run(['init', '--kdf', TEST_KDF, '--object-lock', '7', '--object-lock-mode', 'compliance']);
      expect(r.code).toBe(1);
      expect(r.stderr.trim().split('\n').filter((l) => !l.startsWith('note: --kdf'))).toEqual([expect.stringMatching(/^snap: init --object-lock: the bucket of s3:\/\/.* does not have S3 Object Lock enabled \(it can only be enabled when a bucket is created/)]);
      const b = await S3Backend.open(location, { endpoint: ext!.endpoint, credentials: ext!.credentials });
      try {
        expect(await b.list('')).toEqual([]);
      } finally {
        await b.close();
      }
      const local = sb.run(['init', '--kdf', TEST_KDF, '--object-lock', '7'], { env: { SNAP_REPO: sb.repo } });
      expect(local.code).toBe(1);
      expect(local.stderr.trim()).toMatch(/^snap: init --object-lock: .* is not S3 storage; retention needs an S3 bucket with Object Lock enabled$/);
      for (const bad of [['0'], ['3651'], ['7', '--object-lock-mode', 'legal-hold'], ['x']]) expect(sb.run(['init', '--kdf', TEST_KDF, '--object-lock', ...bad]).code).toBe(1);
      // The old variable is refused, so a job still setting it does not silently lose its protection.
      const old = sb.run(['list'], { env: { SNAP_S3_OBJECT_LOCK: 'GOVERNANCE:3' } });
      expect(old.code).toBe(1);
      expect(old.stderr).toMatch(/SNAP_S3_OBJECT_LOCK is no longer read/);
    } finally {
      sb.cleanup();
    }
  }, 120_000);

  it('forget and prune plan around retention: records and packs still retained stay, the plan says until when, nothing retained is freed', async () => {
    const { sb, location, bucket, prefix } = lockedSandbox();
    const { m, client } = await sdk();
    try {
      const src = sb.path('src');
      mkdirSync(src, { recursive: true });
      writeFileSync(path.join(src, 'a.bin'), randomBytes(300_000));
      sb.ok(['init', '--kdf', TEST_KDF, '--object-lock', '1']);
      const first = sb.json<{ snapshot_id: string }>(['create', src]);
      const { rmSync } = await import('node:fs');
      rmSync(path.join(src, 'a.bin'));
      writeFileSync(path.join(src, 'b.bin'), randomBytes(300_000));
      const second = sb.json<{ snapshot_id: string }>(['create', src]);

      // Named explicitly: refused in one line with the date, nothing removed.
      const named = sb.run(['forget', first.snapshot_id]);
      expect(named.code).toBe(1);
      expect(named.stderr.trim()).toMatch(new RegExp(`^snap: snapshot ${first.snapshot_id.slice(0, 12)} is retained by S3 Object Lock until \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z: nothing was removed; it can be forgotten from then on$`));
      // By policy: kept, with the reason and the date; the dry run and the real run agree.
      for (const dry of [['--dry-run'], []]) {
        const f = sb.json<{ remove: unknown[]; held: Array<{ id: string; retained_until: string }>; keep: Array<{ id: string; reasons: string[] }> }>(['forget', '--keep-last', '1', ...dry]);
        expect(f.remove).toEqual([]);
        expect(f.held.map((h) => h.id)).toEqual([first.snapshot_id]);
        expect(Date.parse(f.held[0]!.retained_until)).toBeGreaterThan(Date.now() + 23 * 3600_000);
        expect(f.keep.find((k) => k.id === first.snapshot_id)?.reasons).toEqual([`retained (Object Lock) until ${f.held[0]!.retained_until}`]);
      }
      expect(sb.json<unknown[]>(['list'])).toHaveLength(2);
      const prunePlan = sb.json<{ snapshots_removed: number; retention: { snapshots_held: Array<{ id: string }> } }>(['prune', '--keep-last', '1', '--dry-run']);
      expect(prunePlan.snapshots_removed).toBe(0);
      expect(prunePlan.retention.snapshots_held.map((h) => h.id)).toEqual([first.snapshot_id]);

      // The bucket's administrator lifts the record's retention (governance bypass): forget may now
      // remove it, but the packs only it used are still retained, so prune frees none of them.
      const key = `${prefix}/snapshots/${first.snapshot_id}`;
      const v = await newestVersion(client, m, bucket, key);
      await client.send(new m.PutObjectRetentionCommand({ Bucket: bucket, Key: key, VersionId: v.VersionId, BypassGovernanceRetention: true, Retention: { Mode: 'GOVERNANCE', RetainUntilDate: new Date(Date.now() + 2000) } }));
      await new Promise((r) => setTimeout(r, 3000));
      const f = sb.json<{ remove: Array<{ id: string }>; held: unknown[] }>(['forget', '--keep-last', '1']);
      expect(f.remove.map((r) => r.id)).toEqual([first.snapshot_id]);
      expect(f.held).toEqual([]);
      expect(sb.json<Array<{ id: string }>>(['list']).map((s) => s.id)).toEqual([second.snapshot_id]);

      const b = await S3Backend.open(location, { endpoint: ext!.endpoint, credentials: ext!.credentials });
      try {
        const before = await b.list('data/');
        for (const mode of [['--dry-run'], [], ['--instant-delete']]) {
          const pruned = sb.json<{ packs_deleted: number; packs_rewritten: number; bytes_freed: number; retention: { packs: number; first_free: string }; packs: Array<{ action: string; reason: string; retained_until?: string }> }>(['prune', '--max-unused', '0', ...mode]);
          expect(pruned.packs_deleted, mode.join()).toBe(0);
          expect(pruned.packs_rewritten, mode.join()).toBe(0);
          expect(pruned.bytes_freed, mode.join()).toBe(0);
          expect(pruned.packs.every((p) => p.action === 'keep')).toBe(true);
          const held = pruned.packs.filter((p) => p.retained_until);
          expect(held.length).toBeGreaterThan(0);
          expect(pruned.retention.packs).toBe(held.length);
          expect(Date.parse(pruned.retention.first_free)).toBeGreaterThan(Date.now() + 23 * 3600_000);
          for (const p of held) expect(p.reason).toBe(`retained (Object Lock) until ${p.retained_until}: its delete and space wait until then`);
        }
        const text = sb.ok(['prune']).stdout;
        expect(text).toMatch(/S3 Object Lock retains \d+ pack\(s\) prune would free .*: their space comes free from /);
        expect(await b.list('data/')).toEqual(before);
      } finally {
        await b.close();
      }
      sb.ok(['check', '--read-data']);
    } finally {
      client.destroy();
      sb.cleanup();
    }
  }, 240_000);
});
