// The policy applied to one group: restic's ApplyPolicy (internal/restic/snapshot_policy.go,
// 0.17), step for step, so that a repository moved from restic keeps the same snapshots.
//
// Snapshots are walked newest first. Each calendar rule remembers the bucket of the last
// snapshot it kept; a snapshot whose bucket differs is the newest of a new bucket and is kept,
// using up one of the rule's count. So --keep-daily 7 keeps the newest snapshot of each of the
// 7 most recent days that HAVE snapshots (not of the last 7 calendar days). Rules are ORed and a
// snapshot lists every rule that kept it.

import { COUNT_RULES, UNLIMITED, type NormalizedPolicy } from './policy.js';
import { BUCKETERS } from './buckets.js';
import { compareInstants, subtractDuration, type Instant, type LocalTime } from './localTime.js';
import { formatRetentionDuration } from './duration.js';
import { describeTagList, hasTags } from './tags.js';
import type { PolicySnapshot } from './types.js';

export interface TimedSnapshot {
  snapshot: PolicySnapshot;
  time: LocalTime;
}

export interface GroupResult {
  keep: Array<{ item: TimedSnapshot; reasons: string[] }>;
  remove: TimedSnapshot[];
}

/** Bucket number no real snapshot has: the first snapshot always opens a new bucket. */
const NO_BUCKET = Number.NEGATIVE_INFINITY;

/** `newestFirst` must already be sorted newest first (ties in a fixed order). */
export function applyPolicy(newestFirst: readonly TimedSnapshot[], policy: NormalizedPolicy, now: Instant): GroupResult {
  const result: GroupResult = { keep: [], remove: [] };
  if (newestFirst.length === 0) return result;

  const rules = COUNT_RULES.filter((r) => policy.counts[r.field] !== 0).map((r) => ({
    reason: r.reason,
    bucketOf: BUCKETERS[r.field],
    remaining: policy.counts[r.field],
    lastBucket: NO_BUCKET,
  }));

  // --keep-within counts back from the newest snapshot that is not in the future.
  const withinStart = policy.within ? windowStart(newestFirst, policy.within, now) : null;
  const withinReason = policy.within ? `within ${formatRetentionDuration(policy.within)}` : '';
  const oldest = newestFirst.length - 1;

  newestFirst.forEach((item, nr) => {
    const reasons: string[] = [];

    // Tags are not counted: every matching snapshot is kept.
    for (const list of policy.keepTags) {
      if (hasTags(item.snapshot.tags, list)) reasons.push(describeTagList(list));
    }

    // Strictly after the start: a snapshot exactly `within` older than the newest is not kept.
    if (withinStart !== null && (withinStart === 'everything' || compareInstants(item.time, withinStart) > 0)) {
      reasons.push(withinReason);
    }

    for (const rule of rules) {
      if (rule.remaining === 0) continue;
      const bucket = rule.bucketOf(item.time, nr);
      // The oldest snapshot is also kept while a rule still has counts left: restic (since 0.16)
      // does this to stretch the kept history as far back as the counts allow.
      if (bucket !== rule.lastBucket || nr === oldest) {
        rule.lastBucket = bucket;
        if (rule.remaining !== UNLIMITED) rule.remaining--;
        reasons.push(rule.reason);
      }
    }

    if (reasons.length > 0) result.keep.push({ item, reasons });
    else result.remove.push(item);
  });
  return result;
}

/**
 * Where the --keep-within window starts. When every snapshot is in the future restic anchors at
 * its zero time, so everything counts as within: 'everything'.
 */
function windowStart(
  newestFirst: readonly TimedSnapshot[],
  within: NonNullable<NormalizedPolicy['within']>,
  now: Instant,
): Instant | 'everything' {
  const anchor = newestFirst.find((s) => compareInstants(s.time, now) < 0);
  return anchor ? subtractDuration(anchor.time, within) : 'everything';
}
