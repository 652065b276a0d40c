// The shapes the retention planner takes and returns. They are deliberately plain data (strings,
// numbers, arrays) so that the CLI can fill them from snapshot records and print them as JSON
// without conversion.

/** What the planner needs to know about one snapshot record. */
export interface PolicySnapshot {
  id: string;
  /** ISO-8601 with its UTC offset, as recorded: "2026-03-01T02:00:00+01:00". */
  time: string;
  hostname: string;
  paths: string[];
  tags: string[];
}

/**
 * A forget policy (restic's --keep-* options). Counts: 0 or absent = not set, -1 = unlimited,
 * otherwise a positive whole number. `within` is a duration such as "1y5m7d2h". Each `keepTags`
 * entry is one --keep-tag value: a comma-separated list of tags that must all be present.
 */
export interface RetentionPolicy {
  last?: number;
  hourly?: number;
  daily?: number;
  weekly?: number;
  monthly?: number;
  yearly?: number;
  within?: string;
  keepTags?: string[];
}

export type GroupByField = 'host' | 'paths' | 'tags';
/** Which snapshot properties form a group; [] puts every snapshot in one group. */
export type GroupBy = Array<GroupByField>;

/** A kept snapshot and every rule that kept it, e.g. ["daily snapshot", "weekly snapshot"]. */
export interface KeepDecision {
  id: string;
  time: string;
  reasons: string[];
}

/** The group's key holds only the properties grouped by (paths and tags sorted). */
export interface GroupKey {
  hostname?: string;
  paths?: string[];
  tags?: string[];
}

/** The plan for one group: keep and remove are both newest first. */
export interface GroupPlan {
  key: GroupKey;
  keep: KeepDecision[];
  remove: { id: string; time: string }[];
}

/** A duration as restic reads it: whole years, months, days and hours. */
export interface RetentionDuration {
  years: number;
  months: number;
  days: number;
  hours: number;
}

export interface PlanOptions {
  /**
   * The present moment. Only --keep-within uses it: like restic, the newest snapshot that is
   * not in the future anchors the window, so a snapshot stamped far ahead (clock error, hostile
   * client on an append-only repository) cannot drag the window away from the real ones.
   * Defaults to the current clock; tests pass a fixed value.
   */
  now?: Date;
}
