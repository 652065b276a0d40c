// The prune plan, pure: from what each pack holds (used and unused bytes, per scanIndex), decide for
// every pack whether it is deleted, repacked or kept, and say why. No I/O; executePrune carries the
// plan out in the order the invariants require.
//
// - A pack with no used blob is deleted; so is a pack no index names (left by a killed run). An
//   index entry whose pack is gone from data/ is dropped from the index.
// - A partly used pack is repacked (its used blobs copied to a new pack, the old one deleted) while
//   the repository's unused bytes exceed --max-unused, the most unused packs first (by share of the
//   pack that is unused: they free the most per byte copied), and while the bytes to repack stay
//   within --max-repack-size.
// - --max-unused has restic's meaning: P % allows P/(100-P) × the used bytes, i.e. after prune the
//   unused bytes are at most P % of the bytes that remain. A byte size or "unlimited" also works.

import { InvalidArgumentError } from '../../errors.js';

export type PackState = 'indexed' | 'missing' | 'unindexed';
export type PackAction = 'delete' | 'repack' | 'keep' | 'condemn';

export interface PackSummary {
  id: string;
  /** indexed: in an index file and in data/; missing: indexed but not in data/; unindexed: the reverse. */
  state: PackState;
  /** Bytes of the pack file (0 when missing). */
  size: number;
  blobs: number;
  /** Blobs (and their stored bytes) that a remaining snapshot needs and that this pack's copy serves. */
  usedBlobs: number;
  usedBytes: number;
  /** Stored bytes of the other blobs: unreferenced, or a second copy of a blob served elsewhere. */
  unusedBytes: number;
  hasTree: boolean;
  hasData: boolean;
}

export type MaxUnused = { kind: 'percent'; percent: number } | { kind: 'bytes'; bytes: number } | { kind: 'unlimited' };

export interface PrunePolicy {
  maxUnused: MaxUnused;
  /** Stop choosing packs to repack once their total size would exceed this. */
  maxRepackBytes?: number;
}

export interface PackDecision {
  id: string;
  action: PackAction;
  reason: string;
  state: PackState;
  size: number;
  usedBlobs: number;
  usedBytes: number;
  unusedBytes: number;
  /** Set when S3 Object Lock holds a pack the plan would delete or repack (retained.ts): ISO-8601. */
  retainedUntil?: string;
}

export interface PrunePlan {
  /** One decision per pack, sorted by pack id. */
  packs: PackDecision[];
  /** Stored bytes of used blobs in the whole repository. */
  usedBytes: number;
  /** Unused bytes in packs that exist, before and (planned) after. */
  unusedBytesBefore: number;
  unusedBytesAfter: number;
  /** What --max-unused allows for these used bytes. */
  maxUnusedBytes: number;
  /** Pack files to delete outright, and to repack (their whole size), in bytes. */
  deleteBytes: number;
  repackBytes: number;
  /** Used bytes that repacking copies into new packs. */
  repackUsedBytes: number;
  /** True when no pack is deleted or repacked and no index entry dropped. */
  nothingToDo: boolean;
}

export const DEFAULT_MAX_UNUSED: MaxUnused = { kind: 'percent', percent: 5 };
const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/** A byte size as restic reads it: a whole number with an optional k/m/g/t suffix (binary units), e.g. 500M. */
export function parseSize(s: string, option: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgtb]?)(?:i?b)?$/i.exec(String(s).trim());
  if (!m) throw new InvalidArgumentError(`invalid ${option} '${s}': expected a size such as 500M, 2G or 1048576`);
  return Math.floor(Number(m[1]) * SIZE_UNITS[m[2]!.toLowerCase()]!);
}

