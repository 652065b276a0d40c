// The retention policy on small, hand-worked cases: each expected set below was worked out from
// the calendar by hand (the reasoning sits beside each case), not produced by running the code.
// restic's own golden cases are in retention.restic.test.ts, a simulated year in
// retention.year.test.ts, parsing in retention.parse.test.ts.

import { describe, expect, it } from 'vitest';
import { IntegrityError, InvalidArgumentError, NotFoundError } from '../../src/errors.js';
import {
  DEFAULT_GROUP_BY,
  planForgetIds,
  planRetention,
  type GroupPlan,
  type PolicySnapshot,
  type RetentionPolicy,
} from '../../src/maintenance/retention/index.js';

/** Far after every snapshot here, so --keep-within anchors at the newest snapshot. */
const NOW = new Date('2030-01-01T00:00:00Z');

function snap(id: string, time: string, extra: Partial<PolicySnapshot> = {}): PolicySnapshot {
  return { id, time, hostname: 'host', paths: ['/home'], tags: [], ...extra };
}

/** Kept ids (newest first) with their reasons, and the removed ids. */
function summary(plan: GroupPlan): { keep: Record<string, string[]>; remove: string[] } {
  return {
    keep: Object.fromEntries(plan.keep.map((k) => [k.id, k.reasons])),
    remove: plan.remove.map((r) => r.id),
  };
}

function planOne(snapshots: PolicySnapshot[], policy: RetentionPolicy, now = NOW): GroupPlan {
  const plans = planRetention(snapshots, policy, DEFAULT_GROUP_BY, { now });
  expect(plans).toHaveLength(1);
  return plans[0];
}

// Ten snapshots around the turn of 2026/2027, all at +01:00. Calendar facts used below:
// 2026-12-31 is a Thursday. 2026 began on a Thursday, so it has 53 ISO weeks: week 2026-W53 runs
// Mon 2026-12-28 .. Sun 2027-01-03, and 2027-W01 starts Mon 2027-01-04. Dec 27 and Dec 20 2026
// are Sundays (ends of W52 and W51).
const YEAR_END: PolicySnapshot[] = [
  snap('a', '2026-11-15T10:00:00+01:00', { tags: ['archive'] }), // Sun, W46, Nov
  snap('b', '2026-11-30T10:00:00+01:00'), // Mon, W49, Nov
  snap('c', '2026-12-20T10:00:00+01:00', { tags: ['manual', 'pre-upgrade'] }), // Sun, W51
  snap('d', '2026-12-27T09:00:00+01:00'), // Sun, W52
  snap('e', '2026-12-27T18:00:00+01:00', { tags: ['manual'] }), // Sun, W52, same day as d
  snap('f', '2026-12-31T10:00:00+01:00'), // Thu, 2026-W53, calendar year 2026
  snap('g', '2027-01-01T10:00:00+01:00'), // Fri, 2026-W53, calendar year 2027
  snap('h', '2027-01-03T10:00:00+01:00'), // Sun, 2026-W53
  snap('i', '2027-01-04T10:00:00+01:00', { tags: ['pre-upgrade', 'manual'] }), // Mon, 2027-W01
  snap('j', '2027-01-04T11:00:00+01:00'), // Mon, 2027-W01, same day as i, next hour
];
// Newest first: j i h g f e d c b a.
const ALL = 'jihgfedcba'.split('');
const removed = (kept: string) => ALL.filter((id) => !kept.includes(id));

const L = 'last snapshot';
const H = 'hourly snapshot';
const D = 'daily snapshot';
const W = 'weekly snapshot';
const M = 'monthly snapshot';
const Y = 'yearly snapshot';

