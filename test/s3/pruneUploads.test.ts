// Two-phase prune (the default, beside backups) also aborts the multipart uploads killed runs of
// this repository left, but only those older than its grace period: an upload that young may be a
// running create's on another host, and an upload under another prefix is someone else's. Needs a
// real engine (s3rver cannot list uploads): skipped without SNAP_S3_ENDPOINT.

import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseS3Location } from '../../src/backend/s3.js';
import { externalS3 } from './server.js';
import { Sandbox, TEST_KDF } from '../e2e/helpers.js';

const ext = externalS3();
const GRACE_S = 20;

describe.skipIf(!ext)('two-phase prune and abandoned multipart uploads', () => {
  it(`aborts this repository's uploads older than --grace, never a younger one or another prefix's (long: ~${GRACE_S + 10} s)`, async () => {
    const location = ext!.location('uploads');
    const { bucket, prefix } = parseS3Location(location);
    const sb = new Sandbox();
    const m = await import('@aws-sdk/client-s3');
    const client = new m.S3Client({ endpoint: ext!.endpoint, forcePathStyle: true, region: 'us-east-1', credentials: ext!.credentials });
    const upload = async (key: string) => {
      const u = await client.send(new m.CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
      await client.send(new m.UploadPartCommand({ Bucket: bucket, Key: key, UploadId: u.UploadId, PartNumber: 1, Body: Buffer.alloc(4096) }));
      return key;
    };
    try {
      sb.env = { ...ext!.env, SNAP_REPO: location };
      mkdirSync(sb.path('src'));
      writeFileSync(path.join(sb.path('src'), 'f.bin'), randomBytes(100_000));
      sb.init();
      sb.ok(['create', sb.path('src')]);
      // What killed runs left: one here, one in a neighbouring repository's prefix; both old.
      const killed = await upload(`${prefix}/data/ab/killed`);
      const theirs = await upload(`${prefix}-other/data/cd/theirs`);
      await new Promise((r) => setTimeout(r, (GRACE_S + 1) * 1000));
      // A running create's upload on another host, started just now.
      const running = await upload(`${prefix}/data/ef/running`);
      const dry = sb.json<{ leftover_files_removed: number }>(['prune', '--grace', `${GRACE_S}s`, '--dry-run']);
      expect(dry.leftover_files_removed).toBe(0); // a dry run changes nothing
      const r = sb.json<{ leftover_files_removed: number; instant_delete: boolean }>(['prune', '--grace', `${GRACE_S}s`]);
      expect(r.instant_delete).toBe(false);
      expect(r.leftover_files_removed).toBe(1);
      const left = await client.send(new m.ListMultipartUploadsCommand({ Bucket: bucket, Prefix: prefix.split('/')[0] }));
      const keys = (left.Uploads ?? []).map((u) => u.Key).filter((k) => k === killed || k === theirs || k === running).sort();
      expect(keys).toEqual([theirs, running].sort());
      sb.ok(['check']);
      for (const u of left.Uploads ?? []) if (u.Key === theirs || u.Key === running) await client.send(new m.AbortMultipartUploadCommand({ Bucket: bucket, Key: u.Key, UploadId: u.UploadId }));
    } finally {
      client.destroy();
      sb.cleanup();
    }
  }, 120_000);
});