/** --max-unused: "5" or "5%" (percent), "unlimited", or a byte size with a unit ("100M"). */
export function parseMaxUnused(s: string): MaxUnused {
  const text = String(s).trim();
  if (text === 'unlimited') return { kind: 'unlimited' };
  const pct = /^(\d+(?:\.\d+)?)%?$/.exec(text);
  if (pct) {
    const percent = Number(pct[1]);
    if (!(percent >= 0 && percent < 100)) throw new InvalidArgumentError(`invalid --max-unused '${s}': a percentage must be at least 0 and below 100`);
    return { kind: 'percent', percent };
  }
  return { kind: 'bytes', bytes: parseSize(text, '--max-unused') };
}

/** The unused bytes allowed to remain next to `usedBytes` of used data. */
export function maxUnusedBytes(m: MaxUnused, usedBytes: number): number {
  if (m.kind === 'unlimited') return Number.POSITIVE_INFINITY;
  if (m.kind === 'bytes') return m.bytes;
  return Math.floor((m.percent / (100 - m.percent)) * usedBytes);
}

const percentOf = (part: number, whole: number): string => `${whole > 0 ? Math.round((part / whole) * 1000) / 10 : 0}%`;

export function planPrune(packs: readonly PackSummary[], policy: PrunePolicy): PrunePlan {
  const decisions = new Map<string, PackDecision>();
  const decide = (p: PackSummary, action: PackAction, reason: string): void => {
    decisions.set(p.id, {
      id: p.id, action, reason, state: p.state, size: p.size, usedBlobs: p.usedBlobs, usedBytes: p.usedBytes, unusedBytes: p.unusedBytes,
    });
  };

  let usedBytes = 0;
  let unusedBefore = 0;
  let deleteBytes = 0;
  const candidates: PackSummary[] = [];
  for (const p of packs) {
    if (p.state !== 'missing') unusedBefore += p.unusedBytes;
    usedBytes += p.usedBytes;
    if (p.state === 'unindexed') {
      decide(p, 'delete', 'not in any index (left by an interrupted backup or prune)');
      deleteBytes += p.size;
    } else if (p.state === 'missing') {
      decide(p, 'delete', 'missing from data/: its index entries are dropped');
    } else if (p.usedBlobs === 0) {
      decide(p, 'delete', `no blob in it is used (${p.blobs} unused)`);
      deleteBytes += p.size;
    } else if (p.unusedBytes === 0) {
      decide(p, 'keep', 'every blob in it is used');
    } else {
      candidates.push(p);
    }
  }

  const limit = maxUnusedBytes(policy.maxUnused, usedBytes);
  let unusedAfter = candidates.reduce((n, p) => n + p.unusedBytes, 0);
  let repackBytes = 0;
  let repackUsedBytes = 0;
  // Most unused first: the share of the pack that is unused, then the unused bytes, then the id.
  const ordered = [...candidates].sort(
    (a, b) =>
      b.unusedBytes * (a.usedBytes + a.unusedBytes) - a.unusedBytes * (b.usedBytes + b.unusedBytes) ||
      b.unusedBytes - a.unusedBytes ||
      (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
  for (const p of ordered) {
    const share = percentOf(p.unusedBytes, p.usedBytes + p.unusedBytes);
    if (unusedAfter <= limit) {
      decide(p, 'keep', `${share} unused; the repository is within --max-unused`);
    } else if (policy.maxRepackBytes !== undefined && repackBytes + p.size > policy.maxRepackBytes) {
      decide(p, 'keep', `${share} unused; repacking it would exceed --max-repack-size`);
    } else {
      decide(p, 'repack', `${share} unused (${p.blobs - p.usedBlobs} of ${p.blobs} blobs)`);
      repackBytes += p.size;
      repackUsedBytes += p.usedBytes;
      unusedAfter -= p.unusedBytes;
    }
  }

  const sorted = [...decisions.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return {
    packs: sorted,
    usedBytes,
    unusedBytesBefore: unusedBefore,
    unusedBytesAfter: unusedAfter,
    maxUnusedBytes: limit,
    deleteBytes,
    repackBytes,
    repackUsedBytes,
    nothingToDo: sorted.every((d) => d.action === 'keep'),
  };
}
