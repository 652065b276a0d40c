// maintenance/report owns `snap report`: gathering the numbers (this file) and rendering the page
// (renderReport.ts, svgCharts.ts).
//
// The numbers behind `snap report`: the growth rows (see stats/growth.ts), what the repository stores
// now, and the largest files that the latest snapshot added or changed (a diff against the snapshot
// before it, which skips every unchanged subtree, so it costs what changed). On S3, what this host's
// commands cost in requests comes from the caller (the CLI keeps that record), as it is.

import type { RequestSummary } from '../../backend/requestCounts.js';
import type { Repository } from '../../repository/repository.js';
import type { Snapshot } from '../../repository/snapshotRecord.js';
import { EntryType } from '../../tree/index.js';
import { diffSnapshots } from '../diff/diffSnapshots.js';
import { growth, type GrowthRow } from '../stats/growth.js';
import { packBytes } from '../stats/packSizes.js';
import type { WalkProgress } from '../stats/referenceWalker.js';

/** Files listed under "largest new files of the latest snapshot". */
export const LARGEST_FILES = 10;
/** Snapshots listed under "largest additions". */
export const LARGEST_SNAPSHOTS = 10;

export interface LargeFile {
  path: string;
  size: number;
  kind: 'added' | 'modified';
}

export interface ReportData {
  generated: string;
  location: string;
  repositoryId: string;
  pricePerGbMonth: number;
  storedBytes: number;
  packs: number;
  exact: boolean;
  notes: string[];
  snapshots: Snapshot[];
  rows: GrowthRow[];
  /** Per row, tree metadata stored (part of total_stored_bytes). */
  treeStored: number[];
  latest: { id: string; against: string | null; files: LargeFile[] } | null;
  /** This host's S3 requests of the last days and their cost; null (or absent) for a local repository. */
  requests?: RequestSummary | null;
}

export interface ReportOptions {
  pricePerGbMonth: number;
  exact?: boolean;
  /** This host's S3 requests (stats' `requests_30_days`), shown as they are. */
  requests?: RequestSummary | null;
  progress?: (p: WalkProgress) => void;
  signal?: AbortSignal;
}

export async function gatherReport(repo: Repository, snapshots: Snapshot[], opts: ReportOptions): Promise<ReportData> {
  const g = await growth(repo, snapshots, opts);
  const stored = await packBytes(repo);
  const latest = snapshots[snapshots.length - 1];
  return {
    generated: new Date().toISOString(),
    location: repo.location,
    repositoryId: repo.config.id,
    pricePerGbMonth: opts.pricePerGbMonth,
    storedBytes: stored.bytes,
    packs: stored.packs,
    exact: g.exact,
    notes: g.notes,
    snapshots,
    rows: g.rows,
    treeStored: g.treeStored,
    latest: latest ? await largestNewFiles(repo, snapshots, latest, opts.signal) : null,
    requests: opts.requests ?? null,
  };
}

/** The snapshot `latest` is best compared with: its parent, else the newest earlier one of the same host and paths. */
function previousOf(snapshots: Snapshot[], latest: Snapshot): Snapshot | null {
  const parent = snapshots.find((s) => s.id === latest.parent);
  if (parent) return parent;
  const key = (s: Snapshot) => `${s.hostname}\0${[...s.paths].sort().join('\0')}`;
  const earlier = snapshots.filter((s) => s !== latest && key(s) === key(latest) && Date.parse(s.time) <= Date.parse(latest.time));
  return earlier[earlier.length - 1] ?? null;
}

async function largestNewFiles(repo: Repository, snapshots: Snapshot[], latest: Snapshot, signal?: AbortSignal): Promise<ReportData['latest']> {
  const prev = previousOf(snapshots, latest);
  const top: LargeFile[] = []; // sorted by size, largest first, at most LARGEST_FILES
  await diffSnapshots(repo, prev, latest, {
    signal,
    onItem: (it) => {
      if (it.type !== EntryType.File || (it.kind !== 'added' && it.kind !== 'modified')) return;
      if (top.length === LARGEST_FILES && it.size <= top[top.length - 1]!.size) return;
      const f: LargeFile = { path: it.path.toString('utf8'), size: it.size, kind: it.kind };
      const at = top.findIndex((t) => t.size < f.size);
      top.splice(at < 0 ? top.length : at, 0, f);
      if (top.length > LARGEST_FILES) top.pop();
    },
  });
  return { id: latest.id, against: prev?.id ?? null, files: top };
}
