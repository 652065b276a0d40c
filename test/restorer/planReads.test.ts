// planReads: every blob a batch needs is read once, neighbours in a pack share one range (gap and
// length limits), and each file gets back its blobs in file order.

import { describe, expect, it } from 'vitest';
import { planReads, READ_GAP_MAX, READ_RANGE_MAX, type LocatedChunk } from '../../src/restorer/planReads.js';
import type { BlobId } from '../../src/ids.js';
import { Codec } from '../../src/pack/codec.js';

const PACK_A = 'a'.repeat(64);
const PACK_B = 'b'.repeat(64);

let nextId = 0;
/** A chunk stored at `offset` in `packId`, `storedLength` bytes. */
function chunk(packId: string, offset: number, storedLength: number): LocatedChunk {
  const id = Buffer.alloc(32);
  id.writeUInt32BE(nextId++);
  return { id: id as BlobId, loc: { packId, offset, storedLength, rawLength: storedLength, codec: Codec.Raw } };
}

/** The bytes of each planned blob, as [pack, first, end], per file — what the worker would read. */
function fileExtents(files: LocatedChunk[][]): Array<Array<[string, number, number]>> {
  const plan = planReads(files);
  return plan.fileBlobs.map((blobs) =>
    blobs.map((i) => {
      const b = plan.blobs[i]!;
      const r = plan.ranges[b.range]!;
      expect(r.packId).toBe(b.loc.packId);
      expect(b.start + b.loc.storedLength).toBeLessThanOrEqual(r.length);
      return [r.packId, r.offset + b.start, r.offset + b.start + b.loc.storedLength];
    }),
  );
}

describe('planReads', () => {
  it('coalesces neighbouring blobs of a pack into one range, in offset order, whatever the file order', () => {
    const c1 = chunk(PACK_A, 32, 100);
    const c2 = chunk(PACK_A, 132, 50);
    const c3 = chunk(PACK_A, 182 + 1000, 70); // a small gap: still one range
    const plan = planReads([[c3], [c1, c2]]);
    expect(plan.ranges).toEqual([{ packId: PACK_A, offset: 32, length: 182 + 1000 + 70 - 32 }]);
    expect(plan.blobs).toHaveLength(3);
    expect(fileExtents([[c3], [c1, c2]])).toEqual([
      [[PACK_A, 1182, 1252]],
      [
        [PACK_A, 32, 132],
        [PACK_A, 132, 182],
      ],
    ]);
  });

  it('starts a new range when the gap exceeds the limit (the gap is not read)', () => {
    const c1 = chunk(PACK_A, 32, 100);
    const atLimit = chunk(PACK_A, 132 + READ_GAP_MAX, 10);
    const past = chunk(PACK_A, 132 + READ_GAP_MAX + 10 + READ_GAP_MAX + 1, 10);
    const plan = planReads([[c1, atLimit, past]]);
    expect(plan.ranges.map((r) => [r.offset, r.length])).toEqual([
      [32, 100 + READ_GAP_MAX + 10],
      [132 + 2 * READ_GAP_MAX + 11, 10],
    ]);
  });

  it('caps a range at the length limit; a blob bigger than the cap gets a range of its own', () => {
    const limits = { maxGap: 16, maxRange: 1000 };
    const chunks = Array.from({ length: 25 }, (_, i) => chunk(PACK_A, 32 + i * 100, 100));
    const huge = chunk(PACK_A, 32 + 25 * 100, 5000);
    const plan = planReads([[...chunks, huge]], limits);
    expect(plan.ranges.map((r) => r.length)).toEqual([1000, 1000, 500, 5000]);
    for (const r of plan.ranges) expect(r.length <= limits.maxRange || r.length === 5000).toBe(true);
    // Still every blob, in file order.
    expect(plan.fileBlobs[0]!.map((i) => plan.blobs[i]!.loc.offset)).toEqual([...chunks, huge].map((c) => c.loc.offset));
  });

  it('reads a chunk once when several files, or one file twice, need it (dedup)', () => {
    const shared = chunk(PACK_A, 32, 100);
    const own = chunk(PACK_A, 132, 100);
    const again = { ...shared }; // the same blob, looked up again for another file
    const plan = planReads([[shared, own, shared], [again], [again, again]]);
    expect(plan.blobs).toHaveLength(2);
    expect(plan.ranges).toEqual([{ packId: PACK_A, offset: 32, length: 200 }]);
    const s = plan.fileBlobs[0]![0]!;
    expect(plan.fileBlobs).toEqual([[s, plan.fileBlobs[0]![1]!, s], [s], [s, s]]);
  });

  it('a file spanning several packs gets its blobs back in file order, one range per pack region', () => {
    const b1 = chunk(PACK_B, 32, 10);
    const a1 = chunk(PACK_A, 500, 10);
    const b2 = chunk(PACK_B, 42, 10);
    const a2 = chunk(PACK_A, 32, 10);
    const plan = planReads([[b1, a1, b2, a2]]);
    expect(plan.ranges).toEqual([
      { packId: PACK_A, offset: 32, length: 478 },
      { packId: PACK_B, offset: 32, length: 20 },
    ]);
    expect(fileExtents([[b1, a1, b2, a2]])).toEqual([
      [
        [PACK_B, 32, 42],
        [PACK_A, 500, 510],
        [PACK_B, 42, 52],
        [PACK_A, 32, 42],
      ],
    ]);
  });

  it('plans nothing for empty files and keeps their place', () => {
    const c = chunk(PACK_A, 32, 10);
    const plan = planReads([[], [c], []]);
    expect(plan.fileBlobs.map((f) => f.length)).toEqual([0, 1, 0]);
    expect(plan.ranges).toHaveLength(1);
    expect(planReads([])).toEqual({ ranges: [], blobs: [], fileBlobs: [] });
  });

  it('the defaults are the named limits', () => {
    const far = [chunk(PACK_A, 32, 10), chunk(PACK_A, 32 + 10 + READ_GAP_MAX + 1, 10)];
    expect(planReads([far]).ranges).toHaveLength(2);
    const many = Array.from({ length: 9 }, (_, i) => chunk(PACK_A, 32 + i * 1024 * 1024, 1024 * 1024));
    expect(planReads([many]).ranges.map((r) => r.length)).toEqual([READ_RANGE_MAX, 1024 * 1024]);
  });
});