const TABLE: Array<{ name: string; policy: RetentionPolicy; keep: Record<string, string[]> }> = [
  // The three newest; a is oldest but --keep-last has no count left for it.
  { name: 'keep-last 3', policy: { last: 3 }, keep: { j: [L], i: [L], h: [L] } },
  {
    name: 'keep-last -1 (unlimited)',
    policy: { last: -1 },
    keep: Object.fromEntries(ALL.map((id) => [id, [L]])),
  },
  // j is hour 11, i hour 10 of the same day: two hours. h opens a third.
  { name: 'keep-hourly 3', policy: { hourly: 3 }, keep: { j: [H], i: [H], h: [H] } },
  // Jan 4 (j; i shares the day), Jan 3 (h), Jan 1 (g).
  { name: 'keep-daily 3', policy: { daily: 3 }, keep: { j: [D], h: [D], g: [D] } },
  // Eight distinct days: Jan 4, 3, 1, Dec 31, 27 (e, the later one; d shares it), 20, Nov 30, 15.
  {
    name: 'keep-daily 10 (fewer days than the count)',
    policy: { daily: 10 },
    keep: { j: [D], h: [D], g: [D], f: [D], e: [D], c: [D], b: [D], a: [D] },
  },
  // 2027-W01 (j), then 2026-W53 (h). g (Jan 1) and f (Dec 31) are in h's ISO week, so not kept:
  // a calendar-year week would have split them at the year boundary.
  { name: 'keep-weekly 2 across the year boundary', policy: { weekly: 2 }, keep: { j: [W], h: [W] } },
  // W01 (j), W53 (h), W52 (e, the later of the Sunday pair), W51 (c).
  { name: 'keep-weekly 4', policy: { weekly: 4 }, keep: { j: [W], h: [W], e: [W], c: [W] } },
  // 2027-01 (j), 2026-12 (f), 2026-11 (b); the count is used up before a.
  { name: 'keep-monthly 3', policy: { monthly: 3 }, keep: { j: [M], f: [M], b: [M] } },
  // Same three months; a is in b's month but is the oldest snapshot and the rule has 2 counts
  // left, so restic keeps it too (to stretch the history as far back as the counts allow).
  { name: 'keep-monthly 5 keeps the oldest', policy: { monthly: 5 }, keep: { j: [M], f: [M], b: [M], a: [M] } },
  { name: 'keep-yearly 1', policy: { yearly: 1 }, keep: { j: [Y] } },
  // Calendar years, not ISO week-years: g and h are in 2026-W53 but in year 2027.
  { name: 'keep-yearly 2', policy: { yearly: 2 }, keep: { j: [Y], f: [Y] } },
  { name: 'keep-yearly 5 keeps the oldest', policy: { yearly: 5 }, keep: { j: [Y], f: [Y], a: [Y] } },
  // j opens every bucket. i shares all of j's. h: new day, new week (W53), same month and year.
  // g: daily and weekly used up, same month/year. f: new month (Dec) and year (2026), both
  // counts then used up. e..a: every count is 0, so the oldest rule does not apply either.
  {
    name: 'combined daily 2, weekly 2, monthly 2, yearly 2',
    policy: { daily: 2, weekly: 2, monthly: 2, yearly: 2 },
    keep: { j: [D, W, M, Y], h: [D, W], f: [M, Y] },
  },
  // Reasons come in restic's order: tags, within, last, hourly, daily, weekly, monthly, yearly.
  // j is the newest, so always within; i is 1h before it, inside 2h. c, e, i carry "manual".
  {
    name: 'combined last 1, daily 1, keep-tag, within',
    policy: { last: 1, daily: 1, keepTags: ['manual'], within: '2h' },
    keep: {
      j: ['within 2h', L, D],
      i: ['has tag manual', 'within 2h'],
      e: ['has tag manual'],
      c: ['has tag manual'],
    },
  },
  // Newest j = Jan 4 11:00; 3 days back is Jan 1 11:00; strictly later: j, i, h.
  { name: 'keep-within 3d', policy: { within: '3d' }, keep: { j: ['within 3d'], i: ['within 3d'], h: ['within 3d'] } },
  // 3d1h back is Jan 1 10:00, exactly g's time: not strictly later, so g goes.
  {
    name: 'keep-within 3d1h (boundary is exclusive)',
    policy: { within: '3d1h' },
    keep: { j: ['within 3d1h'], i: ['within 3d1h'], h: ['within 3d1h'] },
  },
  {
    name: 'keep-within 3d2h',
    policy: { within: '2h3d' },
    keep: { j: ['within 3d2h'], i: ['within 3d2h'], h: ['within 3d2h'], g: ['within 3d2h'] },
  },
  // One month back from Jan 4 11:00 is Dec 4 11:00: c (Dec 20) in, b (Nov 30) out.
  {
    name: 'keep-within 1m',
    policy: { within: '1m' },
    keep: Object.fromEntries('jihgfedc'.split('').map((id) => [id, ['within 1m']])),
  },
  { name: 'keep-tag manual', policy: { keepTags: ['manual'] }, keep: { i: ['has tag manual'], e: ['has tag manual'], c: ['has tag manual'] } },
  // Comma = AND: e has only "manual". Order of tags on the snapshot does not matter.
  {
    name: 'keep-tag manual,pre-upgrade',
    policy: { keepTags: ['manual,pre-upgrade'] },
    keep: { i: ['has tags manual,pre-upgrade'], c: ['has tags manual,pre-upgrade'] },
  },
  {
    name: 'keep-tag with spaces around the tags',
    policy: { keepTags: [' manual , pre-upgrade '] },
    keep: { i: ['has tags manual,pre-upgrade'], c: ['has tags manual,pre-upgrade'] },
  },
  // Several values = OR; a snapshot matching both lists both.
  {
    name: 'keep-tag manual + keep-tag pre-upgrade',
    policy: { keepTags: ['manual', 'pre-upgrade'] },
    keep: {
      i: ['has tag manual', 'has tag pre-upgrade'],
      e: ['has tag manual'],
      c: ['has tag manual', 'has tag pre-upgrade'],
    },
  },
  // '' keeps the untagged snapshots.
  {
    name: "keep-tag ''",
    policy: { keepTags: [''] },
    keep: Object.fromEntries('jhgfdb'.split('').map((id) => [id, ['has no tags']])),
  },
];

