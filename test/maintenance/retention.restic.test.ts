// restic's own policy tests, ported: TestApplyPolicy in internal/restic/snapshot_policy_test.go
// (restic v0.17.3) with its golden files internal/restic/testdata/policy_keep_snapshots_<n>.
// The snapshot times are restic's list, re-typed as data; for each policy the expected result
// is the golden file's keep list, in restic's order, with each kept snapshot's reasons.
//
// Encoding of `kept`: "<index>:<reasons>" newest first, where index is the position in SNAPSHOTS
// (id "r<index>") and reasons are L/H/D/W/M/Y (last/hourly/daily/weekly/monthly/yearly
// snapshot), w (within <duration>) and [a,b] (has tags a,b). restic keeps equal times in listing
// order; snap orders them by id, and the ids below follow the list, so both orders agree.
//
// Not ported: golden 0 (the empty policy: restic's ApplyPolicy keeps nothing, snap keeps all,
// tested below) and 30..35 (--keep-within-hourly/daily/... which snap does not offer).

import { describe, expect, it } from 'vitest';
import { planRetention, type PolicySnapshot, type RetentionPolicy } from '../../src/maintenance/retention/index.js';

/** [time, tags?, paths?] — restic's testExpireSnapshots, in its order (it is not sorted). */
const SNAPSHOTS: Array<[string, string[]?, string[]?]> = [
  ['2014-09-01T10:20:30Z'],
  ['2014-09-02T10:20:30Z'],
  ['2014-09-05T10:20:30Z'],
  ['2014-09-06T10:20:30Z'],
  ['2014-09-08T10:20:30Z'],
  ['2014-09-09T10:20:30Z'],
  ['2014-09-10T10:20:30Z'],
  ['2014-09-11T10:20:30Z'],
  ['2014-09-20T10:20:30Z'],
  ['2014-09-22T10:20:30Z'],
  ['2014-08-08T10:20:30Z'],
  ['2014-08-10T10:20:30Z'],
  ['2014-08-12T10:20:30Z'],
  ['2014-08-13T10:20:30Z'],
  ['2014-08-13T10:20:30.1Z'],
  ['2014-08-15T10:20:30Z'],
  ['2014-08-18T10:20:30Z'],
  ['2014-08-20T10:20:30Z'],
  ['2014-08-21T10:20:30Z'],
  ['2014-08-22T10:20:30Z'],
  ['2014-10-01T10:20:30Z', ["foo"]],
  ['2014-10-02T10:20:30Z', ["foo"]],
  ['2014-10-05T10:20:30Z', ["foo"]],
  ['2014-10-06T10:20:30Z', ["foo"]],
  ['2014-10-08T10:20:30Z', ["foo"]],
  ['2014-10-09T10:20:30Z', ["foo"]],
  ['2014-10-10T10:20:30Z', ["foo"]],
  ['2014-10-11T10:20:30Z', ["foo"]],
  ['2014-10-20T10:20:30Z', ["foo"]],
  ['2014-10-22T10:20:30Z', ["foo"]],
  ['2014-11-08T10:20:30Z', ["foo"]],
  ['2014-11-10T10:20:30Z', ["foo"]],
  ['2014-11-12T10:20:30Z', ["foo"]],
  ['2014-11-13T10:20:30Z', ["foo"]],
  ['2014-11-13T10:20:30.1Z', ["bar"]],
  ['2014-11-15T10:20:30Z', ["foo", "bar"]],
  ['2014-11-18T10:20:30Z'],
  ['2014-11-20T10:20:30Z'],
  ['2014-11-21T10:20:30Z'],
  ['2014-11-22T10:20:30Z'],
  ['2015-09-01T10:20:30Z'],
  ['2015-09-02T10:20:30Z'],
  ['2015-09-05T10:20:30Z'],
  ['2015-09-06T10:20:30Z'],
  ['2015-09-08T10:20:30Z'],
  ['2015-09-09T10:20:30Z'],
  ['2015-09-10T10:20:30Z'],
  ['2015-09-11T10:20:30Z'],
  ['2015-09-20T10:20:30Z'],
  ['2015-09-22T10:20:30Z'],
  ['2015-08-08T10:20:30Z'],
  ['2015-08-10T10:20:30Z'],
  ['2015-08-12T10:20:30Z'],
  ['2015-08-13T10:20:30Z'],
  ['2015-08-13T10:20:30.1Z'],
  ['2015-08-15T10:20:30Z'],
  ['2015-08-18T10:20:30Z'],
  ['2015-08-20T10:20:30Z'],
  ['2015-08-21T10:20:30Z'],
  ['2015-08-22T10:20:30Z'],
  ['2015-10-01T10:20:30Z'],
  ['2015-10-02T10:20:30Z'],
  ['2015-10-05T10:20:30Z'],
  ['2015-10-06T10:20:30Z'],
  ['2015-10-08T10:20:30Z'],
  ['2015-10-09T10:20:30Z'],
  ['2015-10-10T10:20:30Z'],
  ['2015-10-11T10:20:30Z'],
  ['2015-10-20T10:20:30Z'],
  ['2015-10-22T10:20:30Z'],
  ['2015-10-22T10:20:30Z'],
  ['2015-10-22T10:20:30Z', ["foo", "bar"]],
  ['2015-10-22T10:20:30Z', ["foo", "bar"]],
  ['2015-10-22T10:20:30Z', ["foo", "bar"], ["path1", "path2"]],
  ['2015-11-08T10:20:30Z'],
  ['2015-11-10T10:20:30Z'],
  ['2015-11-12T10:20:30Z'],
  ['2015-11-13T10:20:30Z'],
  ['2015-11-13T10:20:30.1Z'],
  ['2015-11-15T10:20:30Z'],
  ['2015-11-18T10:20:30Z'],
  ['2015-11-20T10:20:30Z'],
  ['2015-11-21T10:20:30Z'],
  ['2015-11-22T10:20:30Z'],
  ['2016-01-01T01:02:03Z'],
  ['2016-01-01T01:03:03Z'],
  ['2016-01-01T07:08:03Z'],
  ['2016-01-03T07:02:03Z'],
  ['2016-01-04T10:23:03Z'],
  ['2016-01-04T11:23:03Z'],
  ['2016-01-04T12:23:03Z'],
  ['2016-01-04T12:24:03Z'],
  ['2016-01-04T12:28:03Z'],
  ['2016-01-04T12:30:03Z'],
  ['2016-01-04T16:23:03Z'],
  ['2016-01-05T09:02:03Z'],
  ['2016-01-06T08:02:03Z'],
  ['2016-01-07T10:02:03Z'],
  ['2016-01-08T20:02:03Z'],
  ['2016-01-09T21:02:03Z'],
  ['2016-01-12T21:02:03Z'],
  ['2016-01-12T21:08:03Z'],
  ['2016-01-18T12:02:03Z'],
];

