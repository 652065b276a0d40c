// Snapshot times as restic reads them: a wall-clock reading plus the UTC offset it was recorded
// with. Calendar buckets (hour, day, ISO week, month, year) use the wall clock, so a 23:30 backup
// at -05:00 belongs to that evening's day whatever the UTC date is; ordering and --keep-within use
// the instant. All calendar arithmetic is integer day counting (no Date object), which keeps it
// exact for any year and free of the host's time zone.

import { IntegrityError } from '../../errors.js';
import type { RetentionDuration } from './types.js';

const SECONDS_PER_MINUTE = 60;
const SECONDS_PER_HOUR = 3600;
const SECONDS_PER_DAY = 86_400;
const MONTHS_PER_YEAR = 12;
const DAYS_PER_WEEK = 7;
const NANOS_DIGITS = 9;
/** ISO weekday (Mon = 1 .. Sun = 7) of 1970-01-01, the day count's origin. */
const EPOCH_ISO_WEEKDAY = 4;
const THURSDAY = 4;
const MAX_OFFSET_MINUTES = 23 * 60 + 59;

/** An instant: whole seconds since 1970-01-01T00:00:00Z plus a nanosecond fraction. */
export interface Instant {
  epochSeconds: number;
  nanos: number;
}

/** A recorded time: the wall clock where it was taken, and the instant. */
export interface LocalTime extends Instant {
  year: number;
  month: number; // 1..12
  day: number; // 1..31
  hour: number;
  minute: number;
  second: number;
  offsetMinutes: number; // east of UTC
}

// Date and time with seconds and an explicit offset (RFC 3339); fractions of any length, of
// which the first nine digits count. A time without an offset is refused: its day would depend
// on the machine that runs forget.
const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d+))?(?:([Zz])|([+-])(\d{2}):?(\d{2}))$/;

/** Parses a snapshot record's time; a malformed one is a damaged record. */
export function parseLocalTime(text: string, snapshotId: string): LocalTime {
  const m = RFC3339.exec(text);
  const fail = (): never => {
    throw new IntegrityError(
      `snapshot ${snapshotId}: time "${text}" is not an ISO-8601 time with a UTC offset`,
      { object: `snapshots/${snapshotId}` },
    );
  };
  if (!m) return fail();
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number);
  const nanos = m[7] ? Number(m[7].slice(0, NANOS_DIGITS).padEnd(NANOS_DIGITS, '0')) : 0;
  let offsetMinutes = 0;
  if (!m[8]) {
    offsetMinutes = (Number(m[10]) * 60 + Number(m[11])) * (m[9] === '-' ? -1 : 1);
  }
  const days = daysFromCivil(year, month, day);
  const roundTrip = civilFromDays(days);
  if (
    roundTrip.month !== month ||
    roundTrip.day !== day ||
    hour > 23 ||
    minute > 59 ||
    second > 59 ||
    Number(m[11] ?? 0) > 59 ||
    Math.abs(offsetMinutes) > MAX_OFFSET_MINUTES
  ) {
    return fail();
  }
  const wallSeconds = days * SECONDS_PER_DAY + hour * SECONDS_PER_HOUR + minute * SECONDS_PER_MINUTE + second;
  return {
    year,
    month,
    day,
    hour,
    minute,
    second,
    nanos,
    offsetMinutes,
    epochSeconds: wallSeconds - offsetMinutes * SECONDS_PER_MINUTE,
  };
}

/** Negative when a is earlier than b, positive when later, 0 when the same instant. */
export function compareInstants(a: Instant, b: Instant): number {
  return a.epochSeconds !== b.epochSeconds ? a.epochSeconds - b.epochSeconds : a.nanos - b.nanos;
}

/**
 * The instant `d` before `t`, computed as Go's t.AddDate(-y, -m, -d).Add(-h) (restic's code):
 * years, months and days move the wall clock in t's own offset and overflow the way Go
 * normalises dates (March 31 minus one month is "February 31", i.e. March 3 in a common year);
 * hours are then taken off the instant.
 */
export function subtractDuration(t: LocalTime, d: RetentionDuration): Instant {
  const totalMonths = t.year * MONTHS_PER_YEAR + (t.month - 1) - d.years * MONTHS_PER_YEAR - d.months;
  const year = Math.floor(totalMonths / MONTHS_PER_YEAR);
  const month = totalMonths - year * MONTHS_PER_YEAR + 1;
  const days = daysFromCivil(year, month, 1) + (t.day - 1) - d.days;
  const wallSeconds =
    days * SECONDS_PER_DAY + t.hour * SECONDS_PER_HOUR + t.minute * SECONDS_PER_MINUTE + t.second;
  return {
    epochSeconds: wallSeconds - t.offsetMinutes * SECONDS_PER_MINUTE - d.hours * SECONDS_PER_HOUR,
    nanos: t.nanos,
  };
}

/** ISO-8601 week of a wall-clock date: weeks run Monday..Sunday and belong to the year of their Thursday. */
export function isoWeek(year: number, month: number, day: number): { year: number; week: number } {
  const days = daysFromCivil(year, month, day);
  const thursday = days + (THURSDAY - isoWeekday(days));
  const weekYear = civilFromDays(thursday).year;
  const week = Math.floor((thursday - daysFromCivil(weekYear, 1, 1)) / DAYS_PER_WEEK) + 1;
  return { year: weekYear, week };
}

/** Monday = 1 .. Sunday = 7 for a day count since 1970-01-01. */
export function isoWeekday(days: number): number {
  return ((((days + EPOCH_ISO_WEEKDAY - 1) % DAYS_PER_WEEK) + DAYS_PER_WEEK) % DAYS_PER_WEEK) + 1;
}

// Days since 1970-01-01 of a proleptic Gregorian date, and back (H. Hinnant's civil algorithms,
// eras of 400 years starting in March so that the leap day is the last day of the year).
const DAYS_PER_ERA = 146_097;
const YEARS_PER_ERA = 400;
const EPOCH_SHIFT_DAYS = 719_468; // 0000-03-01 .. 1970-01-01

export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / YEARS_PER_ERA);
  const yearOfEra = y - era * YEARS_PER_ERA;
  const monthFromMarch = (month + 9) % 12;
  const dayOfYear = Math.floor((153 * monthFromMarch + 2) / 5) + day - 1;
  const dayOfEra =
    yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * DAYS_PER_ERA + dayOfEra - EPOCH_SHIFT_DAYS;
}

export function civilFromDays(days: number): { year: number; month: number; day: number } {
  const z = days + EPOCH_SHIFT_DAYS;
  const era = Math.floor(z / DAYS_PER_ERA);
  const dayOfEra = z - era * DAYS_PER_ERA;
  const yearOfEra = Math.floor(
    (dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const monthFromMarch = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * monthFromMarch + 2) / 5) + 1;
  const month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9;
  const year = yearOfEra + era * YEARS_PER_ERA + (month <= 2 ? 1 : 0);
  return { year, month, day };
}
