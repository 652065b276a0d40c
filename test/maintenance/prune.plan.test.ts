// The pure prune plan (planPrune) and its option parsers, on hand-made pack summaries: every
// expected decision below follows from the rules in src/maintenance/prune/planPrune.ts, worked out
// by hand.

import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/errors.js';
import {
  maxUnusedBytes, parseMaxUnused, parseSize, planPrune, type PackSummary, type PrunePolicy,
} from '../../src/maintenance/prune/planPrune.js';

function pack(id: string, used: number, unused: number, extra: Partial<PackSummary> = {}): PackSummary {
  const blobs = 10;
  return {
    id: id.padEnd(64, '0'),
    state: 'indexed',
    size: used + unused + 100,
    blobs,
    usedBlobs: used > 0 ? Math.max(1, Math.round((blobs * used) / (used + unused))) : 0,
    usedBytes: used,
    unusedBytes: unused,
    hasTree: false,
    hasData: true,
    ...extra,
  };
}

const P5: PrunePolicy = { maxUnused: { kind: 'percent', percent: 5 } };
const actions = (plan: ReturnType<typeof planPrune>) => Object.fromEntries(plan.packs.map((d) => [d.id.slice(0, 2), d.action]));

describe('planPrune', () => {
  it('deletes unused and unindexed packs, drops missing ones, keeps fully used ones', () => {
    const plan = planPrune(
      [
        pack('aa', 1000, 0),
        pack('bb', 0, 500),
        pack('cc', 0, 700, { state: 'unindexed', blobs: 0 }),
        pack('dd', 0, 300, { state: 'missing', size: 0 }),
      ],
      P5,
    );
    expect(actions(plan)).toEqual({ aa: 'keep', bb: 'delete', cc: 'delete', dd: 'delete' });
    expect(plan.packs.map((d) => d.reason)).toEqual([
      'every blob in it is used',
      'no blob in it is used (10 unused)',
      'not in any index (left by an interrupted backup or prune)',
      'missing from data/: its index entries are dropped',
    ]);
    // Only packs that exist count towards the bytes deleted: bb (600) and cc (800).
    expect(plan.deleteBytes).toBe(600 + 800);
    expect(plan.unusedBytesAfter).toBe(0);
    expect(plan.nothingToDo).toBe(false);
  });

  it('repacks the most unused packs first, until the unused bytes are within --max-unused', () => {
    // used = 4 × 1000 = 4000 (+ the 1000-byte full pack) = 5000; 5 % allows 5/95 × 5000 = 263 bytes.
    // Unused before: 100 + 400 + 250 + 50 = 800. Shares: b 400/1400 = 28.6 %, c 250/1250 = 20 %,
    // a 100/1100 = 9.1 %, d 50/1050 = 4.8 %. Repack b (800 → 400 left), then c (→ 150 ≤ 263): stop.
    const plan = planPrune(
      [pack('a1', 1000, 100), pack('b1', 1000, 400), pack('c1', 1000, 250), pack('d1', 1000, 50), pack('e1', 1000, 0)],
      P5,
    );
    expect(plan.usedBytes).toBe(5000);
    expect(plan.maxUnusedBytes).toBe(263);
    expect(actions(plan)).toEqual({ a1: 'keep', b1: 'repack', c1: 'repack', d1: 'keep', e1: 'keep' });
    expect(plan.unusedBytesBefore).toBe(800);
    expect(plan.unusedBytesAfter).toBe(150);
    expect(plan.repackBytes).toBe(1500 + 1350);
    expect(plan.repackUsedBytes).toBe(2000);
    const reasons = Object.fromEntries(plan.packs.map((d) => [d.id.slice(0, 2), d.reason]));
    expect(reasons.b1).toMatch(/^28\.6% unused/);
    expect(reasons.a1).toBe('9.1% unused; the repository is within --max-unused');
  });

  it('repacks every partly used pack with --max-unused 0, none with unlimited', () => {
    const packs = [pack('a1', 1000, 1), pack('b1', 1000, 400)];
    expect(actions(planPrune(packs, { maxUnused: { kind: 'percent', percent: 0 } }))).toEqual({ a1: 'repack', b1: 'repack' });
    const unlimited = planPrune(packs, { maxUnused: { kind: 'unlimited' } });
    expect(actions(unlimited)).toEqual({ a1: 'keep', b1: 'keep' });
    expect(unlimited.nothingToDo).toBe(true);
  });

  it('respects --max-repack-size, and then still takes smaller packs that fit', () => {
    // Order: b1 (28.6 %, size 1500), c1 (20 %, 1350), a1 (9.1 %, 1200). Limit 2700: b1 fits (1500),
    // c1 would make 2850 > 2700 → kept; a1 makes 2700 ≤ 2700 → repacked.
    const plan = planPrune([pack('a1', 1000, 100), pack('b1', 1000, 400), pack('c1', 1000, 250)], {
      maxUnused: { kind: 'percent', percent: 0 },
      maxRepackBytes: 2700,
    });
    expect(actions(plan)).toEqual({ a1: 'repack', b1: 'repack', c1: 'keep' });
    expect(plan.repackBytes).toBe(2700);
    expect(plan.packs.find((d) => d.id.startsWith('c1'))!.reason).toMatch(/--max-repack-size/);
  });

  it('with a byte limit, stops as soon as the unused bytes fit', () => {
    const plan = planPrune([pack('a1', 1000, 300), pack('b1', 1000, 200)], { maxUnused: { kind: 'bytes', bytes: 250 } });
    // a1 first (23 %): 500 → 200 ≤ 250.
    expect(actions(plan)).toEqual({ a1: 'repack', b1: 'keep' });
  });

  it('plans nothing for a clean repository, and lists decisions sorted by pack id', () => {
    const plan = planPrune([pack('ff', 10, 0), pack('0a', 10, 0)], P5);
    expect(plan.nothingToDo).toBe(true);
    expect(plan.packs.map((d) => d.id.slice(0, 2))).toEqual(['0a', 'ff']);
  });
});

describe('prune options', () => {
  it("reads --max-unused as restic does: P % allows P/(100-P) of the used bytes", () => {
    expect(parseMaxUnused('5')).toEqual({ kind: 'percent', percent: 5 });
    expect(parseMaxUnused('5%')).toEqual({ kind: 'percent', percent: 5 });
    expect(parseMaxUnused('unlimited')).toEqual({ kind: 'unlimited' });
    expect(parseMaxUnused('10M')).toEqual({ kind: 'bytes', bytes: 10 * 1024 * 1024 });
    expect(maxUnusedBytes({ kind: 'percent', percent: 5 }, 9500)).toBe(500);
    expect(maxUnusedBytes({ kind: 'percent', percent: 50 }, 1000)).toBe(1000);
    expect(() => parseMaxUnused('100%')).toThrow(InvalidArgumentError);
    expect(() => parseMaxUnused('lots')).toThrow(/--max-unused 'lots'/);
  });

  it('reads sizes with binary units', () => {
    expect(parseSize('1048576', '--max-repack-size')).toBe(1048576);
    expect(parseSize('500k', 'x')).toBe(500 * 1024);
    expect(parseSize('2G', 'x')).toBe(2 * 1024 ** 3);
    expect(parseSize('1.5M', 'x')).toBe(1.5 * 1024 ** 2);
    expect(() => parseSize('-3', '--max-repack-size')).toThrow(/--max-repack-size '-3'/);
  });
});
