// The index as its FILES say it, for check: every index file is read (not the LMDB cache, which could
// be stale or damaged and hide a problem), and its entries go to scratch tables — blob id → location,
// and (pack, blob) → location for comparing packs with what the index says about them. Per pack, a
// small summary (distinct entries, where the last blob ends) is kept in memory: packs are few.

import { ID_BYTES, type BlobId, type BlobType } from '../../ids.js';
import { InterruptedError } from '../../errors.js';
import type { BlobLocation } from '../../pack/packReader.js';
import type { IndexPack } from '../../blobindex/indexFormat.js';
import { decodeLocation, encodeLocation, LOCATION_BYTES, readLocationFields } from '../../blobindex/locationCodec.js';
import type { Repository } from '../../repository/repository.js';
import type { ScratchDb, ScratchTable } from '../../scratch/scratchDb.js';
import { checkError, type CheckError } from './types.js';

/** Index files read at once. */
const LOAD_CONCURRENCY = 4;

export interface IndexedLocation extends BlobLocation {
  type: BlobType;
}

export interface IndexedPack {
  /** Distinct blobs the index files place in this pack. */
  count: number;
  /** Where the last indexed blob ends. */
  maxEnd: number;
  /** Where the first indexed blob starts. */
  minOffset: number;
}

export class IndexTruth {
  readonly packs = new Map<string, IndexedPack>();
  files = 0;
  entries = 0;

  constructor(
    private readonly blobs: ScratchTable,
    private readonly byPack: ScratchTable,
  ) {}

  add(p: IndexPack): void {
    let s = this.packs.get(p.packId);
    if (!s) this.packs.set(p.packId, (s = { count: 0, maxEnd: 0, minOffset: Number.MAX_SAFE_INTEGER }));
    const packKey = Buffer.from(p.packId, 'hex');
    for (const e of p.entries) {
      this.entries++;
      // blobs: id → location; by_pack: (pack, id) → the location's fields (the key holds the pack).
      const loc = encodeLocation(p.packId, e);
      const k = Buffer.concat([packKey, e.id]);
      if (!this.byPack.has(k)) s.count++;
      this.byPack.put(k, loc.subarray(ID_BYTES));
      this.blobs.put(e.id, loc);
      s.maxEnd = Math.max(s.maxEnd, e.offset + e.storedLength);
      s.minOffset = Math.min(s.minOffset, e.offset);
    }
  }

  lookup(id: BlobId): IndexedLocation | undefined {
    const v = this.blobs.get(id);
    if (!v || v.length !== LOCATION_BYTES) return undefined;
    return decodeLocation(v);
  }

  /** The index's entries for one pack (blob id → location). */
  entriesOfPack(packId: string): Map<string, { id: BlobId; loc: IndexedLocation }> {
    const out = new Map<string, { id: BlobId; loc: IndexedLocation }>();
    for (const { key, value } of this.byPack.withPrefix(Buffer.from(packId, 'hex'))) {
      const id = key.subarray(ID_BYTES) as BlobId;
      out.set(id.toString('hex'), { id, loc: readLocationFields(packId, value, 0) });
    }
    return out;
  }
}

/** Read every index file; files that do not load (decrypt, hash, parse) become errors. */
export async function loadIndexTruth(
  repo: Repository,
  scratch: ScratchDb,
  errors: (e: CheckError) => void,
  signal?: AbortSignal,
): Promise<IndexTruth> {
  const truth = new IndexTruth(scratch.table('blobs'), scratch.table('by_pack'));
  const names = await repo.listIndexFiles();
  for (let i = 0; i < names.length; i += LOAD_CONCURRENCY) {
    if (signal?.aborted) throw new InterruptedError();
    const batch = names.slice(i, i + LOAD_CONCURRENCY);
    const loaded = await Promise.all(
      batch.map(async (name) => {
        try {
          return await repo.loadIndexFile(name);
        } catch (e) {
          if (e instanceof InterruptedError) throw e;
          errors(checkError('index_unreadable', `index/${name} cannot be read: ${(e as Error).message}`));
          return undefined;
        }
      }),
    );
    for (const packs of loaded) {
      if (!packs) continue;
      truth.files++;
      for (const p of packs) truth.add(p);
    }
  }
  return truth;
}
