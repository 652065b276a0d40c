// The compact id set that holds prune's used blobs, against a plain JS Set as the reference.

import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { IdSetBuilder, SortedIds } from '../../src/maintenance/prune/idSet.js';

describe('IdSetBuilder / SortedIds', () => {
  it('keeps each id once, sorted, across many runs and duplicates', () => {
    const b = new IdSetBuilder();
    const ref = new Set<string>();
    const ids: Buffer[] = [];
    // 300 k additions (several 64 Ki windows, so several runs and merges), a third of them repeats.
    for (let i = 0; i < 300_000; i++) {
      const id = i % 3 === 2 && ids.length > 0 ? ids[(i * 7919) % ids.length]! : randomBytes(32);
      if (i % 3 !== 2) ids.push(id);
      ref.add(id.toString('hex'));
      if (i % 2 === 0) b.addUnchecked(id);
      else b.add(id);
    }
    const set = b.finish();
    expect(set.count).toBe(ref.size);
    let sorted = true;
    for (let i = 1; i < set.count; i++) if (Buffer.compare(set.at(i - 1), set.at(i)) >= 0) sorted = false;
    expect(sorted).toBe(true);
    expect(ids.every((id) => set.has(id))).toBe(true);
    let falsePositives = 0;
    for (let i = 0; i < 20_000; i++) if (set.has(randomBytes(32))) falsePositives++;
    expect(falsePositives).toBe(0);
    // Positions follow the sort order: the smallest id of the reference set is at 0.
    expect(set.at(0).toString('hex')).toBe([...ref].sort()[0]);
    const pos = set.indexOf(ids[123]!);
    expect(set.at(pos).equals(ids[123]!)).toBe(true);
  });

  it('add() reports novelty exactly, also for ids already moved into older runs', () => {
    const b = new IdSetBuilder();
    const first: Buffer[] = [];
    for (let i = 0; i < 70_000; i++) {
      const id = randomBytes(32);
      first.push(id);
      expect(b.add(id)).toBe(true);
    }
    // The first 64 Ki ids are now in a sorted run, the rest in the window.
    expect(b.add(first[10]!)).toBe(false);
    expect(b.add(first[69_999]!)).toBe(false);
    expect(b.has(first[40_000]!)).toBe(true);
    expect(b.add(randomBytes(32))).toBe(true);
  });

  it('handles ids that share their first bytes (bucket edges) and the empty set', () => {
    const ids = [Buffer.alloc(32, 0), Buffer.alloc(32, 0xff), Buffer.concat([Buffer.from([0, 0]), Buffer.alloc(30, 1)])];
    const b = new IdSetBuilder();
    for (const id of ids) b.addUnchecked(id);
    const set = b.finish();
    expect(set.count).toBe(3);
    for (const id of ids) expect(set.has(id)).toBe(true);
    expect(set.has(Buffer.concat([Buffer.from([0, 0]), Buffer.alloc(30, 2)]))).toBe(false);
    const empty = SortedIds.empty();
    expect(empty.has(ids[0]!)).toBe(false);
  });
});