const snapshots: PolicySnapshot[] = SNAPSHOTS.map(([time, tags = [], paths = []], i) => ({
  id: `r${String(i).padStart(3, '0')}`,
  time,
  hostname: 'test',
  paths,
  tags,
}));

/** Well after every snapshot, so none is "in the future" for --keep-within. */
const NOW = new Date('2026-01-01T00:00:00Z');

const REASON_CODES: Record<string, string> = {
  L: 'last snapshot',
  H: 'hourly snapshot',
  D: 'daily snapshot',
  W: 'weekly snapshot',
  M: 'monthly snapshot',
  Y: 'yearly snapshot',
};

/** Expands "102:DW 35:[foo,bar]" into [id, reasons] pairs; `within` is restic's printed duration. */
function decode(kept: string, within?: string): Array<[string, string[]]> {
  return kept
    .split(' ')
    .filter((e) => e !== '')
    .map((entry) => {
      const [index, codes] = entry.split(':');
      const reasons = [...codes.matchAll(/\[([^\]]*)\]|[LHDWMYw]/g)].map((m) => {
        if (m[1] !== undefined) return `${m[1].includes(',') ? 'has tags' : 'has tag'} ${m[1]}`;
        if (m[0] === 'w') return `within ${within}`;
        return REASON_CODES[m[0]];
      });
      return [`r${index.padStart(3, '0')}`, reasons];
    });
}

