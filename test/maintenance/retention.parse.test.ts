// Parsing the policy's inputs: durations (restic's ParseDuration cases), --group-by, --keep-*
// counts, and what counts as an empty policy (restic's TestExpireSnapshotOps).

import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/errors.js';
import {
  formatRetentionDuration,
  isEmptyPolicy,
  parseRetentionDuration,
  parseGroupBy,
  parseKeepCount,
  UNLIMITED,
} from '../../src/maintenance/retention/index.js';

describe('parseRetentionDuration', () => {
  it.each([
    ['1y5m7d2h', { years: 1, months: 5, days: 7, hours: 2 }],
    ['2h1d', { years: 0, months: 0, days: 1, hours: 2 }],
    ['30d', { years: 0, months: 0, days: 30, hours: 0 }],
    ['1m', { years: 0, months: 1, days: 0, hours: 0 }],
    ['13d23h', { years: 0, months: 0, days: 13, hours: 23 }],
    ['  7d ', { years: 0, months: 0, days: 7, hours: 0 }],
    ['0d', { years: 0, months: 0, days: 0, hours: 0 }],
    ['', { years: 0, months: 0, days: 0, hours: 0 }],
  ])('%j', (text, expected) => {
    expect(parseRetentionDuration(text)).toEqual(expected);
  });

  it.each(['5', 'd', '1w', '1D', '-1d', '1.5d', '1d 2h', '1d1d', '1dx', 'y1', 'forever', '99999999999999999999d'])(
    'refuses %j, naming the value',
    (text) => {
      expect(() => parseRetentionDuration(text)).toThrow(InvalidArgumentError);
      expect(() => parseRetentionDuration(text)).toThrow(`"${text}"`);
    },
  );

  it('prints in restic order: 1y1d1m → 1y1m1d', () => {
    expect(formatRetentionDuration(parseRetentionDuration('1y1d1m'))).toBe('1y1m1d');
    expect(formatRetentionDuration(parseRetentionDuration('3h2m'))).toBe('2m3h');
  });
});

describe('parseGroupBy', () => {
  it.each([
    ['host,paths', ['host', 'paths']],
    ['paths,host', ['host', 'paths']],
    ['host,paths,tags', ['host', 'paths', 'tags']],
    ['tags', ['tags']],
    ['hosts,path,tag', ['host', 'paths', 'tags']],
    ['host,host', ['host']],
    [' host , tags ', ['host', 'tags']],
    ['', []],
  ])('%j', (text, expected) => {
    expect(parseGroupBy(text)).toEqual(expected);
  });

  it('refuses an unknown field, naming it', () => {
    expect(() => parseGroupBy('host,user')).toThrow(InvalidArgumentError);
    expect(() => parseGroupBy('host,user')).toThrow(/"user"/);
  });
});

describe('parseKeepCount', () => {
  it('reads whole numbers, and unlimited or -1 as no limit', () => {
    expect(parseKeepCount('7')).toBe(7);
    expect(parseKeepCount('0')).toBe(0);
    expect(parseKeepCount('unlimited')).toBe(UNLIMITED);
    expect(parseKeepCount('-1')).toBe(-1);
  });

  it.each(['-2', '1.5', 'seven', '', '1e3'])('refuses %j', (text) => {
    expect(() => parseKeepCount(text, 'keep-daily')).toThrow(InvalidArgumentError);
    expect(() => parseKeepCount(text, 'keep-daily')).toThrow(/--keep-daily/);
  });
});

describe('isEmptyPolicy', () => {
  it.each([
    [{}, true],
    [{ keepTags: [] }, true],
    [{ last: 0, daily: 0, within: '' }, true],
    [{ within: '0d' }, true],
    [{ daily: 7, weekly: 2, monthly: 3, yearly: 10 }, false],
    [{ last: -1 }, false],
    [{ within: '1h' }, false],
    [{ keepTags: [''] }, false],
  ])('%j → %s', (policy, expected) => {
    expect(isEmptyPolicy(policy)).toBe(expected);
  });

  it('throws for an invalid policy instead of calling it empty', () => {
    expect(() => isEmptyPolicy({ within: 'soon' })).toThrow(InvalidArgumentError);
    expect(() => isEmptyPolicy({ last: -5 })).toThrow(/keep-last/);
  });
});
