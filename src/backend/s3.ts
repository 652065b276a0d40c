// The S3-compatible backend (AWS S3, MinIO, Ceph RGW, R2): the same object names as a local
// repository, under s3://<bucket>/<prefix>. A PUT is atomic and durable when it returns, so `put`
// needs no temp-and-rename; strong read-after-write consistency (AWS since 2020) makes `list` see it.
// The SDK is loaded on first use (dynamic import) so that local repositories do not pay its
// start-up cost. Settings come from the caller (S3BackendOptions); this file reads no environment.
// Survives the network: connect and idle timeouts, every request retried with backoff for a bounded
// time (retry.ts), checksums only where S3 requires them (engines without the newest CRC headers).

import type { S3Client } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { Backend, StagedObject } from './backend.js';
import { InvalidArgumentError, NotFoundError, StorageError } from '../errors.js';
import { RequestCounts, requestKind } from './requestCounts.js';
import { DEFAULT_RETRY_TIME_MS, RetriesExhausted, withRetry, type RetryPolicy } from './retry.js';
import { DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_CONNECTIONS, DEFAULT_IDLE_TIMEOUT_MS, DEFAULT_REGION, type ObjectLockSettings, type S3BackendOptions } from './s3Options.js';
import { StagingDir } from './stagingDir.js';
import { bodyBytes, describe, errorName, httpStatus, isNotFound, readAll } from './s3Util.js';
import { abortUploads, putMultipart, type MultipartContext } from './s3Multipart.js';
import { mapPool } from '../pool.js';

export { DEFAULT_REGION, type S3BackendOptions } from './s3Options.js';

type S3Module = typeof import('@aws-sdk/client-s3');

/** ListObjectsV2 page size: S3's own maximum. */
export const LIST_PAGE_KEYS = 1000;
/** Objects above this go up as a multipart upload (a single PUT is limited to 5 GiB, and retries resend less). */
export const MULTIPART_THRESHOLD_BYTES = 64 * 1024 * 1024;
const DAY_MS = 24 * 3600 * 1000;
/** Clock skew between this host and the server tolerated when comparing retention dates. */
const RETENTION_SLACK_MS = 10 * 60 * 1000;
/** HEAD requests in flight when checking retention. */
const RETENTION_CHECKS = 8;

export interface S3Location {
  bucket: string;
  /** Key prefix without a trailing slash; '' for the bucket's root. */
  prefix: string;
}

/** Parses s3://bucket/prefix (the prefix may be empty or span several levels). */
export function parseS3Location(location: string): S3Location {
  const m = /^s3:\/\/([^/]+)(?:\/(.*))?$/.exec(location);
  if (!m) throw new InvalidArgumentError(`not an S3 location: '${location}' (expected s3://bucket/prefix)`);
  const bucket = m[1]!;
  // Bucket naming rules (3–63 chars, lowercase, digits, dots, hyphens); checked so a typo gets a clear message.
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
    throw new InvalidArgumentError(`'${bucket}' in '${location}' is not a valid S3 bucket name`);
  }
  const prefix = (m[2] ?? '').replace(/\/+$/, '').replace(/^\/+/, '');
  if (prefix.split('/').some((p) => p === '.' || p === '..')) throw new InvalidArgumentError(`'${location}': '.' and '..' are not allowed in the prefix`);
  return { bucket, prefix };
}

export class S3Backend implements Backend {
  readonly location: string;
  readonly requests: RequestCounts;
  private readonly root: string;
  private readonly owner: { ExpectedBucketOwner?: string };
  private readonly retry: RetryPolicy;
  private readonly staging: StagingDir;
  /** Retention for every object written (lock files excepted); set from the repository config. */
  private objectLock: ObjectLockSettings | undefined;

  private constructor(
    private readonly s3: S3Module,
    private readonly client: S3Client,
    readonly bucket: string,
    readonly prefix: string,
    private readonly opts: S3BackendOptions,
  ) {
    this.location = `s3://${bucket}${prefix ? '/' + prefix : ''}`;
    this.root = prefix ? `${prefix}/` : '';
    this.requests = opts.requests ?? new RequestCounts();
    this.owner = opts.expectedBucketOwner ? { ExpectedBucketOwner: opts.expectedBucketOwner } : {};
    this.retry = { totalMs: opts.retryTimeMs ?? DEFAULT_RETRY_TIME_MS };
    this.staging = new StagingDir(opts.stagingParent);
    this.objectLock = opts.objectLock;
  }

