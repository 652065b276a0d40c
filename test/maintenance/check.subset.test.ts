// Which packs --read-data-subset selects (pure): restic's n/m groups by the first id byte, and P %
// of the pack bytes, least recently verified first.

import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { parseDataSubset, selectPacks, type PackSize } from '../../src/maintenance/check/readDataSubset.js';

const packs: PackSize[] = Array.from({ length: 200 }, (_, i) => ({ id: randomBytes(32).toString('hex'), size: 1000 + i * 37 }));

describe('parseDataSubset', () => {
  it('reads n/m and percentages', () => {
    expect(parseDataSubset('1/5')).toEqual({ kind: 'group', n: 1, m: 5 });
    expect(parseDataSubset('256/256')).toEqual({ kind: 'group', n: 256, m: 256 });
    expect(parseDataSubset('10%')).toEqual({ kind: 'percent', percent: 10 });
    expect(parseDataSubset('2.5%')).toEqual({ kind: 'percent', percent: 2.5 });
  });
  it('refuses what it cannot mean', () => {
    for (const bad of ['0/5', '6/5', '1/257', '1/0', '0%', '100.1%', '10', '%', 'a/b', '']) expect(() => parseDataSubset(bad)).toThrow(/--read-data-subset/);
  });
});

describe('selectPacks', () => {
  it('n/m: the groups partition the packs, by first id byte modulo m', () => {
    for (const m of [1, 2, 3, 7, 256]) {
      const seen = new Map<string, number>();
      for (let n = 1; n <= m; n++) {
        for (const p of selectPacks(packs, { kind: 'group', n, m }, () => undefined)) {
          expect(parseInt(p.id.slice(0, 2), 16) % m).toBe(n - 1);
          seen.set(p.id, (seen.get(p.id) ?? 0) + 1);
        }
      }
      expect(seen.size).toBe(packs.length);
      expect([...seen.values()].every((c) => c === 1)).toBe(true);
    }
  });

  it('n/m: a pack keeps its group when others are added', () => {
    const more = [...packs, ...Array.from({ length: 50 }, () => ({ id: randomBytes(32).toString('hex'), size: 5 }))];
    const a = selectPacks(packs, { kind: 'group', n: 2, m: 5 }, () => undefined).map((p) => p.id);
    const b = new Set(selectPacks(more, { kind: 'group', n: 2, m: 5 }, () => undefined).map((p) => p.id));
    for (const id of a) expect(b.has(id)).toBe(true);
  });

  it('percent: takes the least recently verified first, until the share of bytes is reached', () => {
    const total = packs.reduce((n, p) => n + p.size, 0);
    const times = new Map<string, number>();
    // Half the packs verified at various times, half never.
    packs.forEach((p, i) => {
      if (i % 2) times.set(p.id, 1_000_000 + i);
    });
    const chosen = selectPacks(packs, { kind: 'percent', percent: 30 }, (id) => times.get(id));
    const bytes = chosen.reduce((n, p) => n + p.size, 0);
    expect(bytes).toBeGreaterThanOrEqual(total * 0.3);
    expect(bytes - Math.max(...chosen.map((p) => p.size))).toBeLessThan(total * 0.3); // no more than needed
    // Never-verified packs come first: with 30 % of bytes, none of the chosen was verified before.
    expect(chosen.every((p) => !times.has(p.id))).toBe(true);
  });

  it('percent: repeated runs walk through the whole repository', () => {
    const times = new Map<string, number>();
    const read = new Set<string>();
    for (let run = 0; run < 4; run++) {
      const chosen = selectPacks(packs, { kind: 'percent', percent: 25 }, (id) => times.get(id));
      for (const p of chosen) {
        times.set(p.id, run);
        read.add(p.id);
      }
    }
    expect(read.size).toBe(packs.length);
  });

  it('percent: at least one pack, even for a tiny share', () => {
    expect(selectPacks(packs, { kind: 'percent', percent: 0.0001 }, () => undefined).length).toBe(1);
  });
});
