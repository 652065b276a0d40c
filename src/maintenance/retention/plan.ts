// planRetention: group the snapshots, apply the policy to each group, and say per snapshot why it
// stays. planForgetIds: the plan for `forget <id>...`, which bypasses policy and grouping.

import { InvalidArgumentError, NotFoundError } from '../../errors.js';
import { applyPolicy, type TimedSnapshot } from './applyPolicy.js';
import { describeGroupKey, groupSnapshots, validateGroupBy } from './groupBy.js';
import { compareInstants, parseLocalTime, type Instant } from './localTime.js';
import { isEmptyNormalized, normalizePolicy } from './policy.js';
import type { GroupBy, GroupPlan, PlanOptions, PolicySnapshot, RetentionPolicy } from './types.js';

/** The reason given when no --keep-* option was set: nothing is removed. */
export const NO_POLICY_REASON = 'no policy';
const MILLIS_PER_SECOND = 1000;
const NANOS_PER_MILLI = 1_000_000;

/**
 * Which snapshots a policy keeps, per group (restic 0.17 forget semantics; see docs/retention.md).
 * Groups are sorted by key; keep and remove lists are newest first.
 *
 * - An empty policy keeps everything, reason "no policy" (restic refuses to run instead; the CLI
 *   decides whether to refuse).
 * - A non-empty policy that would keep nothing of a group throws InvalidArgumentError, as restic
 *   0.17 does ("refusing to delete last snapshot of snapshot group"): only --keep-tag alone can
 *   do that, and it is nearly always a mistyped tag.
 */
export function planRetention(
  snapshots: PolicySnapshot[],
  policy: RetentionPolicy,
  groupBy: GroupBy,
  options: PlanOptions = {},
): GroupPlan[] {
  const normalized = normalizePolicy(policy);
  const fields = validateGroupBy(groupBy);
  const now = instantOf(options.now ?? new Date());
  const empty = isEmptyNormalized(normalized);

  return groupSnapshots(withTimes(snapshots), fields).map(({ key, snapshots: items }) => {
    const newestFirst = sortNewestFirst(items);
    if (empty) {
      return { key, keep: newestFirst.map((s) => ({ ...idAndTime(s), reasons: [NO_POLICY_REASON] })), remove: [] };
    }
    const result = applyPolicy(newestFirst, normalized, now);
    if (result.keep.length === 0) {
      throw new InvalidArgumentError(
        `refusing to remove every snapshot of the group ${describeGroupKey(key)}: none matches the policy ` +
          `(check the --keep-tag values)`,
      );
    }
    return {
      key,
      keep: result.keep.map(({ item, reasons }) => ({ ...idAndTime(item), reasons })),
      remove: result.remove.map(idAndTime),
    };
  });
}

/**
 * `forget <id>...`: the given snapshots are removed, whatever any policy says (restic ignores
 * --keep-* when ids are given). The ids were already resolved by the caller (prefixes, `latest`);
 * one that is not among `snapshots` is a NotFoundError. One group with an empty key; nothing is
 * listed as kept, since nothing was decided about the other snapshots.
 */
export function planForgetIds(snapshots: PolicySnapshot[], ids: string[]): GroupPlan[] {
  const byId = new Map(snapshots.map((s) => [s.id, s]));
  const chosen = new Map<string, PolicySnapshot>();
  for (const id of ids) {
    const sn = byId.get(id);
    if (!sn) throw new NotFoundError(`no snapshot ${id}`);
    chosen.set(id, sn);
  }
  return [{ key: {}, keep: [], remove: sortNewestFirst(withTimes([...chosen.values()])).map(idAndTime) }];
}

function withTimes(snapshots: readonly PolicySnapshot[]): Array<PolicySnapshot & { parsed: TimedSnapshot }> {
  return snapshots.map((snapshot) => ({
    ...snapshot,
    parsed: { snapshot, time: parseLocalTime(snapshot.time, snapshot.id) },
  }));
}

/**
 * Newest first by instant. Equal instants are ordered by id, so the plan does not depend on the
 * order the backend listed the records in (restic keeps listing order, which is arbitrary).
 */
function sortNewestFirst(items: ReadonlyArray<{ parsed: TimedSnapshot }>): TimedSnapshot[] {
  return items
    .map((i) => i.parsed)
    .sort((a, b) => compareInstants(b.time, a.time) || (a.snapshot.id < b.snapshot.id ? -1 : a.snapshot.id > b.snapshot.id ? 1 : 0));
}

function idAndTime(s: TimedSnapshot): { id: string; time: string } {
  return { id: s.snapshot.id, time: s.snapshot.time };
}

function instantOf(d: Date): Instant {
  const ms = d.getTime();
  if (!Number.isFinite(ms)) throw new InvalidArgumentError('invalid "now" for the retention plan');
  const epochSeconds = Math.floor(ms / MILLIS_PER_SECOND);
  return { epochSeconds, nanos: (ms - epochSeconds * MILLIS_PER_SECOND) * NANOS_PER_MILLI };
}
