// Saving blobs during a backup: dedup against the index (LMDB) and against this run's own blobs not
// yet indexed, compression on the libuv pool while reading goes on, packs per blob type, and index
// files written every INDEX_FLUSH_BYTES of packs. Blobs this run wrote but has not indexed stay in
// its own bounded map, so nothing another process deduplicates against can vanish with a killed run.

import { BlobType, type BlobId } from '../ids.js';
import { TAG_BYTES } from '../crypto/index.js';
import { encodeBlob, type Codec } from '../pack/codec.js';
import { PackWriter } from '../pack/packWriter.js';
import { packObjectName } from '../pack/packFormat.js';
import { crashPoint } from './crashPoint.js';
import { Limiter } from '../pool.js';
import { ChunkCopies } from './chunkCopies.js';
import { randomInt } from 'node:crypto';
import os from 'node:os';
import type { IndexPack } from '../blobindex/indexFormat.js';
import type { IndexCache } from '../blobindex/indexCache.js';
import type { Repository } from './repository.js';

/** Compressions in flight at once: enough to keep the libuv pool (4 threads) busy on 2 cores. */
const MAX_INFLIGHT = 8;
/** An index file is written after this many packs' worth of bytes (256 MiB at the default pack size): bounds this run's private map. */
export const INDEX_FLUSH_PACKS = 16;
/**
 * An index file is also written once this many blobs wait for one: with many small files, 256 MiB
 * of packs is over a million blobs, and each waits in memory (entry, pending id) until indexed —
 * peak memory would grow with the input. restic flushes its index at 50 000 blobs for that reason.
 */
export const INDEX_FLUSH_ENTRIES = 50_000;
/** The same bound in bytes at the default pack size, for writers that batch index files by bytes. */
export const INDEX_FLUSH_BYTES = 256 * 1024 * 1024;
/**
 * Data packs filled at once in an encrypted repository, each blob going to a random one, so that a
 * pack's layout does not mirror the layout of the files it came from (with a public order, chunk
 * sizes alone could fingerprint known files). Packs are staged on disk, so this costs no memory.
 */
const SPREAD_PACKS = 4;
/**
 * Pack writes (header + fsync + rename) in flight while others fill. With one, the pipeline stalled
 * on every fsync: first backup of the real-data AI dataset (1.36 GB) 10.3 s with 1, 8.6 s with 2,
 * 8.0 s with 3 (docs/architecture.md). Each costs a staged file, not memory.
 */
const MAX_PACK_WRITES = 3;

export interface SaverStats {
  blobsNew: number;
  bytesAdded: number;
  bytesStored: number;
  treeBytesAdded: number;
  treeBytesStored: number;
}

export interface SaverOptions {
  /** Packs not to deduplicate against (condemned by a prune: deleted after their grace period). */
  avoidPacks?: ReadonlySet<string>;
  /** zstd calls at once on the libuv pool (default: compressThreads()). */
  compressThreads?: number;
  /** Blobs waiting for an index file before one is written (default INDEX_FLUSH_ENTRIES). */
  indexFlushEntries?: number;
  /**
   * HOOK (memory): a young-generation garbage collection, asked for after every
   * `youngGcBytes` of fresh buffers (zstd frames and ciphertexts) this saver made. See YOUNG_GC_BYTES.
   */
  collectYoung?: () => void;
  /** Fresh buffer bytes between two collectYoung calls (default YOUNG_GC_BYTES). */
  youngGcBytes?: number;
}

/**
 * Every new blob costs two fresh buffers outside V8's heap (its zstd frame and its ciphertext; the
 * libraries give no way to write into a reused one), dead as soon as its bytes are in the staged
 * pack. Their small JavaScript handles fill the young generation so slowly that V8 collects it
 * after ~32 MiB of such buffers, and those still in flight at that moment are promoted and then
 * wait for a full collection: on the real-data AI dataset the dead frames and ciphertexts were most
 * of a 280 MiB peak. A young collection after every this many bytes frees them while they are
 * young (a scavenge of a ~10 MiB heap takes ~0.3 ms). Measured in docs/benchmarks.md.
 */