describe('planRetention: hand-worked policies on the 2026/2027 year end', () => {
  it.each(TABLE)('$name', ({ policy, keep }) => {
    const plan = planOne(YEAR_END, policy);
    const kept = Object.keys(keep).join('');
    expect(summary(plan)).toEqual({ keep, remove: removed(kept) });
    // keep is newest first.
    expect(plan.keep.map((k) => k.id)).toEqual(ALL.filter((id) => kept.includes(id)));
  });

  it('the result does not depend on the order snapshots are given in', () => {
    const policy = { daily: 2, weekly: 2, monthly: 2, yearly: 2, keepTags: ['archive'] };
    const forward = planOne(YEAR_END, policy);
    const backward = planOne([...YEAR_END].reverse(), policy);
    expect(backward).toEqual(forward);
  });

  it('keep and remove carry the recorded time string unchanged', () => {
    const plan = planOne(YEAR_END, { last: 1 });
    expect(plan.keep[0]).toEqual({ id: 'j', time: '2027-01-04T11:00:00+01:00', reasons: [L] });
    expect(plan.remove[0]).toEqual({ id: 'i', time: '2027-01-04T10:00:00+01:00' });
  });

  it("restic's documentation example: 12 Sundays, keep-daily 4 keeps the last four Sundays", () => {
    const sundays = ['09-01', '09-08', '09-15', '09-22', '09-29', '10-06', '10-13', '10-20', '10-27', '11-03', '11-10', '11-17'];
    const snaps = sundays.map((md) => snap(md, `2019-${md}T11:00:00+02:00`));
    const plan = planOne(snaps, { daily: 4 });
    expect(plan.keep.map((k) => k.id)).toEqual(['11-17', '11-10', '11-03', '10-27']);
    expect(plan.remove).toHaveLength(8);
  });
});

