// The S3 backend's pure pieces: which failures are retried and for how long, the private staging
// directory, the plain-http warning, request prices.

import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { backoffDelay, isTransient, RetriesExhausted, withRetry } from '../../src/backend/retry.js';
import { plainHttpWarning } from '../../src/backend/s3Options.js';
import { removeDeadStagingDirs, StagingDir } from '../../src/backend/stagingDir.js';
import { requestCost, requestKind } from '../../src/backend/requestCounts.js';
import { s3SettingsFromEnv } from '../../src/cli/s3Settings.js';

describe('retries', () => {
  it('retries the server and the network, not the request', () => {
    const status = (n: number) => ({ name: 'X', $metadata: { httpStatusCode: n } });
    for (const n of [500, 502, 503, 504, 429]) expect(isTransient(status(n))).toBe(true);
    for (const n of [400, 403, 404, 409, 416, 501]) expect(isTransient(status(n))).toBe(false);
    expect(isTransient(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }))).toBe(true);
    expect(isTransient({ name: 'TimeoutError', message: 'the request socket timed out' })).toBe(true);
    expect(isTransient({ name: 'SlowDown' })).toBe(true);
    expect(isTransient(new Error('wrapper', { cause: { code: 'EPIPE' } }))).toBe(true);
    expect(isTransient({ name: 'AbortError', message: 'aborted' })).toBe(false);
    expect(isTransient({ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } })).toBe(false);
  });

  it('backoff grows exponentially with full jitter, capped', () => {
    const p = { totalMs: 1, baseDelayMs: 100, maxDelayMs: 5000 };
    expect(backoffDelay(1, p, () => 1)).toBe(100);
    expect(backoffDelay(4, p, () => 1)).toBe(800);
    expect(backoffDelay(40, p, () => 1)).toBe(5000);
    expect(backoffDelay(4, p, () => 0)).toBe(0);
  });

  it('withRetry returns after transient failures, throws lasting ones at once, and gives up in time', async () => {
    let n = 0;
    const flaky = () => (++n < 4 ? Promise.reject({ $metadata: { httpStatusCode: 503 } }) : Promise.resolve('ok'));
    expect(await withRetry({ totalMs: 10_000, baseDelayMs: 5 }, flaky)).toBe('ok');
    expect(n).toBe(4);
    n = 0;
    await expect(withRetry({ totalMs: 10_000 }, () => (n++, Promise.reject({ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } })))).rejects.toMatchObject({ name: 'AccessDenied' });
    expect(n).toBe(1);
    const t0 = Date.now();
    const e = await withRetry({ totalMs: 300, baseDelayMs: 20, maxDelayMs: 50 }, () => Promise.reject({ code: 'ECONNRESET' })).catch((x) => x);
    expect(e).toBeInstanceOf(RetriesExhausted);
    expect((e as RetriesExhausted).attempts).toBeGreaterThan(2);
    expect(Date.now() - t0).toBeLessThan(1000);
  });
});

describe('S3 staging directory', () => {
  it('is private (0700), its files are unlinked at once and read back through the descriptor, and it is removed', async () => {
    const parent = mkdtempSync(path.join(os.tmpdir(), 'snap-stage-test-'));
    try {
      // What the old fixed directory allowed: someone else's snap-stage, prepared in advance.
      mkdirSync(path.join(parent, 'snap-stage'));
      writeFileSync(path.join(parent, 'snap-stage', 'planted'), 'x');
      const st = new StagingDir(parent);
      const fh = await st.open();
      const dirs = readdirSync(parent).filter((n) => n.startsWith(`snap-stage-${process.pid}-`));
      expect(dirs).toHaveLength(1);
      const dir = path.join(parent, dirs[0]!);
      expect(statSync(dir).mode & 0o777).toBe(0o700);
      expect(readdirSync(dir)).toEqual([]);
      await fh.write(Buffer.from('pack bytes'), 0, 10, 0);
      const back = Buffer.alloc(10);
      await fh.read(back, 0, 10, 0);
      expect(back.toString()).toBe('pack bytes');
      await fh.close();
      await st.remove();
      expect(readdirSync(parent).sort()).toEqual(['snap-stage']);
      expect(readdirSync(path.join(parent, 'snap-stage'))).toEqual(['planted']);
    } finally {
      rmSync(parent, { recursive: true, force: true });
    }
  });

  it('a directory removed under a live run (its pid judged dead from another PID namespace) is made again', async () => {
    const parent = mkdtempSync(path.join(os.tmpdir(), 'snap-stage-test-'));
    try {
      const st = new StagingDir(parent);
      const first = await st.open();
      for (const d of readdirSync(parent)) rmSync(path.join(parent, d), { recursive: true, force: true });
      const second = await st.open();
      await second.write(Buffer.from('pack'), 0, 4, 0);
      expect(readdirSync(parent).filter((n) => n.startsWith(`snap-stage-${process.pid}-`))).toHaveLength(1);
      await first.close();
      await second.close();
      await st.remove();
      expect(readdirSync(parent)).toEqual([]);
    } finally {
      rmSync(parent, { recursive: true, force: true });
    }
  });

  it("the next run removes the directories of dead processes, not of live ones or others' names", async () => {
    const parent = mkdtempSync(path.join(os.tmpdir(), 'snap-stage-test-'));
    try {
      const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
      mkdirSync(path.join(parent, `snap-stage-${dead}-abc123`));
      writeFileSync(path.join(parent, `snap-stage-${dead}-abc123`, 'left'), 'staged pack of a killed run');
      mkdirSync(path.join(parent, `snap-stage-${process.ppid}-def456`));
      mkdirSync(path.join(parent, 'snap-stage-other'));
      expect(await removeDeadStagingDirs(parent)).toBe(1);
      expect(readdirSync(parent).sort()).toEqual([`snap-stage-${process.ppid}-def456`, 'snap-stage-other']);
    } finally {
      rmSync(parent, { recursive: true, force: true });
    }
  });
});

