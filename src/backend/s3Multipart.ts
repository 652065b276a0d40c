// Multipart uploads for the S3 backend: objects above MULTIPART_THRESHOLD_BYTES go up in parts,
// each part retried on its own (through the backend's send); a failed upload is aborted, and prune
// aborts what killed runs left (abortUploads).

import type { S3Client } from '@aws-sdk/client-s3';
import { errorName, httpStatus } from './s3Util.js';
import { mapPool } from '../pool.js';

type S3Module = typeof import('@aws-sdk/client-s3');

const MULTIPART_PART_BYTES = 16 * 1024 * 1024;
/** Parts of one multipart upload in flight at once. */
const MULTIPART_QUEUE = 4;

export interface MultipartContext {
  s3: S3Module;
  client: S3Client;
  bucket: string;
  owner: { ExpectedBucketOwner?: string };
  /** One command, retried on transient failures. */
  send<T>(command: object): Promise<T>;
  /** Size of the object at a full key. */
  stat(key: string): Promise<{ size: number } | undefined>;
}

/** Parts retried one by one; on failure the upload is aborted (prune aborts those of killed runs). */
export async function putMultipart(c: MultipartContext, key: string, body: Buffer): Promise<void> {
  const where = { Bucket: c.bucket, Key: key, ...c.owner };
  const created = await c.send<{ UploadId?: string }>(new c.s3.CreateMultipartUploadCommand(where));
  const UploadId = created.UploadId!;
  try {
    const count = Math.ceil(body.length / MULTIPART_PART_BYTES);
    const parts: Array<{ PartNumber: number; ETag?: string }> = new Array(count);
    await mapPool(parts, MULTIPART_QUEUE, async (_, i) => {
      const Body = body.subarray(i * MULTIPART_PART_BYTES, (i + 1) * MULTIPART_PART_BYTES);
      const r = await c.send<{ ETag?: string }>(new c.s3.UploadPartCommand({ ...where, UploadId, PartNumber: i + 1, Body, ContentLength: Body.length }));
      parts[i] = { PartNumber: i + 1, ETag: r.ETag };
    });
    try {
      await c.send(new c.s3.CompleteMultipartUploadCommand({ ...where, UploadId, MultipartUpload: { Parts: parts } }));
    } catch (e) {
      // A retried Complete whose first attempt did complete finds no upload: the object is there.
      if (errorName(e) !== 'NoSuchUpload' || (await c.stat(key))?.size !== body.length) throw e;
    }
  } catch (e) {
    await c.client.send(new c.s3.AbortMultipartUploadCommand({ ...where, UploadId })).catch(() => undefined);
    throw e;
  }
}

/**
 * Abort the unfinished multipart uploads under `root` and count them: every one, or only those
 * initiated longer than `olderThanMs` ago by the server's clock (an upload of a running writer on
 * another host is younger; an upload without a date is left alone then).
 */
export async function abortUploads(c: MultipartContext, root: string, olderThanMs?: number): Promise<{ files: number; bytes: number }> {
  const found = { files: 0, bytes: 0 };
  const serverNow = () => Date.now() + ((c.client.config as { systemClockOffset?: number }).systemClockOffset ?? 0);
  try {
    let KeyMarker: string | undefined;
    let UploadIdMarker: string | undefined;
    do {
      const r = await c.send<{ Uploads?: Array<{ Key?: string; UploadId?: string; Initiated?: Date }>; IsTruncated?: boolean; NextKeyMarker?: string; NextUploadIdMarker?: string }>(
        new c.s3.ListMultipartUploadsCommand({ Bucket: c.bucket, Prefix: root, KeyMarker, UploadIdMarker, ...c.owner }),
      );
      for (const u of r.Uploads ?? []) {
        if (!u.Key || !u.UploadId) continue;
        if (olderThanMs !== undefined && !(u.Initiated && new Date(u.Initiated).getTime() < serverNow() - olderThanMs)) continue;
        await c.send(new c.s3.AbortMultipartUploadCommand({ Bucket: c.bucket, Key: u.Key, UploadId: u.UploadId, ...c.owner })).catch((e) => {
          if (errorName(e) !== 'NoSuchUpload') throw e;
        });
        found.files++;
      }
      [KeyMarker, UploadIdMarker] = r.IsTruncated ? [r.NextKeyMarker, r.NextUploadIdMarker] : [undefined, undefined];
    } while (KeyMarker);
  } catch (e) {
    // An engine without multipart listing (s3rver) has nothing to find this way.
    if (errorName(e) === 'NotImplemented' || httpStatus(e) === 501) return found;
    throw e;
  }
  return found;
}
