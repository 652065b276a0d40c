// Which paths of a snapshot a restore takes (--include/--exclude), in one place for the restore walk
// and its --verify pass, so both always agree. A pattern matches a path ("/dir/file.txt", relative to
// the restored sub-tree), the path without its leading '/', or the basename: `*.bin` matches
// "/a/b/x.bin" as restic's restore does. Excludes apply to directories too (nothing below is taken);
// includes apply to files only (directories are walked to find them).

import path from 'node:path';
import picomatch from 'picomatch';

export interface Selection {
  /** `rel`: the path inside the restored sub-tree, with a leading '/'. */
  selected(rel: string, isDir: boolean): boolean;
}

type Matcher = (p: string) => boolean;

const matchesAny = (m: Matcher, rel: string): boolean => m(rel) || m(rel.slice(1)) || m(path.posix.basename(rel));

/** Everything is selected when there are no patterns. */
export function makeSelection(includes: readonly string[] = [], excludes: readonly string[] = []): Selection {
  const include = includes.length ? picomatch([...includes], { dot: true }) : undefined;
  const exclude = excludes.length ? picomatch([...excludes], { dot: true }) : undefined;
  return {
    selected(rel, isDir) {
      if (exclude && matchesAny(exclude, rel)) return false;
      if (include && !isDir && !matchesAny(include, rel)) return false;
      return true;
    },
  };
}