  /** The repository's config says which retention objects get (config.ts object_lock); undefined: none. */
  setObjectLock(lock: ObjectLockSettings | undefined): void {
    this.objectLock = lock;
  }

  static async open(location: string, opts: S3BackendOptions = {}): Promise<S3Backend> {
    const { bucket, prefix } = parseS3Location(location);
    const s3 = await import('@aws-sdk/client-s3');
    const sockets = { keepAlive: true, maxSockets: opts.connections ?? DEFAULT_CONNECTIONS };
    const client = new s3.S3Client({
      region: opts.region ?? DEFAULT_REGION,
      ...(opts.endpoint ? { endpoint: opts.endpoint, forcePathStyle: true } : {}),
      ...(opts.credentials ? { credentials: opts.credentials } : {}),
      // Our own retry loop (retry.ts) covers the response body too.
      maxAttempts: 1,
      // The SDK's default CRC32 headers (2025) break engines that do not know them (R2, older RGW/MinIO).
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      requestHandler: {
        connectionTimeout: opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
        socketTimeout: opts.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
        httpAgent: new http.Agent(sockets),
        httpsAgent: new https.Agent(sockets),
      },
    });
    const backend = new S3Backend(s3, client, bucket, prefix, opts);
    // One count per HTTP request sent (what providers bill), by method and query.
    client.middlewareStack.add(
      (next) => async (args) => {
        const req = args.request as { method?: string; query?: Record<string, unknown> };
        backend.requests.add(requestKind(req.method ?? 'GET', req.query));
        return next(args);
      },
      { step: 'finalizeRequest', priority: 'low', name: 'snapRequestCounter' },
    );
    return backend;
  }

  private key(name: string): string {
    return this.root + name;
  }

  /** Send one command, retried as a whole (with reading its body, in `then`) on transient failures. */
  private send<T = unknown>(command: object, then?: (out: never) => Promise<T>): Promise<T> {
    const config = this.client.config as { systemClockOffset?: number };
    const attempt = async (): Promise<T> => {
      const out: unknown = await this.client.send(command as never);
      return then ? then(out as never) : (out as T);
    };
    return withRetry(this.retry, async () => {
      const offset = config.systemClockOffset;
      try {
        return await attempt();
      } catch (e) {
        // Signed with a host clock the server judged skewed (refused, 403): the SDK has just taken
        // the server's time from the response's Date header; signed again with it, it goes through.
        if (config.systemClockOffset !== offset) return attempt();
        throw e;
      }
    });
  }

