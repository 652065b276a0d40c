// --keep-tag matching, restic's tag-list semantics: one value is a comma-separated list whose
// tags must ALL be on the snapshot (AND); several --keep-tag values each keep what they match (OR).
// The empty tag stands for "no tags at all": --keep-tag '' keeps the untagged snapshots.

/** One --keep-tag value split into its tags, whitespace around each tag ignored ("a, b" = a AND b). */
export function parseTagList(value: string): string[] {
  return value.split(',').map((t) => t.trim());
}

/**
 * restic's Snapshot.HasTags, step for step: every tag of the list must be present, except that an
 * empty tag met on an untagged snapshot matches at once. (So "a," matches nothing: a tagged
 * snapshot lacks the tag "", an untagged one lacks "a".)
 */
export function hasTags(snapshotTags: readonly string[], list: readonly string[]): boolean {
  for (const tag of list) {
    if (tag === '' && snapshotTags.length === 0) return true;
    if (!snapshotTags.includes(tag)) return false;
  }
  return true;
}

/** The keep reason for a tag list: "has tag foo", "has tags foo,bar", "has no tags". */
export function describeTagList(list: readonly string[]): string {
  if (list.length === 1 && list[0] === '') return 'has no tags';
  return `${list.length === 1 ? 'has tag' : 'has tags'} ${list.join(',')}`;
}
