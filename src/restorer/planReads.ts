// Planning the reads of a restore batch (pure): which byte ranges of which packs to fetch so that every
// blob the batch's files need is read once — a chunk shared by several files (dedup) or needed twice
// by one file is fetched and decoded once — and neighbouring blobs of a pack come in one request
// (one read locally, one GET on S3) instead of one per blob.

import type { BlobId } from '../ids.js';
import type { BlobLocation } from '../pack/packReader.js';

/** Blobs of a pack closer than this are read together: reading the gap costs less than a request. */
export const READ_GAP_MAX = 256 * 1024;
/** A range is not grown past this length, so one read stays a bounded buffer. */
export const READ_RANGE_MAX = 8 * 1024 * 1024;

export interface PlanLimits {
  maxGap: number;
  maxRange: number;
}

/** One chunk of a file: its id and where the index says it is stored. */
export interface LocatedChunk {
  id: BlobId;
  loc: BlobLocation;
}

export interface ReadRange {
  packId: string;
  offset: number;
  length: number;
}

export interface PlannedBlob {
  id: BlobId;
  loc: BlobLocation;
  /** Index into ReadPlan.ranges. */
  range: number;
  /** Where the blob starts inside its range's bytes. */
  start: number;
}

export interface ReadPlan {
  /** Sorted by pack, then offset; disjoint. */
  ranges: ReadRange[];
  /** Each distinct blob once. */
  blobs: PlannedBlob[];
  /** Per input file, indices into `blobs`, in file order. */
  fileBlobs: number[][];
}

export function planReads(files: readonly (readonly LocatedChunk[])[], limits: PlanLimits = { maxGap: READ_GAP_MAX, maxRange: READ_RANGE_MAX }): ReadPlan {
  const blobs: PlannedBlob[] = [];
  const byLocation = new Map<string, number>();
  const fileBlobs = files.map((chunks) =>
    chunks.map(({ id, loc }) => {
      const key = `${loc.packId}:${loc.offset}`;
      let i = byLocation.get(key);
      if (i === undefined) {
        i = blobs.push({ id, loc, range: -1, start: 0 }) - 1;
        byLocation.set(key, i);
      }
      return i;
    }),
  );
  const order = blobs.map((_, i) => i);
  order.sort((a, b) => {
    const x = blobs[a]!.loc;
    const y = blobs[b]!.loc;
    return x.packId < y.packId ? -1 : x.packId > y.packId ? 1 : x.offset - y.offset;
  });
  const ranges: ReadRange[] = [];
  let cur: ReadRange | undefined;
  for (const i of order) {
    const b = blobs[i]!;
    const { packId, offset, storedLength } = b.loc;
    const end = offset + storedLength;
    const fits = cur && cur.packId === packId && offset - (cur.offset + cur.length) <= limits.maxGap && end - cur.offset <= limits.maxRange;
    if (!fits) {
      cur = { packId, offset, length: storedLength };
      ranges.push(cur);
    } else {
      cur!.length = Math.max(cur!.length, end - cur!.offset);
    }
    b.range = ranges.length - 1;
    b.start = offset - cur!.offset;
  }
  return { ranges, blobs, fileBlobs };
}