export const YOUNG_GC_BYTES = 4 * 1024 * 1024;

/**
 * zstd calls at once: one per core, at least two, so that the libuv pool's other threads stay free
 * for file reads, pack writes and LMDB. On 2 cores, one call at a time left the main thread idle
 * 44 % of a small-files backup waiting for it; two cost no more CPU than four or eight, and extra
 * pool threads busy at once only take CPU from the main thread (docs/benchmarks.md, 2026-12-02).
 */
export function compressThreads(): number {
  return Math.max(MIN_COMPRESS_THREADS, Math.min(MAX_COMPRESS_THREADS, os.availableParallelism()));
}
const MIN_COMPRESS_THREADS = 2;
/** Beyond this, more zstd calls at once gain nothing: MAX_INFLIGHT blobs are in the pipeline. */
const MAX_COMPRESS_THREADS = 8;

export class BlobSaver {
  private readonly pending = new Set<string>();
  /** Packs holding blobs this run refers to but did not write (noteReferenced): the commit-point check. */
  readonly referencedPacks = new Set<string>();
  /**
   * Packs this run wrote. Until the snapshot record exists no snapshot uses them, so a two-phase
   * prune condemns them like any unused pack, and deletes them once the grace period is over: the
   * commit-point check covers them exactly as the packs deduplicated against.
   */
  readonly writtenPacks = new Set<string>();
  private aborted = false;
  private readonly compressions = new Limiter(MAX_INFLIGHT);
  private readonly packSlots = new Limiter(MAX_PACK_WRITES);
  private readonly compressSlots: Limiter;
  private readonly copies: ChunkCopies;
  /** Open packs per blob type; several for data in an encrypted repository (see SPREAD_PACKS). */
  private readonly writers: Record<BlobType, PackWriter[]>;
  private unindexed: IndexPack[] = [];
  private unindexedBytes = 0;
  private unindexedEntries = 0;
  /** The repository's index cache once open (the same object for the repository's life). */
  private openIndex: IndexCache | undefined;
  private indexChain: Promise<void> = Promise.resolve();
  private failure: unknown;
  private readonly indexFlushBytes: number;
  /** Fresh buffer bytes since the last collectYoung call. */
  private freshBytes = 0;
  private readonly youngGcBytes: number;
  readonly stats: SaverStats = { blobsNew: 0, bytesAdded: 0, bytesStored: 0, treeBytesAdded: 0, treeBytesStored: 0 };

  constructor(
    private readonly repo: Repository,
    private readonly dryRun = false,
    private readonly options: SaverOptions = {},
  ) {
    this.indexFlushBytes = INDEX_FLUSH_PACKS * repo.config.pack_size;
    this.youngGcBytes = options.youngGcBytes ?? YOUNG_GC_BYTES;
    this.compressSlots = new Limiter(options.compressThreads ?? compressThreads());
    this.copies = new ChunkCopies(repo.config.chunker.max);
    const spread = repo.crypt.encrypted ? SPREAD_PACKS : 1;
    this.writers = {
      [BlobType.Data]: Array.from({ length: spread }, () => new PackWriter(repo.backend, repo.crypt)),
      [BlobType.Tree]: [new PackWriter(repo.backend, repo.crypt)],
    };
  }

  /** Whether the repository (or this run) already has the blob. */
  async has(id: BlobId): Promise<boolean> {
    return this.hasSync(await this.repo.blobIndex(), id);
  }

  /** Known: this run's, or indexed in a pack not avoided (whose id is then noted as referenced). */
  private hasSync(index: IndexCache, id: BlobId): boolean {
    if (this.pending.has(id.toString('base64'))) return true;
    const loc = index.lookup(id);
    if (!loc || this.options.avoidPacks?.has(loc.packId)) return false;
    this.referencedPacks.add(loc.packId);
    return true;
  }

