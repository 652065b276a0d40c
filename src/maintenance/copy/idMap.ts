// The translation cache of a re-identifying copy: source blob id → target blob id, for data chunks
// and for trees, in LMDB in the source's cache folder (one environment per target repository id).
// A translation is a pure function of the content and the two repositories' keys, so an entry never
// goes stale; what the cache saves is reading and hashing every chunk again on the next copy run.
// It is only a cache: deleting it costs time. Each value carries a check of its key and id, so a
// damaged page reads as a miss, never as a wrong id (a wrong id would pass restore's own hash check).

import path from 'node:path';
import type { Database, RootDatabase } from 'lmdb';
import { openCacheEnv } from '../../blobindex/lmdbFile.js';
import { blake3 } from '@napi-rs/blake-hash';
import { ID_BYTES, type BlobId } from '../../ids.js';

/** Bytes of the check appended to each value: catches damage, not an attacker (the cache is local). */
const CHECK_BYTES = 8;

export class IdMap {
  /** The newest write: lmdb-js commits batches in order, so when it settles every earlier one has too. */
  private last: Promise<unknown> = Promise.resolve();
  private closed = false;

  private constructor(
    private readonly env: RootDatabase,
    private readonly data: Database<Buffer, Buffer>,
    private readonly trees: Database<Buffer, Buffer>,
  ) {}

  /** Opens (creating) the map kept under `sourceCacheDir` for the target repository `targetId`. */
  static open(sourceCacheDir: string, targetId: string): IdMap {
    const env = openCacheEnv(path.join(sourceCacheDir, 'copy', targetId), { maxDbs: 4, compression: false });
    const opts = { keyEncoding: 'binary', encoding: 'binary' } as const;
    return new IdMap(env, env.openDB<Buffer, Buffer>({ name: 'data', ...opts }), env.openDB<Buffer, Buffer>({ name: 'trees', ...opts }));
  }

  getData(src: BlobId): BlobId | undefined {
    return read(this.data, src);
  }

  getTree(src: BlobId): BlobId | undefined {
    return read(this.trees, src);
  }

  /** Batched by lmdb-js (async put); a lookup right after may miss until the batch commits. */
  setData(src: BlobId, dst: BlobId): void {
    this.track(() => this.data.put(Buffer.from(src), value(src, dst)));
  }

  setTree(src: BlobId, dst: BlobId): void {
    this.track(() => this.trees.put(Buffer.from(src), value(src, dst)));
  }

  /** A failed cache write only costs a later re-read: never an error of the copy. */
  private track(write: () => Promise<unknown>): void {
    if (this.closed) return; // a straggler of a failed walk: its entry is simply not cached
    this.last = write().catch(() => undefined);
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.last;
    await this.env.flushed;
    await this.env.close();
  }
}

function check(src: Buffer, dst: Buffer): Buffer {
  return blake3(Buffer.concat([src, dst])).subarray(0, CHECK_BYTES);
}

function value(src: BlobId, dst: BlobId): Buffer {
  return Buffer.concat([dst, check(src, dst)]);
}

function read(db: Database<Buffer, Buffer>, src: BlobId): BlobId | undefined {
  const v = db.getBinaryFast(src);
  if (!v || v.length !== ID_BYTES + CHECK_BYTES) return undefined;
  const dst = Buffer.from(v.subarray(0, ID_BYTES));
  return check(src, dst).equals(v.subarray(ID_BYTES)) ? (dst as BlobId) : undefined;
}
