// The S3-compatible backend (AWS S3, MinIO, Ceph RGW, R2): the same object names as a local
// repository, under s3://<bucket>/<prefix>. A PUT is atomic and durable when it returns, so `put`
// needs no temp-and-rename; strong read-after-write consistency (AWS since 2020) makes `list` see it.
// The SDK is loaded on first use (dynamic import) so that local repositories do not pay its
// start-up cost. Endpoint from SNAP_S3_ENDPOINT (path-style, for MinIO and test servers);
// credentials and region from the SDK's usual chain (AWS_ACCESS_KEY_ID, AWS_REGION, ...).

import type { S3Client } from '@aws-sdk/client-s3';
import type { Backend } from './backend.js';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidArgumentError, NotFoundError, StorageError } from '../errors.js';

type S3Module = typeof import('@aws-sdk/client-s3');

/** Region when neither AWS_REGION nor AWS_DEFAULT_REGION is set (MinIO and most test servers ignore it). */
export const DEFAULT_REGION = 'us-east-1';
/** ListObjectsV2 page size: S3's own maximum. */
export const LIST_PAGE_KEYS = 1000;
/** Objects above this go up as a multipart upload (a single PUT is limited to 5 GiB, and retries resend less). */
export const MULTIPART_THRESHOLD_BYTES = 64 * 1024 * 1024;
const MULTIPART_PART_BYTES = 16 * 1024 * 1024;
const MULTIPART_QUEUE = 4;

export interface S3Location {
  bucket: string;
  /** Key prefix without a trailing slash; '' for the bucket's root. */
  prefix: string;
}

export interface S3BackendOptions {
  /** Default: SNAP_S3_ENDPOINT; when set, path-style addressing is used. */
  endpoint?: string;
  region?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** Keys per ListObjectsV2 page (tests lower it to exercise pagination). */
  listPageKeys?: number;
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
  private readonly root: string;

  private constructor(
    private readonly s3: S3Module,
    private readonly client: S3Client,
    readonly bucket: string,
    readonly prefix: string,
    private readonly pageKeys: number,
  ) {
    this.location = `s3://${bucket}${prefix ? '/' + prefix : ''}`;
    this.root = prefix ? `${prefix}/` : '';
  }

  static async open(location: string, opts: S3BackendOptions = {}): Promise<S3Backend> {
    const { bucket, prefix } = parseS3Location(location);
    // The SDK warns on every run that its 2027 releases will need Node 22: noise on a CLI's stderr
    // (CLI.md: errors only). Its own switch turns that off, unless the user set it.
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
    const s3 = await import('@aws-sdk/client-s3');
    const endpoint = opts.endpoint ?? (process.env.SNAP_S3_ENDPOINT || undefined);
    const client = new s3.S3Client({
      region: opts.region ?? (process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION || DEFAULT_REGION),
      ...(endpoint ? { endpoint, forcePathStyle: true } : {}),
      ...(opts.credentials ? { credentials: opts.credentials } : {}),
    });
    return new S3Backend(s3, client, bucket, prefix, opts.listPageKeys ?? LIST_PAGE_KEYS);
  }

  private key(name: string): string {
    return this.root + name;
  }