const CASES: Array<{ golden: number; policy: RetentionPolicy; within?: string; kept: string }> = [
  { golden: 1, policy: { last: 10 },
    kept:
      '102:L 101:L 100:L 99:L 98:L 97:L 96:L 95:L 94:L 93:L' },
  { golden: 2, policy: { last: 15 },
    kept:
      '102:L 101:L 100:L 99:L 98:L 97:L 96:L 95:L 94:L 93:L 92:L 91:L 90:L 89:L 88:L' },
  { golden: 3, policy: { last: 99 },
    kept:
      '102:L 101:L 100:L 99:L 98:L 97:L 96:L 95:L 94:L 93:L 92:L 91:L 90:L 89:L 88:L 87:L 86:L 85:L ' +
      '84:L 83:L 82:L 81:L 80:L 79:L 78:L 77:L 76:L 75:L 74:L 69:L 70:L 71:L 72:L 73:L 68:L 67:L 66:L ' +
      '65:L 64:L 63:L 62:L 61:L 60:L 49:L 48:L 47:L 46:L 45:L 44:L 43:L 42:L 41:L 40:L 59:L 58:L 57:L ' +
      '56:L 55:L 54:L 53:L 52:L 51:L 50:L 39:L 38:L 37:L 36:L 35:L 34:L 33:L 32:L 31:L 30:L 29:L 28:L ' +
      '27:L 26:L 25:L 24:L 23:L 22:L 21:L 20:L 9:L 8:L 7:L 6:L 5:L 4:L 3:L 2:L 1:L 0:L 19:L 18:L 17:L ' +
      '16:L 15:L 14:L' },
  { golden: 4, policy: { last: 200 },
    kept:
      '102:L 101:L 100:L 99:L 98:L 97:L 96:L 95:L 94:L 93:L 92:L 91:L 90:L 89:L 88:L 87:L 86:L 85:L ' +
      '84:L 83:L 82:L 81:L 80:L 79:L 78:L 77:L 76:L 75:L 74:L 69:L 70:L 71:L 72:L 73:L 68:L 67:L 66:L ' +
      '65:L 64:L 63:L 62:L 61:L 60:L 49:L 48:L 47:L 46:L 45:L 44:L 43:L 42:L 41:L 40:L 59:L 58:L 57:L ' +
      '56:L 55:L 54:L 53:L 52:L 51:L 50:L 39:L 38:L 37:L 36:L 35:L 34:L 33:L 32:L 31:L 30:L 29:L 28:L ' +
      '27:L 26:L 25:L 24:L 23:L 22:L 21:L 20:L 9:L 8:L 7:L 6:L 5:L 4:L 3:L 2:L 1:L 0:L 19:L 18:L 17:L ' +
      '16:L 15:L 14:L 13:L 12:L 11:L 10:L' },
  { golden: 5, policy: { hourly: 20 },
    kept:
      '102:H 101:H 99:H 98:H 97:H 96:H 95:H 94:H 93:H 89:H 88:H 87:H 86:H 85:H 83:H 82:H 81:H 80:H 79:H ' +
      '78:H' },
  { golden: 6, policy: { daily: 3 },
    kept:
      '102:D 101:D 99:D' },
  { golden: 7, policy: { daily: 10 },
    kept:
      '102:D 101:D 99:D 98:D 97:D 96:D 95:D 94:D 87:D 86:D' },
  { golden: 8, policy: { daily: 30 },
    kept:
      '102:D 101:D 99:D 98:D 97:D 96:D 95:D 94:D 87:D 86:D 83:D 82:D 81:D 80:D 79:D 78:D 76:D 75:D 74:D ' +
      '69:D 68:D 67:D 66:D 65:D 64:D 63:D 62:D 61:D 60:D 49:D' },
  { golden: 9, policy: { last: 5, daily: 5 },
    kept:
      '102:LD 101:LD 100:L 99:LD 98:LD 97:D' },
  { golden: 10, policy: { last: 2, daily: 10 },
    kept:
      '102:LD 101:LD 99:D 98:D 97:D 96:D 95:D 94:D 87:D 86:D' },
  { golden: 11, policy: { weekly: 2 },
    kept:
      '102:W 101:W' },
  { golden: 12, policy: { weekly: 4 },
    kept:
      '102:W 101:W 99:W 87:W' },
  { golden: 13, policy: { daily: 3, weekly: 4 },
    kept:
      '102:DW 101:DW 99:DW 87:W' },
  { golden: 14, policy: { monthly: 6 },
    kept:
      '102:M 83:M 69:M 49:M 59:M 39:M' },
  { golden: 15, policy: { daily: 2, weekly: 2, monthly: 6 },
    kept:
      '102:DWM 101:DW 83:M 69:M 49:M 59:M 39:M' },
  { golden: 16, policy: { yearly: 10 },
    kept:
      '102:Y 83:Y 39:Y 10:Y' },
  { golden: 17, policy: { daily: 7, weekly: 2, monthly: 3, yearly: 10 },
    kept:
      '102:DWMY 101:DW 99:D 98:D 97:D 96:D 95:D 83:MY 69:M 39:Y 10:Y' },
  { golden: 18, policy: { keepTags: ['foo'] },
    kept:
      '71:[foo] 72:[foo] 73:[foo] 35:[foo] 33:[foo] 32:[foo] 31:[foo] 30:[foo] 29:[foo] 28:[foo] ' +
      '27:[foo] 26:[foo] 25:[foo] 24:[foo] 23:[foo] 22:[foo] 21:[foo] 20:[foo]' },
  { golden: 19, policy: { keepTags: ['foo,bar'] },
    kept:
      '71:[foo,bar] 72:[foo,bar] 73:[foo,bar] 35:[foo,bar]' },
  { golden: 20, policy: { keepTags: ['foo', 'bar'] },
    kept:
      '71:[foo][bar] 72:[foo][bar] 73:[foo][bar] 35:[foo][bar] 34:[bar] 33:[foo] 32:[foo] 31:[foo] ' +
      '30:[foo] 29:[foo] 28:[foo] 27:[foo] 26:[foo] 25:[foo] 24:[foo] 23:[foo] 22:[foo] 21:[foo] ' +
      '20:[foo]' },
  { golden: 21, policy: { within: '1d' }, within: '1d',
    kept:
      '102:w' },
  { golden: 22, policy: { within: '2d' }, within: '2d',
    kept:
      '102:w' },
  { golden: 23, policy: { within: '7d' }, within: '7d',
    kept:
      '102:w 101:w 100:w' },
  { golden: 24, policy: { within: '1m' }, within: '1m',
    kept:
      '102:w 101:w 100:w 99:w 98:w 97:w 96:w 95:w 94:w 93:w 92:w 91:w 90:w 89:w 88:w 87:w 86:w 85:w ' +
      '84:w' },
  { golden: 25, policy: { within: '1m14d' }, within: '1m14d',
    kept:
      '102:w 101:w 100:w 99:w 98:w 97:w 96:w 95:w 94:w 93:w 92:w 91:w 90:w 89:w 88:w 87:w 86:w 85:w ' +
      '84:w' },
  { golden: 26, policy: { within: '1y1d1m' }, within: '1y1m1d',
    kept:
      '102:w 101:w 100:w 99:w 98:w 97:w 96:w 95:w 94:w 93:w 92:w 91:w 90:w 89:w 88:w 87:w 86:w 85:w ' +
      '84:w 83:w 82:w 81:w 80:w 79:w 78:w 77:w 76:w 75:w 74:w 69:w 70:w 71:w 72:w 73:w 68:w 67:w 66:w ' +
      '65:w 64:w 63:w 62:w 61:w 60:w 49:w 48:w 47:w 46:w 45:w 44:w 43:w 42:w 41:w 40:w 59:w 58:w 57:w ' +
      '56:w 55:w 54:w 53:w 52:w 51:w 50:w' },
  { golden: 27, policy: { within: '13d23h' }, within: '13d23h',
    kept:
      '102:w 101:w 100:w 99:w 98:w 97:w 96:w 95:w 94:w' },
  { golden: 28, policy: { within: '2m2h' }, within: '2m2h',
    kept:
      '102:w 101:w 100:w 99:w 98:w 97:w 96:w 95:w 94:w 93:w 92:w 91:w 90:w 89:w 88:w 87:w 86:w 85:w ' +
      '84:w 83:w 82:w 81:w 80:w' },
  { golden: 29, policy: { within: '1y2m3d3h' }, within: '1y2m3d3h',
    kept:
      '102:w 101:w 100:w 99:w 98:w 97:w 96:w 95:w 94:w 93:w 92:w 91:w 90:w 89:w 88:w 87:w 86:w 85:w ' +
      '84:w 83:w 82:w 81:w 80:w 79:w 78:w 77:w 76:w 75:w 74:w 69:w 70:w 71:w 72:w 73:w 68:w 67:w 66:w ' +
      '65:w 64:w 63:w 62:w 61:w 60:w 49:w 48:w 47:w 46:w 45:w 44:w 43:w 42:w 41:w 40:w 59:w 58:w 57:w ' +
      '56:w 55:w 54:w 53:w 52:w 51:w 50:w 39:w 38:w 37:w 36:w 35:w' },
  { golden: 36, policy: { last: -1 },
    kept:
      '102:L 101:L 100:L 99:L 98:L 97:L 96:L 95:L 94:L 93:L 92:L 91:L 90:L 89:L 88:L 87:L 86:L 85:L ' +
      '84:L 83:L 82:L 81:L 80:L 79:L 78:L 77:L 76:L 75:L 74:L 69:L 70:L 71:L 72:L 73:L 68:L 67:L 66:L ' +
      '65:L 64:L 63:L 62:L 61:L 60:L 49:L 48:L 47:L 46:L 45:L 44:L 43:L 42:L 41:L 40:L 59:L 58:L 57:L ' +
      '56:L 55:L 54:L 53:L 52:L 51:L 50:L 39:L 38:L 37:L 36:L 35:L 34:L 33:L 32:L 31:L 30:L 29:L 28:L ' +
      '27:L 26:L 25:L 24:L 23:L 22:L 21:L 20:L 9:L 8:L 7:L 6:L 5:L 4:L 3:L 2:L 1:L 0:L 19:L 18:L 17:L ' +
      '16:L 15:L 14:L 13:L 12:L 11:L 10:L' },
  { golden: 37, policy: { last: -1, hourly: -1 },
    kept:
      '102:LH 101:LH 100:L 99:LH 98:LH 97:LH 96:LH 95:LH 94:LH 93:LH 92:L 91:L 90:L 89:LH 88:LH 87:LH ' +
      '86:LH 85:LH 84:L 83:LH 82:LH 81:LH 80:LH 79:LH 78:LH 77:L 76:LH 75:LH 74:LH 69:LH 70:L 71:L 72:L ' +
      '73:L 68:LH 67:LH 66:LH 65:LH 64:LH 63:LH 62:LH 61:LH 60:LH 49:LH 48:LH 47:LH 46:LH 45:LH 44:LH ' +
      '43:LH 42:LH 41:LH 40:LH 59:LH 58:LH 57:LH 56:LH 55:LH 54:LH 53:L 52:LH 51:LH 50:LH 39:LH 38:LH ' +
      '37:LH 36:LH 35:LH 34:LH 33:L 32:LH 31:LH 30:LH 29:LH 28:LH 27:LH 26:LH 25:LH 24:LH 23:LH 22:LH ' +
      '21:LH 20:LH 9:LH 8:LH 7:LH 6:LH 5:LH 4:LH 3:LH 2:LH 1:LH 0:LH 19:LH 18:LH 17:LH 16:LH 15:LH ' +
      '14:LH 13:L 12:LH 11:LH 10:LH' },
  { golden: 38, policy: { hourly: -1 },
    kept:
      '102:H 101:H 99:H 98:H 97:H 96:H 95:H 94:H 93:H 89:H 88:H 87:H 86:H 85:H 83:H 82:H 81:H 80:H 79:H ' +
      '78:H 76:H 75:H 74:H 69:H 68:H 67:H 66:H 65:H 64:H 63:H 62:H 61:H 60:H 49:H 48:H 47:H 46:H 45:H ' +
      '44:H 43:H 42:H 41:H 40:H 59:H 58:H 57:H 56:H 55:H 54:H 52:H 51:H 50:H 39:H 38:H 37:H 36:H 35:H ' +
      '34:H 32:H 31:H 30:H 29:H 28:H 27:H 26:H 25:H 24:H 23:H 22:H 21:H 20:H 9:H 8:H 7:H 6:H 5:H 4:H ' +
      '3:H 2:H 1:H 0:H 19:H 18:H 17:H 16:H 15:H 14:H 12:H 11:H 10:H' },
  { golden: 39, policy: { daily: 3, weekly: 2, monthly: -1, yearly: -1 },
    kept:
      '102:DWMY 101:DW 99:D 83:MY 69:M 49:M 59:M 39:MY 29:M 9:M 19:M 10:MY' },
];