  /** Record the packs of blobs a new tree refers to that this run did not write (chunks, chunk lists, subtrees). */
  async noteReferenced(ids: Iterable<BlobId>): Promise<void> {
    const index = await this.repo.blobIndex();
    for (const id of ids) {
      if (this.pending.has(id.toString('base64'))) continue;
      const loc = index.lookup(id);
      if (loc) this.referencedPacks.add(loc.packId);
    }
  }

  /**
   * Save a blob unless it is known. `plain` must not be modified afterwards (it is compressed later)
   * unless `copyIfNew` is set, in which case a new blob's bytes are copied first.
   * Resolves once the blob is queued; waits while all compression slots are taken. A job keeps its
   * slot until its blob is in a pack (including waiting for a pack write), so the slots bound the
   * whole pipeline: a few blobs compressing, one pack filling, one being written.
   */
  async save(type: BlobType, id: BlobId, plain: Buffer, copyIfNew = false): Promise<boolean> {
    this.throwIfFailed();
    // A view into a reader's reused buffer is copied before any await, and only once it is known
    // to be new (one lookup per chunk, not a has() and then this check); before the index is open
    // that is not known yet, so it is copied at once.
    if (!this.openIndex && copyIfNew) {
      plain = this.copies.copy(plain);
      copyIfNew = false;
    }
    const index = (this.openIndex ??= await this.repo.blobIndex());
    // Check and claim with no await in between: concurrent files may carry the same chunk.
    // (release() takes back only what copy() gave: a caller's own buffer is left alone)
    if (this.hasSync(index, id)) {
      this.copies.release(plain);
      return false;
    }
    this.pending.add(id.toString('base64'));
    if (copyIfNew) plain = this.copies.copy(plain);
    await this.compressions.acquire();
    this.compressAndAdd(type, id, plain)
      // The copy's slab is reused only after its blob is in a pack; after a failure it is dropped
      // (a write of the failed pack may still read it).
      .then(() => this.copies.release(plain))
      .catch((e) => {
        this.failure ??= e;
      })
      .finally(() => this.compressions.release());
    return true;
  }

  /**
   * Save a blob already encoded (codec chosen, compressed) by a worker thread, unless it is known.
   * Like save(), resolves once the blob is queued, and waits while the pipeline is full.
   */
  async saveEncoded(type: BlobType, id: BlobId, rawLength: number, codec: Codec, bytes: Buffer): Promise<boolean> {
    this.throwIfFailed();
    const index = (this.openIndex ??= await this.repo.blobIndex());
    if (this.hasSync(index, id)) return false;
    this.pending.add(id.toString('base64'));
    await this.compressions.acquire();
    this.add(type, id, rawLength, codec, bytes)
      .catch((e) => {
        this.failure ??= e;
      })
      .finally(() => this.compressions.release());
    return true;
  }

  private async compressAndAdd(type: BlobType, id: BlobId, plain: Buffer): Promise<void> {
    const { codec, bytes } = await encodeBlob(plain, this.repo.config.compression, this.compressSlots);
    await this.add(type, id, plain.length, codec, bytes);
  }

  private async add(type: BlobType, id: BlobId, rawLength: number, codec: Codec, bytes: Buffer): Promise<void> {
    const tag = this.repo.crypt.encrypted ? TAG_BYTES : 0;
    this.stats.blobsNew++;
    if (type === BlobType.Data) {
      this.stats.bytesAdded += rawLength;
      this.stats.bytesStored += bytes.length + tag;
    } else {
      this.stats.treeBytesAdded += rawLength;
      this.stats.treeBytesStored += bytes.length + tag;
    }
    if (this.dryRun || this.aborted) return;
    const slot = randomInt(this.writers[type].length);
    const w = this.writers[type][slot]!;
    await w.add(id, type, codec, bytes, rawLength);
    this.noteFresh(bytes.length + (this.repo.crypt.encrypted ? bytes.length : 0));
    if (w.size >= this.repo.config.pack_size) await this.finishPack(type, slot, w);
  }

