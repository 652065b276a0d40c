// Two-phase prune, the pure parts: the condemned-object format and deferDeletes, on hand-made plans.
// Each expectation follows from the rules in src/maintenance/prune/deferDeletes.ts.

import { describe, expect, it } from 'vitest';
import { IntegrityError, UnsupportedFormatError } from '../../src/errors.js';
import { decodeCondemned, encodeCondemned } from '../../src/maintenance/prune/condemnedFormat.js';
import { deferDeletes } from '../../src/maintenance/prune/deferDeletes.js';
import type { Mark } from '../../src/maintenance/prune/condemned.js';
import { planPrune, type PackSummary } from '../../src/maintenance/prune/planPrune.js';
import { encodeIndex } from '../../src/blobindex/indexFormat.js';

const id = (c: string) => c.repeat(64);
const HOUR = 3600_000;

function pack(c: string, used: number, unused: number, extra: Partial<PackSummary> = {}): PackSummary {
  return {
    id: id(c), state: 'indexed', size: used + unused + 100, blobs: 4, usedBlobs: used > 0 ? 2 : 0, usedBytes: used, unusedBytes: unused,
    hasTree: false, hasData: true, ...extra,
  };
}

const plan = planPrune(
  [pack('a', 0, 1000), pack('b', 0, 1000), pack('c', 0, 1000), pack('d', 1000, 0), pack('e', 100, 5000), pack('f', 0, 900, { state: 'unindexed' })],
  { maxUnused: { kind: 'percent', percent: 5 } },
);
const NOW = 1_800_000_000_000;
const marks = new Map<string, Mark>([
  [id('b'), { packId: id('b'), markedAt: NOW - 25 * HOUR, graceMs: 24 * HOUR }], // expired
  [id('c'), { packId: id('c'), markedAt: NOW - 1 * HOUR, graceMs: 24 * HOUR }], // waiting
  [id('d'), { packId: id('d'), markedAt: NOW - 30 * HOUR, graceMs: 24 * HOUR }], // used again
  [id('9'), { packId: id('9'), markedAt: NOW - 30 * HOUR, graceMs: 24 * HOUR }], // gone from the repository
]);
const act = (p: ReturnType<typeof deferDeletes>) => Object.fromEntries(p.plan.packs.map((d) => [d.id[0], d.action]));

describe('deferDeletes', () => {
  it('condemns new unused packs, deletes expired ones, keeps waiting ones, recovers used ones', () => {
    const d = deferDeletes(plan, marks, { instant: false, now: NOW });
    expect(act(d)).toEqual({ a: 'condemn', b: 'delete', c: 'keep', d: 'keep', e: 'repack', f: 'condemn' });
    // The repacked pack is condemned too (its blobs are copied, the pack stays until its grace ends).
    expect(d.newMarks.sort()).toEqual([id('a'), id('e'), id('f')]);
    expect([...d.dropMarks].sort()).toEqual([id('9'), id('b'), id('d')]);
    expect(d.waiting).toBe(1);
    expect(d.plan.packs.find((p) => p.id === id('d'))!.reason).toMatch(/recovered/);
    expect(d.plan.deleteBytes).toBe(1100);
    expect(d.plan.nothingToDo).toBe(false);
  });

  it('a mark expires exactly at marked-at + grace (storage time), not before', () => {
    const m = new Map([[id('a'), { packId: id('a'), markedAt: NOW - HOUR, graceMs: HOUR }]]);
    expect(act(deferDeletes(plan, m, { instant: false, now: NOW - 1 }))['a']).toBe('keep');
    expect(act(deferDeletes(plan, m, { instant: false, now: NOW }))['a']).toBe('delete');
  });

  it('--instant-delete deletes everything planned at once and drops the marks of what it deletes', () => {
    const d = deferDeletes(plan, marks, { instant: true, now: NOW });
    expect(act(d)).toEqual({ a: 'delete', b: 'delete', c: 'delete', d: 'keep', e: 'repack', f: 'delete' });
    expect(d.newMarks).toEqual([]);
    expect([...d.dropMarks].sort()).toEqual([id('9'), id('b'), id('c'), id('d')]);
  });

  it('nothing to do only when no pack changes and no mark changes', () => {
    const quiet = planPrune([pack('d', 1000, 0)], { maxUnused: { kind: 'unlimited' } });
    expect(deferDeletes(quiet, new Map(), { instant: false, now: NOW }).plan.nothingToDo).toBe(true);
    expect(deferDeletes(quiet, marks, { instant: false, now: NOW }).plan.nothingToDo).toBe(false);
  });
});

describe('condemned object format', () => {
  const entries = [
    { packId: id('a'), markedAt: 0, graceMs: 24 * HOUR },
    { packId: id('b'), markedAt: NOW, graceMs: 1000 },
  ];

  it('round-trips', () => {
    expect(decodeCondemned(encodeCondemned(entries), 'x')).toEqual(entries);
  });

  it('refuses damaged or foreign bytes with a clear error', () => {
    const buf = encodeCondemned(entries);
    expect(() => decodeCondemned(buf.subarray(0, buf.length - 1), 'x')).toThrow(IntegrityError);
    expect(() => decodeCondemned(Buffer.concat([buf, Buffer.alloc(1)]), 'x')).toThrow(IntegrityError);
    const huge = Buffer.from(buf);
    huge.writeUInt32LE(0xffffffff, 1);
    expect(() => decodeCondemned(huge, 'x')).toThrow(IntegrityError);
    // An index file moved into condemned/ does not decode as marks.
    expect(() => decodeCondemned(encodeIndex([]), 'x')).toThrow(UnsupportedFormatError);
  });
});
