// maintenance/stats owns `snap stats` and its parts: the reference walk (referenceWalker.ts, over a
// scratch LMDB set), pack sizes, growth per night (growth.ts) and the cost model (cost.ts).
//
// `snap stats`: how much the chosen snapshots hold (logical bytes), what the repository stores (pack
// bytes), and what deduplication and compression made of the difference.

import type { BlobId } from '../../ids.js';
import type { Repository } from '../../repository/repository.js';
import type { Snapshot } from '../../repository/snapshotRecord.js';
import { monthlyCost, ratio } from './cost.js';
import { packBytes } from './packSizes.js';
import { ReferenceWalker, type WalkProgress } from './referenceWalker.js';

export interface StatsOptions {
  pricePerGbMonth: number;
  progress?: (p: WalkProgress) => void;
  signal?: AbortSignal;
}

/** The `stats --json` document (CLI.md). */
export interface StatsResult {
  snapshots: number;
  /** Sum of file sizes over the chosen snapshots. */
  logical_bytes: number;
  /** Sum of the pack file sizes: everything the repository stores. */
  stored_bytes: number;
  /** Raw bytes of the distinct data chunks the chosen snapshots reference. */
  unique_chunk_bytes: number;
  /** logical / unique chunk bytes. */
  dedup_ratio: number;
  /** unique chunk bytes / their stored bytes. */
  compression_ratio: number;
  /** Distinct data chunks referenced. */
  chunks: number;
  /** The monthly cost of stored_bytes at the given price. */
  monthly_cost_usd: number;
  /** Referenced blobs missing from the index (not in the JSON document unless non-zero). */
  missing_blobs?: number;
}

export async function repositoryStats(repo: Repository, snapshots: Snapshot[], opts: StatsOptions): Promise<StatsResult> {
  const walker = ReferenceWalker.create(repo, { progress: opts.progress, signal: opts.signal });
  let logical = 0;
  try {
    for (const s of snapshots) logical += await walker.walk(Buffer.from(s.tree, 'hex') as BlobId);
  } finally {
    await walker.close();
  }
  const c = walker.counters;
  const stored = (await packBytes(repo)).bytes;
  const result: StatsResult = {
    snapshots: snapshots.length,
    logical_bytes: logical,
    stored_bytes: stored,
    unique_chunk_bytes: c.dataRaw,
    dedup_ratio: ratio(logical, c.dataRaw),
    compression_ratio: ratio(c.dataRaw, c.dataStored),
    chunks: c.dataBlobs,
    monthly_cost_usd: monthlyCost(stored, opts.pricePerGbMonth),
  };
  if (c.missing) result.missing_blobs = c.missing;
  return result;
}
