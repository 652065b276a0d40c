// Repacking: copy the used blobs of partly used packs into new packs. BlobSaver is not used here:
// it deduplicates against the index, and every blob being moved is in the index already. Blobs are
// moved as they are stored (same codec, no recompression), but each one is decrypted, decompressed
// and hashed on the way, and a blob that does not match its id stops the prune (invariant 8): a
// damaged blob must not be laundered into a fresh pack.

import { IntegrityError, NotFoundError } from '../../errors.js';
import { BlobType, type BlobId } from '../../ids.js';
import type { IndexPack } from '../../blobindex/indexFormat.js';
import { openBlob } from '../../pack/openBlob.js';
import { packObjectName, type PackEntry } from '../../pack/packFormat.js';
import { packHeaderOf, packInMemory } from '../../pack/packReader.js';
import { PackWriter } from '../../pack/packWriter.js';
import { crashPoint } from '../../repository/crashPoint.js';
import type { Repository } from '../../repository/repository.js';
import type { SortedIds } from './idSet.js';
import type { ScannedPack } from './scanIndex.js';

/** Blobs decompressed and verified at once (zstd runs on the libuv pool). */
const VERIFY_BATCH = 32;

export interface RepackProgress {
  packsDone: number;
  packsTotal: number;
  bytesRead: number;
  blobsCopied: number;
}

export interface RepackOptions {
  /** Called before each pack is read (the lock check). */
  beforePack?: () => Promise<void>;
  /**
   * Called with each new pack once it is durable, so its index entries can be written out as the
   * repack goes (memory stays bounded however much is repacked).
   */
  onPackWritten?: (pack: IndexPack) => Promise<void>;
  onProgress?: (p: RepackProgress) => void;
}

export interface RepackResult {
  packsWritten: number;
  bytesWritten: number;
  blobsCopied: number;
}

export async function repackPacks(
  repo: Repository,
  packs: readonly ScannedPack[],
  used: SortedIds,
  claims: Int32Array,
  opts: RepackOptions = {},
): Promise<RepackResult> {
  const result: RepackResult = { packsWritten: 0, bytesWritten: 0, blobsCopied: 0 };
  const writers: Record<BlobType, PackWriter> = {
    [BlobType.Data]: new PackWriter(repo.backend, repo.crypt),
    [BlobType.Tree]: new PackWriter(repo.backend, repo.crypt),
  };
  const finish = async (type: BlobType): Promise<void> => {
    const w = writers[type];
    if (w.count === 0) return;
    writers[type] = new PackWriter(repo.backend, repo.crypt);
    const done = await w.finish(); // durable under its final name before any index names it (invariant 1)
    result.packsWritten++;
    result.bytesWritten += done.size;
    crashPoint('prune-pack-written');
    await opts.onPackWritten?.({ packId: done.packId, entries: done.entries });
  };
  const progress: RepackProgress = { packsDone: 0, packsTotal: packs.length, bytesRead: 0, blobsCopied: 0 };

  try {
    for (const pack of packs) {
      await opts.beforePack?.();
      const keep = await readUsedBlobs(repo, pack, used, claims);
      progress.bytesRead += pack.size;
      for (const b of keep) {
        const type = b.entry.type === BlobType.Tree ? BlobType.Tree : BlobType.Data;
        await writers[type].add(Buffer.from(b.entry.id) as BlobId, type, b.entry.codec, b.compressed, b.entry.rawLength);
        if (writers[type].size >= repo.config.pack_size) await finish(type);
      }
      result.blobsCopied += keep.length;
      progress.blobsCopied = result.blobsCopied;
      progress.packsDone++;
      opts.onProgress?.(progress);
    }
    await finish(BlobType.Data);
    await finish(BlobType.Tree);
  } catch (e) {
    // Stopped (interrupt, lost lock, damaged blob): the packs still filling are staged files no
    // listing shows and nothing would ever remove.
    await Promise.all(Object.values(writers).map((w) => w.discard().catch(() => undefined)));
    throw e;
  }
  return result;
}

/** The blobs of `pack` that it serves (used, and this pack's copy claimed), verified, still compressed. */
async function readUsedBlobs(
  repo: Repository,
  pack: ScannedPack,
  used: SortedIds,
  claims: Int32Array,
): Promise<Array<{ entry: PackEntry; compressed: Buffer }>> {
  // One read of the whole pack serves its header and its blobs.
  const bytes = await repo.backend.get(packObjectName(pack.id)).catch((e: unknown) => {
    throw e instanceof NotFoundError ? new IntegrityError(`pack ${pack.id} is missing`, { pack: pack.id }) : e;
  });
  const entries = await packHeaderOf(packInMemory(bytes), repo.crypt, pack.id);
  const wanted = entries.filter((e) => {
    const pos = used.indexOf(e.id);
    return pos >= 0 && claims[pos] === pack.ordinal;
  });
  // The header must hold every blob the index said this pack serves, or those blobs would be lost.
  if (wanted.length !== pack.usedBlobs) {
    throw new IntegrityError(
      `pack ${pack.id}: its header lists ${wanted.length} of the ${pack.usedBlobs} used blobs the index places there; ` +
        `run 'snap repair index' before pruning`,
      { pack: pack.id },
    );
  }
  const cipher = repo.crypt.packCipher(pack.id, bytes);
  const out: Array<{ entry: PackEntry; compressed: Buffer }> = [];
  for (let i = 0; i < wanted.length; i += VERIFY_BATCH) {
    const batch = wanted.slice(i, i + VERIFY_BATCH);
    out.push(
      ...(await Promise.all(
        batch.map(async (entry) => {
          const stored = bytes.subarray(entry.offset, entry.offset + entry.storedLength);
          const { encoded } = await openBlob(stored, { ...entry, packId: pack.id }, entry.id, cipher, repo.idHasher);
          // Unencrypted, `encoded` is a view of the whole pack: a copy lets the pack's bytes go.
          return { entry, compressed: cipher ? encoded : Buffer.from(encoded) };
        }),
      )),
    );
  }
  return out;
}
