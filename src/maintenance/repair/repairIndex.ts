// `snap repair index [--read-data]`: rebuild the index files from the packs themselves. Every pack's
// header is read (with --read-data the whole pack, and every blob is re-hashed; blobs that fail their
// id are left out, so the next `create` stores them again). New index files are written in batches
// (one per INDEX_BATCH_BYTES of packs), and only when all of them are durable are the old index
// files removed: a crash at any point leaves an index that covers at least what it did.
// A pack whose header cannot be read is reported and left unindexed (its blobs are lost to snap);
// packs are never deleted here. Finally the LMDB cache is cleared and rebuilt from the new files.
// Runs under the exclusive lock.

import path from 'node:path';
import { objectName } from '../../crypto/index.js';
import { IntegrityError, NotFoundError, UnsupportedFormatError } from '../../errors.js';
import { IndexCache } from '../../blobindex/indexCache.js';
import { encodeIndex, type IndexPack } from '../../blobindex/indexFormat.js';
import { packIdOf, type PackEntry } from '../../pack/packFormat.js';
import { readPackHeader } from '../../pack/packReader.js';
import { crashPoint } from '../../repository/crashPoint.js';
import type { Repository } from '../../repository/repository.js';
import { loadPack, verifyBlobsIn } from '../check/packContent.js';
import { mapPool } from '../../pool.js';

/** Packs per new index file, by their bytes: a few hundred MB, as a backup writes them. */
const INDEX_BATCH_BYTES = 256 * 1024 * 1024;
/** Packs read at once (headers are small reads; with --read-data, whole packs). */
const PACK_CONCURRENCY = 4;
const READ_DATA_CONCURRENCY = 2;

export interface RepairIndexResult {
  ok: boolean;
  /** Packs listed under data/. */
  packs: number;
  /** Blobs in the new index files. */
  blobs: number;
  index_files_written: number;
  index_files_removed: number;
  blobs_dropped: number;
  packs_unreadable: Array<{ pack: string; message: string }>;
  /** With --read-data: each blob left out, and why. */
  dropped: Array<{ blob: string; pack: string; reason: string }>;
}

export interface RepairIndexOptions {
  readData?: boolean;
  signal?: AbortSignal;
  progress?: (p: { packs: number; bytes: number; totalBytes: number; current?: string }) => void;
}

export async function repairIndex(repo: Repository, opts: RepairIndexOptions = {}): Promise<RepairIndexResult> {
  const oldFiles = await repo.listIndexFiles();
  const packs = await listPacks(repo);
  const totalBytes = packs.reduce((n, p) => n + p.size, 0);
  const result: RepairIndexResult = {
    ok: true, packs: packs.length, blobs: 0, index_files_written: 0, index_files_removed: 0, blobs_dropped: 0, packs_unreadable: [], dropped: [],
  };
  const written = new Set<string>();
  let writtenBytes = 0;
  let batch: IndexPack[] = [];
  let batchBytes = 0;
  let flushing: Promise<void> = Promise.resolve();
  const flush = async () => {
    if (batch.length === 0) return;
    const packsOut = batch;
    batch = [];
    batchBytes = 0;
    const stored = repo.crypt.seal('index', encodeIndex(packsOut));
    const name = objectName(stored);
    await repo.backend.put(`index/${name}`, stored);
    written.add(name);
    writtenBytes += stored.length;
    crashPoint('repair-index-written');
  };

  let done = 0;
  let doneBytes = 0;
  await mapPool(packs, opts.readData ? READ_DATA_CONCURRENCY : PACK_CONCURRENCY, async (pack) => {
    const entries = await readEntries(repo, pack.id, Boolean(opts.readData), result);
    if (entries?.length) {
      batch.push({ packId: pack.id, entries });
      batchBytes += pack.size;
      result.blobs += entries.length;
      if (batchBytes >= INDEX_BATCH_BYTES) {
        flushing = flushing.then(flush);
        await flushing;
      }
    }
    done++;
    doneBytes += pack.size;
    opts.progress?.({ packs: done, bytes: doneBytes, totalBytes, current: pack.id.slice(0, 8) });
  }, opts.signal);
  await flushing;
  await flush();
  result.index_files_written = written.size;

  // Only now, with every new index file durable, do the old ones go (an identical file keeps its name).
  for (const name of oldFiles) {
    if (written.has(name)) continue;
    await repo.backend.remove(`index/${name}`);
    result.index_files_removed++;
    crashPoint('repair-index-deleted');
  }

  // The cache may hold anything (it may be why the repair was needed): start it afresh. This is the
  // folder Repository.blobIndex() opens; nothing in this command has opened it.
  const cache = IndexCache.open(path.join(repo.cacheDir, 'index'));
  try {
    cache.clear();
    await cache.sync(await repo.listIndexFiles(), (name) => repo.loadIndexFile(name));
  } finally {
    await cache.close();
  }
  await repo.log({ operation: 'repair index', snapshot_ids: [], bytes_added: writtenBytes, bytes_freed: 0 });
  return result;
}

async function listPacks(repo: Repository): Promise<Array<{ id: string; size: number }>> {
  const out: Array<{ id: string; size: number }> = [];
  for (const n of await repo.backend.list('data/')) {
    const id = packIdOf(n);
    if (!id) continue; // not a pack this program wrote
    const st = await repo.backend.stat(n);
    if (st) out.push({ id, size: st.size });
  }
  return out.sort((a, b) => (a.id < b.id ? -1 : 1));
}

/** The entries to index for one pack, or undefined when its header cannot be read. */
async function readEntries(repo: Repository, packId: string, readData: boolean, result: RepairIndexResult): Promise<PackEntry[] | undefined> {
  if (!readData) {
    try {
      return (await readPackHeader(repo.backend, repo.crypt, packId)).entries;
    } catch (e) {
      if (!(e instanceof IntegrityError || e instanceof UnsupportedFormatError || e instanceof NotFoundError)) throw e;
      result.packs_unreadable.push({ pack: packId, message: (e as Error).message });
      return undefined;
    }
  }
  const pack = await loadPack(repo, packId);
  if (!pack || !pack.header) {
    result.packs_unreadable.push({ pack: packId, message: pack ? (pack.headerError ?? 'header unreadable') : 'pack vanished' });
    return undefined;
  }
  const bad = await verifyBlobsIn(repo, pack, pack.header.map((e) => ({ id: e.id, loc: { ...e, packId } })));
  if (bad.length === 0) return pack.header;
  const badIds = new Set(bad.map((b) => b.id.toString('hex')));
  for (const b of bad) result.dropped.push({ blob: b.id.toString('hex'), pack: packId, reason: b.reason });
  result.blobs_dropped += bad.length;
  return pack.header.filter((e) => !badIds.has(e.id.toString('hex')));
}