describe('restic TestApplyPolicy golden files', () => {
  it.each(CASES)('policy_keep_snapshots_$golden: $policy', ({ policy, within, kept }) => {
    const plans = planRetention(snapshots, policy, [], { now: NOW });
    expect(plans).toHaveLength(1);
    const [plan] = plans;
    const expected = decode(kept, within);
    expect(plan.keep.map((k) => [k.id, k.reasons])).toEqual(expected);
    // Everything not kept is removed, and nothing twice.
    const keptIds = new Set(expected.map(([id]) => id));
    expect(plan.remove.map((r) => r.id).sort()).toEqual(snapshots.map((s) => s.id).filter((id) => !keptIds.has(id)));
  });

  it('the restic sums: a counted policy never keeps more than its counts add up to', () => {
    // TestApplyPolicy's policySum check, for the policies without -1 or within/tags.
    for (const { policy } of CASES) {
      const counts = [policy.last, policy.hourly, policy.daily, policy.weekly, policy.monthly, policy.yearly].map((n) => n ?? 0);
      if (counts.includes(-1) || policy.within || policy.keepTags) continue;
      const sum = counts.reduce((a, b) => a + b, 0);
      const [plan] = planRetention(snapshots, policy, [], { now: NOW });
      expect(plan.keep.length).toBeLessThanOrEqual(sum);
    }
  });

  it('golden 0, the empty policy: restic keeps nothing, snap keeps everything ("no policy")', () => {
    const [plan] = planRetention(snapshots, {}, [], { now: NOW });
    expect(plan.remove).toEqual([]);
    expect(plan.keep).toHaveLength(snapshots.length);
    expect(new Set(plan.keep.flatMap((k) => k.reasons))).toEqual(new Set(['no policy']));
  });
});