describe('keep-within counts back from the newest snapshot of the group', () => {
  it('not from now: a year-old group still keeps its last days', () => {
    const snaps = ['01', '02', '03', '04', '05'].map((d) => snap(d, `2020-01-${d}T12:00:00Z`));
    const plan = planOne(snaps, { within: '2d' }, new Date('2026-06-01T00:00:00Z'));
    // Newest 2020-01-05 12:00; 2 days back = 01-03 12:00, excluded.
    expect(plan.keep.map((k) => k.id)).toEqual(['05', '04']);
  });

  it('snapshots in the future do not anchor the window, and are kept', () => {
    // now = 2027-01-02 00:00Z: h, i, j are in the future. The anchor is g (Jan 1 10:00 +01:00);
    // 1 day back = Dec 31 10:00, exactly f: excluded. h, i, j are after it: kept.
    const plan = planOne(YEAR_END, { within: '1d' }, new Date('2027-01-02T00:00:00Z'));
    expect(plan.keep.map((k) => k.id)).toEqual(['j', 'i', 'h', 'g']);
  });

  it('when every snapshot is in the future, all of them are within', () => {
    const plan = planOne(YEAR_END, { within: '1d' }, new Date('2000-01-01T00:00:00Z'));
    expect(plan.remove).toEqual([]);
  });

  it('months overflow as Go dates do: March 31 minus 1m is "February 31" = March 3', () => {
    const snaps = [
      snap('newest', '2026-03-31T12:00:00Z'),
      snap('after', '2026-03-03T12:00:01Z'),
      snap('at', '2026-03-03T12:00:00Z'),
      snap('feb28', '2026-02-28T12:00:00Z'),
    ];
    expect(planOne(snaps, { within: '1m' }).keep.map((k) => k.id)).toEqual(['newest', 'after']);
    // 2028 is a leap year: "February 31" is March 2.
    const leap = [snap('newest', '2028-03-31T12:00:00Z'), snap('mar2', '2028-03-02T12:00:01Z'), snap('mar1', '2028-03-01T23:00:00Z')];
    expect(planOne(leap, { within: '1m' }).keep.map((k) => k.id)).toEqual(['newest', 'mar2']);
  });

  it("months and days move the newest snapshot's own wall clock, not UTC", () => {
    // Newest: 2026-03-01 00:30 at +02:00 (UTC: Feb 28 22:30). One month back on its wall clock is
    // Feb 1 00:30 +02:00 = Jan 31 22:30Z. (Counted in UTC it would be Jan 28 22:30Z.)
    const snaps = [
      snap('newest', '2026-03-01T00:30:00+02:00'),
      snap('in', '2026-01-31T23:00:00Z'),
      snap('out', '2026-01-31T22:00:00Z'),
    ];
    expect(planOne(snaps, { within: '1m' }).keep.map((k) => k.id)).toEqual(['newest', 'in']);
  });
});

describe('calendar buckets use the recorded local time', () => {
  it('23:30 and 00:30 at -05:00 are different days, although both are 2026-03-02 in UTC', () => {
    const late = '2026-03-01T23:30:00-05:00';
    const early = '2026-03-02T00:30:00-05:00';
    expect(new Date(late).toISOString().slice(0, 10)).toBe('2026-03-02');
    expect(new Date(early).toISOString().slice(0, 10)).toBe('2026-03-02');
    const snaps = [snap('older', '2026-02-20T12:00:00-05:00'), snap('late', late), snap('early', early)];
    // Local days: Mar 2 (early), Mar 1 (late): two days, count used up; older is removed.
    // (Bucketed by UTC, late would share early's day and older would be kept instead.)
    expect(summary(planOne(snaps, { daily: 2 }))).toEqual({ keep: { early: [D], late: [D] }, remove: ['older'] });
  });

  it('hours at a half-hour offset: 10:15 and 10:45 at +05:30 are one hour', () => {
    // UTC 04:45 and 05:15 would be two hours.
    const snaps = [
      snap('r', '2026-06-01T08:00:00+05:30'),
      snap('p', '2026-06-01T10:15:00+05:30'),
      snap('q', '2026-06-01T10:45:00+05:30'),
    ];
    expect(summary(planOne(snaps, { hourly: 2 }))).toEqual({ keep: { q: [H], r: [H] }, remove: ['p'] });
  });

  it('a Sunday-night backup at -05:00 belongs to that ISO week, not the next', () => {
    // Sun 2026-03-08 23:30 -05:00 is Mon 04:30 UTC (next ISO week in UTC).
    const snaps = [
      snap('prev', '2026-03-02T12:00:00-05:00'), // Mon, W10
      snap('sun', '2026-03-08T23:30:00-05:00'), // Sun, W10
      snap('mon', '2026-03-09T00:30:00-05:00'), // Mon, W11
    ];
    expect(summary(planOne(snaps, { weekly: 2 }))).toEqual({ keep: { mon: [W], sun: [W] }, remove: ['prev'] });
  });

  it('order is by instant: an earlier wall clock in a western zone can be the newer snapshot', () => {
    const tokyo = snap('tokyo', '2026-05-01T09:00:00+09:00'); // 00:00Z, local day May 1
    const newYork = snap('ny', '2026-04-30T21:00:00-04:00'); // 01:00Z, local day Apr 30
    const older = snap('older', '2026-04-29T12:00:00Z');
    expect(planOne([tokyo, newYork, older], { last: 1 }).keep.map((k) => k.id)).toEqual(['ny']);
    // Their local days differ, so both are daily snapshots and the count is used up before
    // `older`. (By UTC both are May 1, and `older` would be the second day.)
    expect(summary(planOne([tokyo, newYork, older], { daily: 2 }))).toEqual({
      keep: { ny: [D], tokyo: [D] },
      remove: ['older'],
    });
  });

  it('sub-millisecond times are ordered exactly', () => {
    const snaps = [snap('z-first', '2026-01-01T00:00:00.000000001Z'), snap('a-second', '2026-01-01T00:00:00.000000002Z')];
    expect(planOne(snaps, { last: 1 }).keep.map((k) => k.id)).toEqual(['a-second']);
  });

  it('equal instants are ordered by id, whatever the input order', () => {
    const snaps = [snap('b', '2026-01-01T01:00:00+01:00'), snap('a', '2026-01-01T00:00:00Z')];
    expect(planOne(snaps, { last: 1 }).keep.map((k) => k.id)).toEqual(['a']);
    expect(planOne([...snaps].reverse(), { last: 1 }).keep.map((k) => k.id)).toEqual(['a']);
  });
});

