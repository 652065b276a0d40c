// `snap stats --growth`: one row per snapshot, oldest first: what it holds, what it added, and the
// running total of what the repository stores, with its monthly cost ("what did last night add, and
// what does it cost").
//
// Two sources. By default the numbers `create` recorded in each snapshot's summary: exact at the time,
// free to read. But they describe the repository as it was then: after `forget` + `prune`, a kept
// snapshot's row does not count chunks that a removed, older snapshot had added first, so the running
// total understates (and a copied snapshot carries its source repository's numbers). With `exact` (also
// chosen when a snapshot has no summary) the rows are recomputed from the repository as it is: each
// chunk is charged to the oldest snapshot that references it now. That walks the trees, but only the
// parts that changed between snapshots (see ReferenceWalker).

import type { BlobId } from '../../ids.js';
import type { Repository } from '../../repository/repository.js';
import type { Snapshot } from '../../repository/snapshotRecord.js';
import { monthlyCost } from './cost.js';
import { ReferenceWalker, type WalkProgress } from './referenceWalker.js';

/** One `stats --growth --json` row (CLI.md). */
export interface GrowthRow {
  snapshot_id: string;
  time: string;
  logical_bytes: number;
  /** New data chunk bytes before compression. */
  bytes_added: number;
  /** What those chunks take in the repository. */
  bytes_stored: number;
  /** Running total of stored bytes: data and tree metadata of this and all earlier rows. */
  total_stored_bytes: number;
  monthly_cost_usd: number;
}

export interface GrowthResult {
  rows: GrowthRow[];
  /** Per row, the tree metadata it stored (included in total_stored_bytes, not in bytes_stored). */
  treeStored: number[];
  exact: boolean;
  notes: string[];
}

export interface GrowthOptions {
  pricePerGbMonth: number;
  exact?: boolean;
  progress?: (p: WalkProgress) => void;
  signal?: AbortSignal;
}

interface SummaryNumbers {
  total_bytes: number;
  bytes_added: number;
  bytes_stored: number;
  tree_bytes_stored?: number;
}

function summaryNumbers(s: Snapshot): SummaryNumbers | undefined {
  const sum = s.summary as Partial<SummaryNumbers> | null;
  if (!sum || typeof sum.total_bytes !== 'number' || typeof sum.bytes_added !== 'number' || typeof sum.bytes_stored !== 'number') return undefined;
  return sum as SummaryNumbers;
}

export async function growth(repo: Repository, snapshots: Snapshot[], opts: GrowthOptions): Promise<GrowthResult> {
  const notes: string[] = [];
  const lacking = snapshots.filter((s) => !summaryNumbers(s));
  let exact = Boolean(opts.exact);
  if (!exact && lacking.length) {
    exact = true;
    notes.push(`${lacking.length} snapshot(s) have no summary (e.g. ${lacking[0]!.id.slice(0, 8)}): growth recomputed from the trees`);
  }
  const rows: GrowthRow[] = [];
  const treeStored: number[] = [];
  let total = 0;
  const push = (s: Snapshot, logical: number, added: number, stored: number, tree: number) => {
    total += stored + tree;
    treeStored.push(tree);
    rows.push({
      snapshot_id: s.id, time: s.time, logical_bytes: logical, bytes_added: added, bytes_stored: stored,
      total_stored_bytes: total, monthly_cost_usd: monthlyCost(total, opts.pricePerGbMonth),
    });
  };
  if (!exact) {
    for (const s of snapshots) {
      const n = summaryNumbers(s)!;
      push(s, n.total_bytes, n.bytes_added, n.bytes_stored, n.tree_bytes_stored ?? 0);
    }
    return { rows, treeStored, exact, notes };
  }
  const walker = ReferenceWalker.create(repo, { progress: opts.progress, signal: opts.signal });
  try {
    const c = walker.counters;
    for (const s of snapshots) {
      const before = { raw: c.dataRaw, stored: c.dataStored, tree: c.treeStored };
      const logical = await walker.walk(Buffer.from(s.tree, 'hex') as BlobId);
      push(s, logical, c.dataRaw - before.raw, c.dataStored - before.stored, c.treeStored - before.tree);
    }
    if (c.missing) notes.push(`${c.missing} referenced blob(s) are not in the index: run 'snap check'`);
  } finally {
    await walker.close();
  }
  return { rows, treeStored, exact, notes };
}
