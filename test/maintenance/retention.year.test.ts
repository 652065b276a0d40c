// A simulated year: a nightly backup at 02:00 local time (+01:00) every day of 2026, plus a few
// extra snapshots, under the usual policy --keep-daily 7 --keep-weekly 4 --keep-monthly 12.
//
// Worked out by hand, walking newest first (2026-12-31 is a Thursday; 2026 has 53 ISO weeks,
// W53 = Mon Dec 28 .. Sun Jan 3, W52 = Dec 21..27, W51 = Dec 14..20, W50 = Dec 7..13):
//
//   Dec 31 14:00 (extra)  daily 1, weekly 1 (W53), monthly 1 (Dec)    → kept [daily, weekly, monthly]
//   Dec 31 02:00          same day, week and month                    → removed
//   Dec 30, 29, 28        daily 2, 3, 4 (Dec 28 is Monday, still W53) → kept [daily]
//   Dec 27 20:00 (extra)  daily 5, weekly 2 (W52, Sunday)             → kept [daily, weekly]
//   Dec 27 02:00          same day and week                           → removed
//   Dec 26, 25            daily 6, 7 — daily used up                  → kept [daily]
//   Dec 24 .. 21          W52 already has its snapshot                → removed
//   Dec 20 (Sunday)       weekly 3 (W51)                              → kept [weekly]
//   Dec 13 (Sunday)       weekly 4 (W50) — weekly used up             → kept [weekly]
//   Nov 30 23:30 (extra)  monthly 2 (the newest of November)          → kept [monthly]
//   Oct 31, Sep 30, Aug 31, Jul 31, Jun 30, May 31, Apr 30, Mar 31, Feb 28, Jan 31
//                         monthly 3 .. 12 — monthly used up           → kept [monthly]
//   Jan 1 (the oldest)    every count is 0, so not kept as the oldest → removed
//
// Two extras test the local-time rule: Oct 1 00:30 +01:00 is Sep 30 23:30 in UTC. By local time
// it is in October (whose newest is Oct 31), so September's monthly snapshot is Sep 30 02:00. By
// UTC it would have displaced Sep 30 02:00. Jun 15 12:00 is an ordinary extra that goes.
//
// 20 kept: 7 daily (two also weekly, one also monthly), 2 weekly only, 11 monthly only.

import { describe, expect, it } from 'vitest';
import { planRetention, type PolicySnapshot } from '../../src/maintenance/retention/index.js';

const OFFSET = '+01:00';
const YEAR = 2026;
const DAYS_IN_2026 = 365;
const MS_PER_DAY = 86_400_000;

function isoDate(dayOfYear: number): string {
  return new Date(Date.UTC(YEAR, 0, 1) + dayOfYear * MS_PER_DAY).toISOString().slice(0, 10);
}

const nightly: PolicySnapshot[] = Array.from({ length: DAYS_IN_2026 }, (_, i) => {
  const date = isoDate(i);
  return { id: `${date} 02:00`, time: `${date}T02:00:00${OFFSET}`, hostname: 'nas', paths: ['/data'], tags: [] };
});
const extras: PolicySnapshot[] = ['2026-12-31 14:00', '2026-12-27 20:00', '2026-11-30 23:30', '2026-10-01 00:30', '2026-06-15 12:00'].map(
  (id) => ({ id, time: `${id.replace(' ', 'T')}:00${OFFSET}`, hostname: 'nas', paths: ['/data'], tags: [] }),
);

const D = 'daily snapshot';
const W = 'weekly snapshot';
const M = 'monthly snapshot';

const EXPECTED: Array<[string, string[]]> = [
  ['2026-12-31 14:00', [D, W, M]],
  ['2026-12-30 02:00', [D]],
  ['2026-12-29 02:00', [D]],
  ['2026-12-28 02:00', [D]],
  ['2026-12-27 20:00', [D, W]],
  ['2026-12-26 02:00', [D]],
  ['2026-12-25 02:00', [D]],
  ['2026-12-20 02:00', [W]],
  ['2026-12-13 02:00', [W]],
  ['2026-11-30 23:30', [M]],
  ['2026-10-31 02:00', [M]],
  ['2026-09-30 02:00', [M]],
  ['2026-08-31 02:00', [M]],
  ['2026-07-31 02:00', [M]],
  ['2026-06-30 02:00', [M]],
  ['2026-05-31 02:00', [M]],
  ['2026-04-30 02:00', [M]],
  ['2026-03-31 02:00', [M]],
  ['2026-02-28 02:00', [M]],
  ['2026-01-31 02:00', [M]],
];

describe('a simulated year of nightly snapshots', () => {
  const all = [...extras, ...nightly];

  it('has the snapshots it should (365 nights + 5 extras)', () => {
    expect(all).toHaveLength(370);
    expect(nightly[0].id).toBe('2026-01-01 02:00');
    expect(nightly[DAYS_IN_2026 - 1].id).toBe('2026-12-31 02:00');
  });

  it('--keep-daily 7 --keep-weekly 4 --keep-monthly 12 keeps exactly the hand-worked table', () => {
    const plans = planRetention(all, { daily: 7, weekly: 4, monthly: 12 }, ['host', 'paths'], {
      now: new Date('2027-01-01T12:00:00Z'),
    });
    expect(plans).toHaveLength(1);
    const [plan] = plans;
    expect(plan.key).toEqual({ hostname: 'nas', paths: ['/data'] });
    expect(plan.keep.map((k) => [k.id, k.reasons])).toEqual(EXPECTED);
    expect(plan.remove).toHaveLength(all.length - EXPECTED.length);
    const removed = new Set(plan.remove.map((r) => r.id));
    for (const id of ['2026-12-31 02:00', '2026-12-27 02:00', '2026-10-01 00:30', '2026-06-15 12:00', '2026-01-01 02:00']) {
      expect(removed.has(id)).toBe(true);
    }
  });
});