describe('grouping', () => {
  // alpha backs up /home and /etc nightly (paths in either order), alpha /srv once, beta once long ago.
  const nightly = ['01', '02', '03', '04', '05'].map((d, i) =>
    snap(`alpha-home-${d}`, `2026-05-${d}T02:00:00+02:00`, {
      hostname: 'alpha',
      paths: i % 2 === 0 ? ['/home', '/etc'] : ['/etc', '/home'],
    }),
  );
  const srv = snap('alpha-srv', '2026-05-03T03:00:00+02:00', { hostname: 'alpha', paths: ['/srv'] });
  const beta = snap('beta-home', '2025-01-01T02:00:00+00:00', { hostname: 'beta', paths: ['/home', '/etc'], tags: ['x'] });
  const all = [...nightly, srv, beta];

  it('default host,paths: each group gets its own counts; paths compare as sorted lists', () => {
    const plans = planRetention(all, { daily: 2 }, DEFAULT_GROUP_BY, { now: NOW });
    expect(plans.map((p) => [p.key, summary(p)])).toEqual([
      [{ hostname: 'alpha', paths: ['/etc', '/home'] }, {
        keep: { 'alpha-home-05': [D], 'alpha-home-04': [D] },
        remove: ['alpha-home-03', 'alpha-home-02', 'alpha-home-01'],
      }],
      [{ hostname: 'alpha', paths: ['/srv'] }, { keep: { 'alpha-srv': [D] }, remove: [] }],
      // beta's only snapshot is far older than alpha's, but it is planned on its own.
      [{ hostname: 'beta', paths: ['/etc', '/home'] }, { keep: { 'beta-home': [D] }, remove: [] }],
    ]);
  });

  it('keep-within is anchored per group', () => {
    const plans = planRetention(all, { within: '1d' }, DEFAULT_GROUP_BY, { now: NOW });
    expect(plans.map((p) => p.keep.map((k) => k.id))).toEqual([['alpha-home-05'], ['alpha-srv'], ['beta-home']]);
  });

  it('group by host only', () => {
    const plans = planRetention(all, { last: 1 }, ['host'], { now: NOW });
    expect(plans.map((p) => [p.key, p.keep.map((k) => k.id), p.remove.length])).toEqual([
      [{ hostname: 'alpha' }, ['alpha-home-05'], 5],
      [{ hostname: 'beta' }, ['beta-home'], 0],
    ]);
  });

  it('no grouping: one group with an empty key', () => {
    const plans = planRetention(all, { last: 1 }, [], { now: NOW });
    expect(plans).toHaveLength(1);
    expect(plans[0].key).toEqual({});
    expect(plans[0].keep.map((k) => k.id)).toEqual(['alpha-home-05']);
  });

  it('group by tags compares sorted tag lists', () => {
    const snaps = [
      snap('1', '2026-01-01T00:00:00Z', { tags: ['b', 'a'] }),
      snap('2', '2026-01-02T00:00:00Z', { tags: ['a', 'b'] }),
      snap('3', '2026-01-03T00:00:00Z', { tags: [] }),
    ];
    const plans = planRetention(snaps, { last: 1 }, ['host', 'paths', 'tags'], { now: NOW });
    expect(plans.map((p) => [p.key, p.keep.map((k) => k.id)])).toEqual([
      [{ hostname: 'host', paths: ['/home'], tags: [] }, ['3']],
      [{ hostname: 'host', paths: ['/home'], tags: ['a', 'b'] }, ['2']],
    ]);
  });

  it('a keep-tag that matches nothing in a group is refused, as restic 0.17 does', () => {
    expect(() => planRetention(all, { keepTags: ['x'] }, DEFAULT_GROUP_BY, { now: NOW })).toThrow(
      /refusing to remove every snapshot of the group host alpha, paths \[\/etc, \/home\]/,
    );
    expect(() => planRetention(all, { keepTags: ['x'] }, DEFAULT_GROUP_BY, { now: NOW })).toThrow(InvalidArgumentError);
    // A group where the tag does match is fine.
    expect(() => planRetention([beta], { keepTags: ['x'] }, DEFAULT_GROUP_BY, { now: NOW })).not.toThrow();
  });
});