  async exists(): Promise<boolean> {
    try {
      const r = await this.client.send(new this.s3.ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.root, MaxKeys: 1 }));
      return (r.KeyCount ?? r.Contents?.length ?? 0) > 0;
    } catch (e) {
      if (errorName(e) === 'NoSuchBucket') return false;
      throw this.wrap(e, 'list', this.root);
    }
  }

  async create(): Promise<void> {
    try {
      await this.client.send(new this.s3.HeadBucketCommand({ Bucket: this.bucket }));
      return;
    } catch (e) {
      if (!isNotFound(e)) throw this.wrap(e, 'head bucket', '');
    }
    try {
      await this.client.send(new this.s3.CreateBucketCommand({ Bucket: this.bucket }));
    } catch (e) {
      // Someone made it meanwhile (or it was ours all along on a server whose HEAD said otherwise).
      if (errorName(e) === 'BucketAlreadyOwnedByYou') return;
      throw this.wrap(e, 'create bucket', '');
    }
  }

  /** Packs are staged in the machine's temp directory, then uploaded whole. */
  async stageDir(): Promise<string> {
    const dir = join(tmpdir(), 'snap-stage');
    await mkdir(dir, { recursive: true });
    return dir;
  }

  async putFile(name: string, file: string): Promise<void> {
    try {
      await this.put(name, await readFile(file));
    } finally {
      await rm(file, { force: true });
    }
  }

  async put(name: string, data: Buffer | Buffer[]): Promise<void> {
    const body = Array.isArray(data) ? (data.length === 1 ? data[0]! : Buffer.concat(data)) : data;
    const key = this.key(name);
    try {
      if (body.length > MULTIPART_THRESHOLD_BYTES) {
        const { Upload } = await import('@aws-sdk/lib-storage');
        const upload = new Upload({
          client: this.client,
          params: { Bucket: this.bucket, Key: key, Body: body },
          partSize: MULTIPART_PART_BYTES,
          queueSize: MULTIPART_QUEUE,
          leavePartsOnError: false,
        });
        await upload.done();
      } else {
        await this.client.send(new this.s3.PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentLength: body.length }));
      }
    } catch (e) {
      throw this.wrap(e, 'put', name);
    }
  }

  async get(name: string): Promise<Buffer> {
    try {
      const r = await this.client.send(new this.s3.GetObjectCommand({ Bucket: this.bucket, Key: this.key(name) }));
      return await bodyBytes(r.Body);
    } catch (e) {
      if (isNotFound(e)) throw new NotFoundError(`object ${name} is missing from ${this.location}`);
      throw this.wrap(e, 'get', name);
    }
  }

  async getRange(name: string, offset: number, length: number): Promise<Buffer> {
    if (length <= 0) return Buffer.alloc(0);
    try {
      const r = await this.client.send(
        new this.s3.GetObjectCommand({ Bucket: this.bucket, Key: this.key(name), Range: `bytes=${offset}-${offset + length - 1}` }),
      );
      const bytes = await bodyBytes(r.Body);
      if (bytes.length <= length) return bytes;
      // More than asked for: a server that ignored the Range (s3rver does for "bytes=0-0") sent the
      // object from its start, or one that honoured it sent extra. Cut out the asked-for slice.
      const start = /^bytes (\d+)-/.exec(r.ContentRange ?? '');
      const from = start && Number(start[1]) === offset ? 0 : offset;
      return bytes.subarray(from, from + length);
    } catch (e) {
      if (isNotFound(e)) throw new NotFoundError(`object ${name} is missing from ${this.location}`);
      // Past the end: the local backend returns a short (here empty) read, so do the same.
      if (errorName(e) === 'InvalidRange' || httpStatus(e) === 416) return Buffer.alloc(0);
      throw this.wrap(e, 'get', name);
    }
  }

  async stat(name: string): Promise<{ size: number; mtimeMs?: number } | undefined> {
    try {
      const r = await this.client.send(new this.s3.HeadObjectCommand({ Bucket: this.bucket, Key: this.key(name) }));
      return { size: Number(r.ContentLength ?? 0), mtimeMs: r.LastModified ? r.LastModified.getTime() : undefined };
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
        const r = await this.client.send(
          new this.s3.ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.key(folder), MaxKeys: this.pageKeys, ContinuationToken: token }),
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
      await this.client.send(new this.s3.DeleteObjectCommand({ Bucket: this.bucket, Key: this.key(name) }));
    } catch (e) {
      if (isNotFound(e)) return;
      throw this.wrap(e, 'delete', name);
    }
  }

  async close(): Promise<void> {
    this.client.destroy();
  }

  private wrap(e: unknown, op: string, name: string): Error {
    if (e instanceof NotFoundError || e instanceof StorageError) return e;
    const where = `${this.location}/${name}`.replace(/\/$/, '');
    const why = errorName(e) === 'AccessDenied' || httpStatus(e) === 403 ? 'access denied' : (e as Error)?.message || errorName(e) || String(e);
    return new StorageError(`S3 ${op} failed: ${why}: ${where}`, where, { cause: e });
  }
}

async function bodyBytes(body: unknown): Promise<Buffer> {
  if (!body) return Buffer.alloc(0);
  const b = body as { transformToByteArray?: () => Promise<Uint8Array> };
  if (typeof b.transformToByteArray === 'function') {
    const arr = await b.transformToByteArray();
    return Buffer.from(arr.buffer, arr.byteOffset, arr.byteLength);
  }
  const chunks: Buffer[] = [];
  for await (const c of body as AsyncIterable<Uint8Array>) chunks.push(Buffer.from(c));
  return Buffer.concat(chunks);
}

function errorName(e: unknown): string | undefined {
  return (e as { name?: string; Code?: string })?.Code ?? (e as { name?: string })?.name;
}

function httpStatus(e: unknown): number | undefined {
  return (e as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
}

function isNotFound(e: unknown): boolean {
  const n = errorName(e);
  return n === 'NoSuchKey' || n === 'NotFound' || n === 'NoSuchBucket' || httpStatus(e) === 404;
}
