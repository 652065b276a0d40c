// Small pieces of the S3 backend: reading bodies and staged files, and reading the SDK's errors.

import type { FileHandle } from 'node:fs/promises';
import { StorageError } from '../errors.js';

/** The whole content of a staged file, read through its descriptor. */
export async function readAll(fh: FileHandle): Promise<Buffer> {
  const { size } = await fh.stat();
  const buf = Buffer.allocUnsafe(size);
  let done = 0;
  while (done < size) {
    const { bytesRead } = await fh.read(buf, done, size - done, done);
    if (bytesRead === 0) throw new StorageError(`staged file shrank while being read (${done} of ${size} bytes)`);
    done += bytesRead;
  }
  return buf;
}

/** One short reason: the server's error code or the network's, without the SDK's prefixes. */
export function describe(e: unknown): string {
  if (errorName(e) === 'AccessDenied' || httpStatus(e) === 403) return 'access denied';
  const msg = ((e as Error)?.message ?? '').replace(/^@smithy\/node-http-handler - /, '').replace(/\s*\(configured by client requestHandler\)\.?$/, '');
  const status = httpStatus(e);
  if (!msg || msg === 'UnknownError' || msg === errorName(e)) return status ? `HTTP ${status}${errorName(e) && errorName(e) !== 'UnknownError' ? ` ${errorName(e)}` : ''}` : errorName(e) || String(e);
  return msg;
}

export async function bodyBytes(body: unknown): Promise<Buffer> {
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

export function errorName(e: unknown): string | undefined {
  return (e as { name?: string; Code?: string })?.Code ?? (e as { name?: string })?.name;
}

export function httpStatus(e: unknown): number | undefined {
  return (e as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
}

export function isNotFound(e: unknown): boolean {
  const n = errorName(e);
  return n === 'NoSuchKey' || n === 'NotFound' || n === 'NoSuchBucket' || httpStatus(e) === 404;
}
