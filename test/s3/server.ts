// The S3 server for tests: s3rver on 127.0.0.1 with a free port (the fast local default; no test
// needs the internet), or an external engine when SNAP_S3_ENDPOINT is set (CI points it at Ceph RGW,
// .ci/run): then AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY are its account and S3_BUCKET, when set,
// an existing bucket that tests share under fresh prefixes (without it they make fresh buckets).
// Tests ask for locations with `location(label)`, fresh per call, so runs on one engine never meet.
//  - startS3rverInProcess(): in the test process (the backend contract suite calls the SDK directly).
//    Truncated listings need the OpenSSL legacy provider (s3rver's continuation tokens use DES):
//    `npm test` sets NODE_OPTIONS=--openssl-legacy-provider; legacyProviderActive() tells.
//  - startS3rverChild(): in a child process started with the flag. End-to-end tests use it, because
//    they run the CLI with spawnSync, which would block an in-process server's event loop.

import { spawn } from 'node:child_process';
import { createCipheriv, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** s3rver's built-in account. */
export const S3_ENV: Record<string, string> = {
  AWS_ACCESS_KEY_ID: 'S3RVER',
  AWS_SECRET_ACCESS_KEY: 'S3RVER',
  AWS_REGION: 'us-east-1',
};

export interface S3Server {
  endpoint: string;
  /** Environment for the CLI: SNAP_S3_ENDPOINT and credentials. */
  env: Record<string, string>;
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** Whether this is an external engine (SNAP_S3_ENDPOINT), not s3rver. */
  external: boolean;
  /** Where s3rver keeps its objects ('' for an external engine). */
  dir: string;
  /** A fresh s3:// location nobody has used: its own bucket, or a fresh prefix of S3_BUCKET. */
  location(label: string): string;
  /** A bucket name that exists nowhere. */
  missingBucket(): string;
  close(): Promise<void>;
}

/** Lower-case hex, unique per call: bucket names and prefixes of one test run. */
const fresh = (): string => randomBytes(4).toString('hex');

/** The external engine of SNAP_S3_ENDPOINT, or undefined to use s3rver. */
export function externalS3(): S3Server | undefined {
  const endpoint = process.env.SNAP_S3_ENDPOINT;
  if (!endpoint) return undefined;
  const accessKeyId = process.env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = process.env.AWS_SECRET_ACCESS_KEY;
  if (!accessKeyId || !secretAccessKey) throw new Error('SNAP_S3_ENDPOINT is set: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY for it too');
  const shared = process.env.S3_BUCKET;
  const region = process.env.AWS_REGION || 'us-east-1';
  return {
    endpoint,
    env: { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey, AWS_REGION: region, SNAP_S3_ENDPOINT: endpoint },
    credentials: { accessKeyId, secretAccessKey },
    external: true,
    dir: '',
    location: (label) => (shared ? `s3://${shared}/snap-test-${fresh()}/${label}` : `s3://${label}-${fresh()}/backups`),
    missingBucket: () => `snap-missing-${fresh()}`,
    close: async () => undefined,
  };
}

const CHILD_MAIN = fileURLToPath(new URL('./s3rverMain.cjs', import.meta.url));
const START_TIMEOUT_MS = 20_000;

/** Whether DES works here, i.e. s3rver can paginate listings in this process. */
export function legacyProviderActive(): boolean {
  try {
    createCipheriv('des', Buffer.alloc(8), Buffer.alloc(8));
    return true;
  } catch {
    return false;
  }
}

function made(port: number, dir: string, close: () => Promise<void>): S3Server {
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    env: { ...S3_ENV, SNAP_S3_ENDPOINT: endpoint },
    credentials: { accessKeyId: S3_ENV.AWS_ACCESS_KEY_ID!, secretAccessKey: S3_ENV.AWS_SECRET_ACCESS_KEY! },
    external: false,
    dir,
    location: (label) => `s3://${label}-${fresh()}/backups`,
    missingBucket: () => `snap-missing-${fresh()}`,
    close,
  };
}

export async function startS3rverInProcess(): Promise<S3Server> {
  const ext = externalS3();
  if (ext) return ext;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'snap-s3rver-'));
  const S3rver = createRequire(import.meta.url)('s3rver');
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: dir });
  const addr = (await server.run()) as { port: number };
  return made(addr.port, dir, async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });
}

export async function startS3rverChild(): Promise<S3Server> {
  const ext = externalS3();
  if (ext) return ext;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'snap-s3rver-'));
  const child = spawn(process.execPath, ['--openssl-legacy-provider', CHILD_MAIN, dir], { stdio: ['pipe', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('s3rver child did not start')), START_TIMEOUT_MS);
    child.once('exit', (code) => reject(new Error(`s3rver child exited with ${code}`)));
    createInterface({ input: child.stdout! }).once('line', (line) => {
      clearTimeout(timer);
      resolve((JSON.parse(line) as { port: number }).port);
    });
  });
  return made(port, dir, async () => {
    const exited = new Promise((r) => child.once('exit', r));
    child.stdin!.end();
    await exited;
    rmSync(dir, { recursive: true, force: true });
  });
}

/** The external engine when SNAP_S3_ENDPOINT is set; else s3rver, in-process when pagination works here, else a child process. */
export function startS3rver(): Promise<S3Server> {
  return legacyProviderActive() ? startS3rverInProcess() : startS3rverChild();
}
