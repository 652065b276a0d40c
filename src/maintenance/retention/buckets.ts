// The calendar buckets of --keep-hourly/daily/weekly/monthly/yearly, restic's "bucker" functions:
// each maps a snapshot to a number, and two snapshots share a bucket when their numbers are equal.
// They read the recorded wall clock, never UTC and never the machine's zone.

import { isoWeek, type LocalTime } from './localTime.js';
import type { CountField } from './policy.js';

/** A bucket number for the snapshot at position `nr` (newest first) with recorded time `t`. */
export type Bucketer = (t: LocalTime, nr: number) => number;

export const BUCKETERS: Record<CountField, Bucketer> = {
  // Every snapshot is its own bucket, so --keep-last counts snapshots.
  last: (_t, nr) => nr,
  hourly: (t) => t.year * 1_000_000 + t.month * 10_000 + t.day * 100 + t.hour, // YYYYMMDDHH
  daily: (t) => t.year * 10_000 + t.month * 100 + t.day, // YYYYMMDD
  // ISO week and ISO week-year: 2027-01-01 (a Friday) is in week 53 of 2026.
  weekly: (t) => {
    const w = isoWeek(t.year, t.month, t.day);
    return w.year * 100 + w.week; // YYYYWW
  },
  monthly: (t) => t.year * 100 + t.month, // YYYYMM
  yearly: (t) => t.year, // calendar year (not the ISO week-year)
};
