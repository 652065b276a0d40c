// snap through a bad network: the CLI talks to S3 (s3rver, or RGW when SNAP_S3_ENDPOINT is set)
// through the fault-injection proxy. The proxy runs in this process, so every CLI run here is
// asynchronous (a spawnSync would stop the proxy with it).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { diffTrees, Sandbox, snapshotTree, TEST_KDF } from '../e2e/helpers.js';
import { FaultProxy } from './faultProxy.js';
import { startS3rverChild, type S3Server } from './server.js';

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

function runAsync(sb: Sandbox, args: string[], env: Record<string, string> = {}): Promise<Ran> {
  const t0 = Date.now();
  const child = sb.spawn(args, env);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr, ms: Date.now() - t0 })));
}

async function ok(sb: Sandbox, args: string[], env: Record<string, string> = {}): Promise<Ran> {
  const r = await runAsync(sb, args, env);
  expect(r.code, `snap ${args.join(' ')}: ${r.stderr}`).toBe(0);
  return r;
}

describe('S3 through a faulty network', () => {
  let server: S3Server;
  let proxy: FaultProxy;
  const sb = new Sandbox('net password');
  const src = sb.path('data');

  beforeAll(async () => {
    server = await startS3rverChild();
    proxy = await FaultProxy.start(server.endpoint);
    sb.env = { ...server.env, SNAP_S3_ENDPOINT: proxy.endpoint, SNAP_REPO: `${server.location('snap-net')}/repo` };
    mkdirSync(path.join(src, 'small'), { recursive: true });
    writeFileSync(path.join(src, 'big.bin'), randomBytes(6 * 1024 * 1024));
    for (let i = 0; i < 200; i++) writeFileSync(path.join(src, 'small', `f${i}`), randomBytes(2000 + i));
    await ok(sb, ['init', '--kdf', TEST_KDF, '--pack-size', '262144']);
  });
  afterAll(async () => {
    await proxy?.close();
    await server?.close();
    sb.cleanup();
  });

  it('a backup survives a 30-second outage (resets, then 503s) in its middle (long: ~45 s)', async () => {
    proxy.fault = { kind: 'pass' };
    const outage = proxy.after(6, { kind: 'reset' }, 15_000).then(
      () =>
        new Promise<void>((r) => {
          proxy.fault = { kind: 'http503' };
          setTimeout(() => {
            proxy.fault = { kind: 'pass' };
            r();
          }, 15_000);
        }),
    );
    const before = proxy.faulted;
    const created = await runAsync(sb, ['create', src, '--json'], { SNAP_S3_RETRY_TIME: '3m' });
    await outage;
    expect(created.code, created.stderr).toBe(0);
    expect(proxy.faulted - before).toBeGreaterThan(0);
    expect(created.ms).toBeGreaterThan(30_000);
    expect(JSON.parse(created.stdout).snapshot_id).toMatch(/^[0-9a-f]{64}$/);
    await ok(sb, ['restore', 'latest', sb.path('out')]);
    expect(diffTrees(snapshotTree(src), snapshotTree(path.join(sb.path('out'), src)))).toEqual([]);
    const check = await ok(sb, ['check', '--read-data', '--json']);
    expect(JSON.parse(check.stdout).ok).toBe(true);
  }, 240_000);

  it('a killed create leaves no staged pack on local disk, only an empty private directory that the next create removes', async () => {
    const tmp = sb.path('tmp');
    mkdirSync(tmp, { recursive: true });
    writeFileSync(path.join(src, 'new.bin'), randomBytes(3 * 1024 * 1024));
    proxy.fault = { kind: 'delay', ms: 300 };
    const child = sb.spawn(['create', src], { TMPDIR: tmp });
    const staging = () => readdirSync(tmp).filter((n) => n.startsWith(`snap-stage-${child.pid}-`));
    const t0 = Date.now();
    while (staging().length === 0 && Date.now() - t0 < 30_000) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 500));
    const exited = new Promise((r) => child.on('close', r));
    child.kill('SIGKILL');
    await exited;
    proxy.fault = { kind: 'pass' };
    expect(staging()).toHaveLength(1);
    expect(readdirSync(path.join(tmp, staging()[0]!))).toEqual([]);
    const left = path.join(tmp, staging()[0]!);
    await ok(sb, ['unlock']);
    await ok(sb, ['create', src], { TMPDIR: tmp });
    expect(existsSync(left)).toBe(false);
    expect(readdirSync(tmp)).toEqual([]);
  }, 90_000);

  it('a black-holed server makes `snap list` fail with one clear line within its timeout', async () => {
    proxy.fault = { kind: 'blackhole' };
    try {
      const r = await runAsync(sb, ['list'], { SNAP_S3_TIMEOUT: '1s', SNAP_S3_RETRY_TIME: '3s' });
      expect(r.code).toBe(1);
      expect(r.ms).toBeLessThan(15_000);
      const lines = r.stderr.trim().split('\n');
      expect(lines, r.stderr).toHaveLength(1);
      expect(lines[0]).toMatch(/^snap: S3 \w+ failed: .*timed out.*\(gave up after \d+ attempts in \d+ s\): s3:\/\//);
      const j = await runAsync(sb, ['list', '--json'], { SNAP_S3_TIMEOUT: '1s', SNAP_S3_RETRY_TIME: '1s' });
      expect(JSON.parse(j.stdout).error.code).toBe('io');
    } finally {
      proxy.fault = { kind: 'pass' };
    }
  }, 60_000);

  it('with SNAP_S3_BUCKET_OWNER every request carries ExpectedBucketOwner; without it none does', async () => {
    proxy.fault = { kind: 'pass' };
    let from = proxy.heads.length;
    await runAsync(sb, ['list'], { SNAP_S3_BUCKET_OWNER: '123456789012' });
    const owned = proxy.heads.slice(from);
    expect(owned.length).toBeGreaterThan(2);
    for (const h of owned) expect(h).toMatch(/\r\nx-amz-expected-bucket-owner: 123456789012(\r\n|$)/i);
    from = proxy.heads.length;
    await ok(sb, ['list']);
    for (const h of proxy.heads.slice(from)) expect(h).not.toMatch(/x-amz-expected-bucket-owner/i);
    const bad = await runAsync(sb, ['list'], { SNAP_S3_BUCKET_OWNER: 'not an id' });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^snap: SNAP_S3_BUCKET_OWNER: expected an account id/m);
  }, 60_000);

  it('a plain http:// endpoint to another machine gets a one-line warning; loopback gets none', async () => {
    const r = await runAsync(sb, ['list'], { SNAP_S3_ENDPOINT: 'http://10.255.255.1:9', SNAP_S3_CONNECT_TIMEOUT: '300ms', SNAP_S3_RETRY_TIME: '1s' });
    // Nothing listens there (or a sandbox's network answers 404): the command fails either way.
    expect(r.code).not.toBe(0);
    const lines = r.stderr.trim().split('\n');
    expect(lines[0]).toBe('warning: S3 endpoint http://10.255.255.1:9 is plain http: requests and their signatures cross the network unencrypted (use https)');
    expect(lines).toHaveLength(2);
    const local = await ok(sb, ['list']);
    expect(local.stderr).not.toMatch(/warning/);
  }, 60_000);
});