describe('empty policy, explicit ids, bad input', () => {
  it('an empty policy keeps everything, reason "no policy"', () => {
    for (const policy of [{}, { last: 0, within: '', keepTags: [] }, { within: '0d' }] as RetentionPolicy[]) {
      const plan = planOne(YEAR_END, policy);
      expect(plan.remove).toEqual([]);
      expect(plan.keep.map((k) => [k.id, k.reasons])).toEqual(ALL.map((id) => [id, ['no policy']]));
    }
  });

  it('no snapshots: no groups', () => {
    expect(planRetention([], { last: 1 }, DEFAULT_GROUP_BY)).toEqual([]);
  });

  it('forget by ids: those are removed, newest first, nothing decided about the rest', () => {
    expect(planForgetIds(YEAR_END, ['c', 'j', 'c'])).toEqual([
      {
        key: {},
        keep: [],
        remove: [
          { id: 'j', time: '2027-01-04T11:00:00+01:00' },
          { id: 'c', time: '2026-12-20T10:00:00+01:00' },
        ],
      },
    ]);
    expect(() => planForgetIds(YEAR_END, ['nope'])).toThrow(NotFoundError);
  });

  it('invalid counts, durations and group-by are refused with the value named', () => {
    expect(() => planRetention(YEAR_END, { daily: 1.5 }, DEFAULT_GROUP_BY)).toThrow(/keep-daily 1\.5/);
    expect(() => planRetention(YEAR_END, { weekly: -2 }, DEFAULT_GROUP_BY)).toThrow(InvalidArgumentError);
    expect(() => planRetention(YEAR_END, { within: '1w' }, DEFAULT_GROUP_BY)).toThrow(/"1w"/);
    expect(() => planRetention(YEAR_END, { last: 1 }, ['hosts' as never])).toThrow(InvalidArgumentError);
  });

  it('a snapshot time without a UTC offset is a damaged record', () => {
    const bad = [snap('bad1', '2026-01-01T02:00:00')];
    expect(() => planRetention(bad, { last: 1 }, DEFAULT_GROUP_BY)).toThrow(IntegrityError);
    expect(() => planRetention(bad, { last: 1 }, DEFAULT_GROUP_BY)).toThrow(/bad1.*2026-01-01T02:00:00/);
    expect(() => planRetention([snap('x', '2026-02-30T02:00:00Z')], { last: 1 }, DEFAULT_GROUP_BY)).toThrow(IntegrityError);
  });
});
