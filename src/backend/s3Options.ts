// Settings of the S3 backend, passed in by the caller (the CLI reads them from the environment:
// src/cli/s3Settings.ts); nothing here reads process.env. Pure, so the CLI can check settings
// without loading the SDK.

import type { RequestCounts } from './requestCounts.js';

/** Region when none is given (MinIO, RGW and most test servers ignore it). */
export const DEFAULT_REGION = 'us-east-1';
/** A TCP (and TLS) connection that is not up after this is abandoned and retried. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
/** A request during which the server sends nothing for this long is abandoned and retried. */
export const DEFAULT_IDLE_TIMEOUT_MS = 60_000;
/** Parallel connections to the server (per backend; the callers bound their own concurrency below it). */
export const DEFAULT_CONNECTIONS = 16;

export interface S3BackendOptions {
  /** An S3-compatible endpoint (MinIO, RGW, R2...); path-style addressing is used when set. */
  endpoint?: string;
  region?: string;
  /** Default: the SDK's usual chain (environment, profile, instance role). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Keys per ListObjectsV2 page (tests lower it to exercise pagination). */
  listPageKeys?: number;
  connectTimeoutMs?: number;
  /** Longest silence within one request (not its total time: a big upload on a slow link is fine). */
  idleTimeoutMs?: number;
  /** How long one request is retried after transient failures (default DEFAULT_RETRY_TIME_MS). */
  retryTimeMs?: number;
  connections?: number;
  /** The account id that must own the bucket (S3 ExpectedBucketOwner): a squatted or re-created bucket is refused. */
  expectedBucketOwner?: string;
  /** Where the private staging directory is made (default: the OS temp directory). */
  stagingParent?: string;
  /**
   * S3 Object Lock: every object written (but lock files, which must go away) carries this retention,
   * so credentials like snap's cannot delete or overwrite its versions before the date. Needs a
   * bucket made with Object Lock enabled (and so versioning).
   */
  objectLock?: ObjectLockSettings;
  /** Requests are counted here (default: a counter of the backend's own). */
  requests?: RequestCounts;
}

export interface ObjectLockSettings {
  /** GOVERNANCE: an account with s3:BypassGovernanceRetention may still delete; COMPLIANCE: nobody. */
  mode: 'GOVERNANCE' | 'COMPLIANCE';
  days: number;
}

/**
 * A warning for an endpoint that sends credentials' signatures and (unencrypted-repository) data in
 * the clear to another machine; undefined for https and for loopback.
 */
export function plainHttpWarning(endpoint: string | undefined): string | undefined {
  if (!endpoint) return undefined;
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:') return undefined;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host)) return undefined;
  return `warning: S3 endpoint ${url.origin} is plain http: requests and their signatures cross the network unencrypted (use https)`;
}
