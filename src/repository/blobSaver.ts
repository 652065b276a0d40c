// Saving blobs during a backup: dedup against the index (LMDB) and against this run's own blobs not
// yet indexed, compression on the libuv pool while reading goes on, packs per blob type, and index
// files written every INDEX_FLUSH_BYTES of packs. Blobs this run wrote but has not indexed stay in
// its own bounded map, so nothing another process deduplicates against can vanish with a killed run.

import { BlobType, type BlobId } from '../ids.js';
import { encodeBlob } from '../pack/codec.js';
import { PackWriter } from '../pack/packWriter.js';
import type { IndexPack } from '../index/indexFormat.js';
import type { Repository } from './repository.js';

/** Compressions in flight at once: enough to keep the libuv pool (4 threads) busy on 2 cores. */
const MAX_INFLIGHT = 8;
/** An index file is written after this many bytes of packs (bounds this run's private map). */
export const INDEX_FLUSH_BYTES = 256 * 1024 * 1024;

export interface SaverStats {
  blobsNew: number;
  bytesAdded: number;
  bytesStored: number;
  treeBytesAdded: number;
  treeBytesStored: number;
}

export class BlobSaver {
  private readonly pending = new Set<string>();
  private readonly inflight = new Set<Promise<void>>();
  private readonly writers: Record<BlobType, PackWriter>;
  private unindexed: IndexPack[] = [];
  private unindexedBytes = 0;
  private packWrite: Promise<void> = Promise.resolve();
  private failure: unknown;
  readonly stats: SaverStats = { blobsNew: 0, bytesAdded: 0, bytesStored: 0, treeBytesAdded: 0, treeBytesStored: 0 };

  constructor(
    private readonly repo: Repository,
    private readonly dryRun = false,
  ) {
    this.writers = { [BlobType.Data]: new PackWriter(repo.backend, repo.crypt), [BlobType.Tree]: new PackWriter(repo.backend, repo.crypt) };
  }

  /** Whether the repository (or this run) already has the blob. */
  async has(id: BlobId): Promise<boolean> {
    if (this.pending.has(id.toString('base64'))) return true;
    return (await this.repo.index()).has(id);
  }

  /**
   * Save a blob unless it is known. `plain` must not be modified afterwards (it is compressed later).
   * Resolves once the blob is queued; waits only when too many compressions are in flight.
   */
  async save(type: BlobType, id: BlobId, plain: Buffer): Promise<boolean> {
    this.throwIfFailed();
    if (await this.has(id)) return false;
    this.pending.add(id.toString('base64'));
    const job = this.compressAndAdd(type, id, plain).catch((e) => {
      this.failure ??= e;
    });
    this.inflight.add(job);
    void job.finally(() => this.inflight.delete(job));
    if (this.inflight.size >= MAX_INFLIGHT) await Promise.race(this.inflight);
    return true;
  }

  private async compressAndAdd(type: BlobType, id: BlobId, plain: Buffer): Promise<void> {
    const { codec, bytes } = await encodeBlob(plain, this.repo.config.compression);
    const tag = this.repo.crypt.encrypted ? 16 : 0;
    this.stats.blobsNew++;
    if (type === BlobType.Data) {
      this.stats.bytesAdded += plain.length;
      this.stats.bytesStored += bytes.length + tag;
    } else {
      this.stats.treeBytesAdded += plain.length;
      this.stats.treeBytesStored += bytes.length + tag;
    }
    if (this.dryRun) return;
    const w = this.writers[type];
    w.add(id, type, codec, bytes, plain.length);
    if (w.size >= this.repo.config.pack_size) await this.finishPack(type);
  }

  private async finishPack(type: BlobType): Promise<void> {
    const w = this.writers[type];
    if (w.count === 0) return;
    this.writers[type] = new PackWriter(this.repo.backend, this.repo.crypt);
    // One pack write at a time keeps memory bounded (one pack filling, one being written).
    const prev = this.packWrite;
    const write = (async () => {
      await prev;
      const done = await w.finish();
      this.unindexed.push({ packId: done.packId, entries: done.entries });
      this.unindexedBytes += done.size;
      if (this.unindexedBytes >= INDEX_FLUSH_BYTES) await this.writeIndex();
    })();
    this.packWrite = write.catch(() => undefined);
    await write;
  }

  /** Packs are durable before the index file that names them (invariant 1). */
  private async writeIndex(): Promise<void> {
    if (this.unindexed.length === 0) return;
    const packs = this.unindexed;
    this.unindexed = [];
    this.unindexedBytes = 0;
    await this.repo.saveIndexFile(packs);
    for (const p of packs) for (const e of p.entries) this.pending.delete(e.id.toString('base64'));
  }

  /** Finish every pack and write the last index file: after this, every saved blob is durable and indexed. */
  async flush(): Promise<void> {
    while (this.inflight.size) await Promise.all([...this.inflight]);
    this.throwIfFailed();
    if (this.dryRun) return;
    await this.finishPack(BlobType.Data);
    await this.finishPack(BlobType.Tree);
    await this.packWrite;
    this.throwIfFailed();
    await this.writeIndex();
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure;
  }
}
