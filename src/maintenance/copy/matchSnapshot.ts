// When is a source snapshot already in the target? When the target has a record with the same time,
// host, paths and tags whose root tree is the source's tree after copying (the same id when the two
// repositories share their id key, the re-identified id otherwise). Pure functions.

import type { SnapshotRecord } from '../../repository/snapshotRecord.js';

type Fields = Pick<SnapshotRecord, 'time' | 'hostname' | 'paths' | 'tags'>;

const sameList = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

/** Same time (as recorded, offset included), host, paths and tags. */
export function sameFields(a: Fields, b: Fields): boolean {
  return a.time === b.time && a.hostname === b.hostname && sameList(a.paths, b.paths) && sameList(a.tags, b.tags);
}

/** The target snapshots that could be copies of `source` (all that is left to compare is the tree). */
export function candidates<T extends Fields>(source: Fields, target: readonly T[]): T[] {
  return target.filter((t) => sameFields(source, t));
}

/** The candidate whose root tree is `treeHex`, if any. */
export function findCopy<T extends Fields & { tree: string }>(source: Fields, treeHex: string, target: readonly T[]): T | undefined {
  return candidates(source, target).find((t) => t.tree === treeHex);
}
