// Checking a RetentionPolicy and bringing it into the form the planner uses. Done once, up front,
// so a bad value fails before anything is planned, with the option named in the message.

import { InvalidArgumentError } from '../../errors.js';
import { isZeroDuration, parseRetentionDuration } from './duration.js';
import { parseTagList } from './tags.js';
import type { RetentionDuration, RetentionPolicy } from './types.js';

/** -1 in a count means "unlimited": keep every bucket (restic's `--keep-daily unlimited`). */
export const UNLIMITED = -1;
const UNLIMITED_WORD = 'unlimited';

/** The calendar counts in restic's evaluation order, with their option name and keep reason. */
export const COUNT_RULES = [
  { field: 'last', option: 'keep-last', reason: 'last snapshot' },
  { field: 'hourly', option: 'keep-hourly', reason: 'hourly snapshot' },
  { field: 'daily', option: 'keep-daily', reason: 'daily snapshot' },
  { field: 'weekly', option: 'keep-weekly', reason: 'weekly snapshot' },
  { field: 'monthly', option: 'keep-monthly', reason: 'monthly snapshot' },
  { field: 'yearly', option: 'keep-yearly', reason: 'yearly snapshot' },
] as const;

export type CountField = (typeof COUNT_RULES)[number]['field'];

export interface NormalizedPolicy {
  counts: Record<CountField, number>; // 0 = not set, -1 = unlimited, else n > 0
  within: RetentionDuration | null; // null = not set (absent, empty, or zero)
  keepTags: string[][]; // one AND-list per --keep-tag value, duplicates dropped
}

export function normalizePolicy(p: RetentionPolicy): NormalizedPolicy {
  const counts = {} as Record<CountField, number>;
  for (const rule of COUNT_RULES) {
    const n = p[rule.field] ?? 0;
    if (!Number.isSafeInteger(n) || n < UNLIMITED) {
      throw new InvalidArgumentError(
        `invalid --${rule.option} ${String(n)}: expected a whole number, or ${UNLIMITED} / '${UNLIMITED_WORD}' for no limit`,
      );
    }
    counts[rule.field] = n;
  }

  let within: RetentionDuration | null = null;
  if (p.within !== undefined) {
    const d = parseRetentionDuration(p.within);
    within = isZeroDuration(d) ? null : d;
  }

  // The same --keep-tag given twice would only print its reason twice.
  const seen = new Set<string>();
  const keepTags: string[][] = [];
  for (const value of p.keepTags ?? []) {
    if (typeof value !== 'string') throw new InvalidArgumentError(`invalid --keep-tag ${String(value)}`);
    const list = parseTagList(value);
    const id = JSON.stringify(list);
    if (!seen.has(id)) {
      seen.add(id);
      keepTags.push(list);
    }
  }
  return { counts, within, keepTags };
}

/**
 * True when the policy asks for nothing (restic's ExpirePolicy.Empty): every count 0, no
 * within (or a zero one such as "0d"), no --keep-tag. `--keep-tag ''` is not empty: it keeps
 * the untagged snapshots. Throws InvalidArgumentError for an invalid policy.
 */
export function isEmptyPolicy(p: RetentionPolicy): boolean {
  return isEmptyNormalized(normalizePolicy(p));
}

export function isEmptyNormalized(n: NormalizedPolicy): boolean {
  return COUNT_RULES.every((r) => n.counts[r.field] === 0) && n.within === null && n.keepTags.length === 0;
}

/**
 * A --keep-* count as typed: a whole number, 'unlimited' or -1 (both mean no limit). restic 0.17
 * accepts only 'unlimited' on its command line and -1 internally; snap accepts both spellings.
 */
export function parseKeepCount(s: string, option = 'keep-*'): number {
  const text = String(s).trim();
  if (text === UNLIMITED_WORD || text === String(UNLIMITED)) return UNLIMITED;
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text))) {
    throw new InvalidArgumentError(
      `invalid --${option} "${s}": expected a whole number, or '${UNLIMITED_WORD}' (or ${UNLIMITED}) for no limit`,
    );
  }
  return Number(text);
}