describe('S3 settings', () => {
  it('warns about plain http to anything but loopback', () => {
    expect(plainHttpWarning('http://10.0.0.5:9000')).toMatch(/^warning: S3 endpoint http:\/\/10\.0\.0\.5:9000 is plain http/);
    expect(plainHttpWarning('http://minio.example.com')).toMatch(/plain http/);
    for (const ok of ['https://s3.example.com', 'http://127.0.0.1:7480', 'http://localhost:9000', 'http://[::1]:9000', undefined]) expect(plainHttpWarning(ok)).toBeUndefined();
  });

  it('the CLI parses the environment into options, refusing bad values with the variable named', () => {
    const { options, warnings } = s3SettingsFromEnv({
      SNAP_S3_ENDPOINT: 'http://192.168.1.9:9000',
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'k',
      AWS_SECRET_ACCESS_KEY: 's',
      SNAP_S3_CONNECT_TIMEOUT: '5s',
      SNAP_S3_TIMEOUT: '2m',
      SNAP_S3_RETRY_TIME: '10m',
      SNAP_S3_CONNECTIONS: '8',
      SNAP_S3_BUCKET_OWNER: '123456789012',
    });
    expect(options).toEqual({
      endpoint: 'http://192.168.1.9:9000',
      region: 'eu-west-1',
      credentials: { accessKeyId: 'k', secretAccessKey: 's' },
      connectTimeoutMs: 5000,
      idleTimeoutMs: 120_000,
      retryTimeMs: 600_000,
      connections: 8,
      expectedBucketOwner: '123456789012',
    });
    expect(warnings).toHaveLength(1);
    expect(s3SettingsFromEnv({}).options).toEqual({});
    // Retention lives in the repository config now; a job still setting the old variable is told so.
    expect(() => s3SettingsFromEnv({ SNAP_S3_OBJECT_LOCK: 'COMPLIANCE:30' })).toThrow(/^SNAP_S3_OBJECT_LOCK is no longer read: .*snap init --object-lock DAYS/);
    expect(() => s3SettingsFromEnv({ SNAP_S3_CONNECTIONS: '0' })).toThrow(/^SNAP_S3_CONNECTIONS: /);
    expect(() => s3SettingsFromEnv({ SNAP_S3_RETRY_TIME: 'forever' })).toThrow(/^SNAP_S3_RETRY_TIME: /);
    expect(() => s3SettingsFromEnv({ SNAP_S3_ENDPOINT: 'minio:9000' })).toThrow(/^SNAP_S3_ENDPOINT: /);
  });
});

describe('request counts', () => {
  it('names S3 requests by kind and prices them per 1000', () => {
    expect(requestKind('GET', { 'list-type': '2' })).toBe('LIST');
    expect(requestKind('GET', {})).toBe('GET');
    expect(requestKind('PUT', undefined)).toBe('PUT');
    expect(requestCost({ PUT: 2000, LIST: 1000, GET: 10_000 }, { PUT: 0.005, LIST: 0.005, GET: 0.0004 })).toBeCloseTo(0.019, 10);
  });
});
