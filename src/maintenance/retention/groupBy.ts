// --group-by: the policy is applied to each group separately, so that a policy meant for one
// machine's /home never removes another machine's /etc backups. Default host,paths, as restic.

import { InvalidArgumentError } from '../../errors.js';
import type { GroupBy, GroupByField, GroupKey, PolicySnapshot } from './types.js';

export const DEFAULT_GROUP_BY: GroupBy = ['host', 'paths'];

/** Canonical field order: the parsed value and group keys read the same whatever order was typed. */
const FIELD_ORDER: GroupByField[] = ['host', 'paths', 'tags'];
/** restic accepts singular and plural spellings. */
const FIELD_NAMES: Record<string, GroupByField> = {
  host: 'host',
  hosts: 'host',
  path: 'paths',
  paths: 'paths',
  tag: 'tags',
  tags: 'tags',
};

/** "host,paths" → ['host', 'paths']; "" → [] (one group for everything). */
export function parseGroupBy(s: string): GroupBy {
  const chosen = new Set<GroupByField>();
  for (const part of String(s).split(',')) {
    const name = part.trim();
    if (name === '') continue;
    const field = FIELD_NAMES[name];
    if (field === undefined) {
      throw new InvalidArgumentError(
        `invalid --group-by "${s}": unknown grouping option "${name}" (use host, paths and/or tags, comma-separated, or '' for no grouping)`,
      );
    }
    chosen.add(field);
  }
  return FIELD_ORDER.filter((f) => chosen.has(f));
}

/** Checks a GroupBy built in code (not parsed), so a typo cannot silently merge groups. */
export function validateGroupBy(groupBy: GroupBy): GroupBy {
  if (!Array.isArray(groupBy)) throw new InvalidArgumentError('group-by must be a list of host, paths, tags');
  for (const f of groupBy) {
    if (!FIELD_ORDER.includes(f)) throw new InvalidArgumentError(`unknown grouping option "${String(f)}"`);
  }
  return FIELD_ORDER.filter((f) => groupBy.includes(f));
}

/** A snapshot's group key. Paths and tags are compared as sorted lists (restic sorts both). */
export function groupKeyOf(sn: PolicySnapshot, groupBy: GroupBy): GroupKey {
  const key: GroupKey = {};
  if (groupBy.includes('host')) key.hostname = sn.hostname;
  if (groupBy.includes('paths')) key.paths = [...sn.paths].sort(byCodeUnits);
  if (groupBy.includes('tags')) key.tags = [...sn.tags].sort(byCodeUnits);
  return key;
}

/**
 * Splits snapshots into groups. Groups come out sorted by key (hostname, then paths, then tags,
 * lists compared element by element), so the plan's order does not depend on listing order.
 */
export function groupSnapshots<T extends PolicySnapshot>(
  snapshots: readonly T[],
  groupBy: GroupBy,
): Array<{ key: GroupKey; snapshots: T[] }> {
  const groups = new Map<string, { key: GroupKey; snapshots: T[] }>();
  for (const sn of snapshots) {
    const key = groupKeyOf(sn, groupBy);
    // JSON of the key is an exact identity for it (restic uses the same), though not an order.
    const identity = JSON.stringify([key.hostname, key.paths, key.tags]);
    let group = groups.get(identity);
    if (!group) groups.set(identity, (group = { key, snapshots: [] }));
    group.snapshots.push(sn);
  }
  return [...groups.values()].sort((a, b) => compareKeys(a.key, b.key));
}

function compareKeys(a: GroupKey, b: GroupKey): number {
  return (
    byCodeUnits(a.hostname ?? '', b.hostname ?? '') ||
    compareLists(a.paths ?? [], b.paths ?? []) ||
    compareLists(a.tags ?? [], b.tags ?? [])
  );
}

/** Element by element; a list that is a prefix of another comes first. */
function compareLists(a: readonly string[], b: readonly string[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const c = byCodeUnits(a[i], b[i]);
    if (c !== 0) return c;
  }
  return a.length - b.length;
}

/** Plain code-unit order (Go's sort.Strings), not locale order, so results match everywhere. */
function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** "host a, paths [/etc, /home], tags [x]" for messages. */
export function describeGroupKey(key: GroupKey): string {
  const parts: string[] = [];
  if (key.hostname !== undefined) parts.push(`host ${key.hostname}`);
  if (key.paths !== undefined) parts.push(`paths [${key.paths.join(', ')}]`);
  if (key.tags !== undefined) parts.push(`tags [${key.tags.join(', ')}]`);
  return parts.length > 0 ? parts.join(', ') : 'all snapshots';
}