  /** Count fresh buffers that are now garbage; ask for a young collection every youngGcBytes. */
  private noteFresh(n: number): void {
    if (!this.options.collectYoung) return;
    this.freshBytes += n;
    if (this.freshBytes < this.youngGcBytes) return;
    this.freshBytes = 0;
    this.options.collectYoung();
  }

  /** Hand a full pack to the writer slot; waits while the previous pack is still being written. */
  private async finishPack(type: BlobType, slot: number, w: PackWriter): Promise<void> {
    await this.packSlots.acquire();
    // Another job may have finished this pack while we waited for the slot.
    if (this.writers[type][slot] !== w || w.count === 0) {
      this.packSlots.release();
      return;
    }
    this.writers[type][slot] = new PackWriter(this.repo.backend, this.repo.crypt);
    w.finish()
      .then(async (done) => {
        crashPoint('pack-written');
        this.writtenPacks.add(done.packId);
        this.unindexed.push({ packId: done.packId, entries: done.entries });
        this.unindexedBytes += done.size;
        this.unindexedEntries += done.entries.length;
        if (this.unindexedBytes >= this.indexFlushBytes || this.unindexedEntries >= (this.options.indexFlushEntries ?? INDEX_FLUSH_ENTRIES)) await this.queueIndexWrite();
      })
      .catch((e) => {
        this.failure ??= e;
      })
      .finally(() => this.packSlots.release());
  }

  private queueIndexWrite(): Promise<void> {
    this.indexChain = this.indexChain.then(() => this.writeIndex());
    return this.indexChain;
  }

  /** Packs are durable before the index file that names them (invariant 1). */
  private async writeIndex(): Promise<void> {
    if (this.unindexed.length === 0) return;
    const packs = this.unindexed;
    this.unindexed = [];
    this.unindexedBytes = 0;
    this.unindexedEntries = 0;
    await this.repo.saveIndexFile(packs);
    crashPoint('index-written');
    for (const p of packs) for (const e of p.entries) this.pending.delete(e.id.toString('base64'));
  }

  /** Finish every pack and write the last index file: after this, every saved blob is durable and indexed. */
  async flush(): Promise<void> {
    await this.compressions.idle();
    this.throwIfFailed();
    if (this.dryRun) return;
    for (const type of [BlobType.Data, BlobType.Tree]) {
      for (const [slot, w] of this.writers[type].entries()) await this.finishPack(type, slot, w);
    }
    await this.packSlots.idle();
    this.throwIfFailed();
    await this.queueIndexWrite();
  }

  /**
   * After a failure: remove the staged packs that will never be finished, and (encrypted
   * repositories) the finished packs of this run that no index file names yet. Those are this run's
   * alone: no other process can know them (a pack's name hashes its random salt), so removing them
   * is taking back its own staging, and on a full disk it is the space the user needs. An
   * unencrypted pack's name is its content's hash, which another writer could share: those stay
   * for prune. Packs handed to an index write are never removed (the index may be durable).
   */
  async abort(): Promise<void> {
    // Files still being read (an interrupt reaches each at its next chunk) may queue blobs after
    // this: they add nothing, so no pack is staged after the discard below.
    this.aborted = true;
    await this.compressions.idle();
    await this.packSlots.idle();
    for (const list of Object.values(this.writers)) for (const w of list) await w.discard().catch(() => undefined);
    await this.indexChain.catch(() => undefined);
    if (this.dryRun || !this.repo.crypt.encrypted) return;
    const orphans = this.unindexed;
    this.unindexed = [];
    for (const p of orphans) await this.repo.backend.remove(packObjectName(p.packId)).catch(() => undefined);
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure;
  }
}