  async exists(): Promise<boolean> {
    try {
      const r = await this.send<{ KeyCount?: number; Contents?: unknown[] }>(
        new this.s3.ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.root, MaxKeys: 1, ...this.owner }),
      );
      return (r.KeyCount ?? r.Contents?.length ?? 0) > 0;
    } catch (e) {
      if (errorName(e) === 'NoSuchBucket') return false;
      throw this.wrap(e, 'list', this.root);
    }
  }

  async create(opts: { objectLock?: boolean } = {}): Promise<void> {
    try {
      await this.send(new this.s3.HeadBucketCommand({ Bucket: this.bucket, ...this.owner }));
      return;
    } catch (e) {
      if (!isNotFound(e)) throw this.wrap(e, 'head bucket', '');
    }
    try {
      await this.send(new this.s3.CreateBucketCommand({ Bucket: this.bucket, ...(opts.objectLock ? { ObjectLockEnabledForBucket: true } : {}) }));
      this.lockEnabled = undefined;
    } catch (e) {
      // Someone made it meanwhile (or it was ours all along on a server whose HEAD said otherwise).
      if (errorName(e) === 'BucketAlreadyOwnedByYou') return;
      throw this.wrap(e, 'create bucket', '');
    }
  }

  /** A private unlinked file (stagingDir.ts), read back through its descriptor and uploaded. */
  async stage(): Promise<StagedObject> {
    const handle = await this.staging.open();
    return {
      handle,
      store: async (name) => {
        let bytes: Buffer;
        try {
          bytes = await readAll(handle);
        } finally {
          await handle.close();
        }
        await this.put(name, bytes);
      },
      discard: () => handle.close().catch(() => undefined),
    };
  }

  async put(name: string, data: Buffer | Buffer[]): Promise<void> {
    const body = Array.isArray(data) ? (data.length === 1 ? data[0]! : Buffer.concat(data)) : data;
    const key = this.key(name);
    const lock = this.lockHeaders(name, body);
    try {
      // Locked objects go up in one PUT: RGW ignores lock headers on multipart uploads.
      if (body.length > MULTIPART_THRESHOLD_BYTES && !lock) await putMultipart(this.ctx(), key, body);
      else await this.send(new this.s3.PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentLength: body.length, ...this.owner, ...lock }));
    } catch (e) {
      throw this.wrap(e, 'put', name);
    }
  }

  /** Retention headers for a PUT under Object Lock (S3 then requires Content-MD5); none for lock files. */
  private lockHeaders(name: string, body: Buffer): object | undefined {
    const lock = this.objectLock;
    if (!lock || name.startsWith('locks/')) return undefined;
    return {
      ObjectLockMode: lock.mode,
      ObjectLockRetainUntilDate: new Date(Date.now() + lock.days * DAY_MS),
      ContentMD5: createHash('md5').update(body).digest('base64'),
    };
  }

  private lockEnabled: Promise<boolean> | undefined;

  /** Whether the bucket has Object Lock (asked once per backend). */
  objectLockEnabled(): Promise<boolean> {
    this.lockEnabled ??= this.send<{ ObjectLockConfiguration?: { ObjectLockEnabled?: string } }>(
      new this.s3.GetObjectLockConfigurationCommand({ Bucket: this.bucket, ...this.owner }),
    ).then(
      (r) => r.ObjectLockConfiguration?.ObjectLockEnabled === 'Enabled',
      () => false, // no configuration, or an engine without the feature (s3rver)
    );
    return this.lockEnabled;
  }

  async retainedUntil(name: string): Promise<Date | undefined> {
    return (await this.retention(name))?.until;
  }

  /**
   * With objectLock set: the objects (lock files aside) whose retention ends sooner than their write
   * time plus the configured days (or that have none), and how many were asked. One HEAD per object.
   */
  async shortRetention(): Promise<{ checked: number; short: string[] } | undefined> {
    const lock = this.objectLock;
    if (!lock) return undefined;
    const names = (await this.list('')).filter((n) => !n.startsWith('locks/'));
    const short: string[] = [];
    await mapPool(names, RETENTION_CHECKS, async (name) => {
      try {
        const h = await this.send<{ LastModified?: Date; ObjectLockRetainUntilDate?: Date }>(new this.s3.HeadObjectCommand({ Bucket: this.bucket, Key: this.key(name), ...this.owner }));
        const written = h.LastModified ? new Date(h.LastModified).getTime() : Date.now();
        const until = h.ObjectLockRetainUntilDate ? new Date(h.ObjectLockRetainUntilDate).getTime() : 0;
        if (until < written + lock.days * DAY_MS - RETENTION_SLACK_MS) short.push(name);
      } catch (e) {
        if (!isNotFound(e)) throw this.wrap(e, 'head', name);
      }
    });
    return { checked: names.length, short: short.sort() };
  }

  /** The retention an object carries (Object Lock), or undefined when it has none. */
  async retention(name: string): Promise<{ mode: string; until: Date } | undefined> {
    try {
      const r = await this.send<{ Retention?: { Mode?: string; RetainUntilDate?: Date } }>(
        new this.s3.GetObjectRetentionCommand({ Bucket: this.bucket, Key: this.key(name), ...this.owner }),
      );
      const { Mode, RetainUntilDate } = r.Retention ?? {};
      return Mode && RetainUntilDate ? { mode: Mode, until: new Date(RetainUntilDate) } : undefined;
    } catch (e) {
      if (errorName(e) === 'NoSuchObjectLockConfiguration' || errorName(e) === 'ObjectLockConfigurationNotFoundError') return undefined;
      if (isNotFound(e)) throw new NotFoundError(`object ${name} is missing from ${this.location}`);
      throw this.wrap(e, 'get retention', name);
    }
  }

  async get(name: string): Promise<Buffer> {
    try {
      return await this.send(new this.s3.GetObjectCommand({ Bucket: this.bucket, Key: this.key(name), ...this.owner }), (r: { Body?: unknown }) => bodyBytes(r.Body));
    } catch (e) {
      if (isNotFound(e)) throw new NotFoundError(`object ${name} is missing from ${this.location}`);
      throw this.wrap(e, 'get', name);
    }
  }

  async getRange(name: string, offset: number, length: number): Promise<Buffer> {
    if (length <= 0) return Buffer.alloc(0);
    try {
      const cmd = new this.s3.GetObjectCommand({ Bucket: this.bucket, Key: this.key(name), Range: `bytes=${offset}-${offset + length - 1}`, ...this.owner });
      return await this.send(cmd, async (r: { Body?: unknown; ContentRange?: string }) => {
        const bytes = await bodyBytes(r.Body);
        if (bytes.length <= length) return bytes;
        // More than asked for: a server that ignored the Range (s3rver does for "bytes=0-0") sent the
        // object from its start, or one that honoured it sent extra. Cut out the asked-for slice.
        const start = /^bytes (\d+)-/.exec(r.ContentRange ?? '');
        const from = start && Number(start[1]) === offset ? 0 : offset;
        return bytes.subarray(from, from + length);
      });
    } catch (e) {
      if (isNotFound(e)) throw new NotFoundError(`object ${name} is missing from ${this.location}`);
      // Past the end: the local backend returns a short (here empty) read, so do the same.
      if (errorName(e) === 'InvalidRange' || httpStatus(e) === 416) return Buffer.alloc(0);
      throw this.wrap(e, 'get', name);
    }
  }

  async stat(name: string): Promise<{ size: number; mtime?: number } | undefined> {
    try {
      const r = await this.send<{ ContentLength?: number; LastModified?: Date }>(new this.s3.HeadObjectCommand({ Bucket: this.bucket, Key: this.key(name), ...this.owner }));
      return { size: Number(r.ContentLength ?? 0), mtime: r.LastModified?.getTime() };
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw this.wrap(e, 'head', name);
    }
  }

  async list(prefix: string): Promise<string[]> {
    // Prefixes name folders ("index/"), as in the local backend: "data" means "data/".
    const folder = prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
    const out: string[] = [];
    let token: string | undefined;
    try {
      do {
        const r = await this.send<{ Contents?: Array<{ Key?: string }>; IsTruncated?: boolean; NextContinuationToken?: string }>(
          new this.s3.ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.key(folder), MaxKeys: this.opts.listPageKeys ?? LIST_PAGE_KEYS, ContinuationToken: token, ...this.owner }),
        );
        for (const o of r.Contents ?? []) if (o.Key && o.Key.length > this.root.length) out.push(o.Key.slice(this.root.length));
        token = r.IsTruncated ? r.NextContinuationToken : undefined;
      } while (token);
    } catch (e) {
      if (errorName(e) === 'NoSuchBucket') return [];
      throw this.wrap(e, 'list', folder);
    }
    return out.sort();
  }

  async remove(name: string): Promise<void> {
    try {
      await this.send(new this.s3.DeleteObjectCommand({ Bucket: this.bucket, Key: this.key(name), ...this.owner }));
    } catch (e) {
      if (isNotFound(e)) return;
      throw this.wrap(e, 'delete', name);
    }
  }

  /** Abort the unfinished multipart uploads under this prefix (killed runs): all of them only under the exclusive lock, else those older than `olderThanMs`. */
  async removeLeftovers(opts: { olderThanMs?: number } = {}): Promise<{ files: number; bytes: number }> {
    try {
      return await abortUploads(this.ctx(), this.root, opts.olderThanMs);
    } catch (e) {
      throw this.wrap(e, 'abort multipart uploads', this.root);
    }
  }

  /** What the multipart functions need of this backend. */
  private ctx(): MultipartContext {
    return { s3: this.s3, client: this.client, bucket: this.bucket, owner: this.owner, send: (c) => this.send(c), stat: (k) => this.stat(k.slice(this.root.length)) };
  }

  async close(): Promise<void> {
    this.client.destroy();
    await this.staging.remove();
  }

  private wrap(e: unknown, op: string, name: string): Error {
    if (e instanceof NotFoundError || e instanceof StorageError) return e;
    const where = `${this.location}/${name}`.replace(/\/$/, '');
    const last = e instanceof RetriesExhausted ? e.last : e;
    const gaveUp = e instanceof RetriesExhausted ? ` (${e.message})` : '';
    return new StorageError(`S3 ${op} failed: ${describe(last)}${gaveUp}: ${where}`, where, { cause: last });
  }
}
