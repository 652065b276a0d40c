// --exclude patterns, restic's semantics — a pattern
// without a slash matches any path component; one with a slash matches the absolute path or a prefix of it.

import picomatch from 'picomatch';
import { readFileSync } from 'node:fs';
import { InvalidArgumentError } from '../errors.js';

export type PathMatcher = (absPath: string, isDir: boolean) => boolean;

export function compileExcludes(patterns: string[]): PathMatcher {
  if (patterns.length === 0) return () => false;
  const matchers = patterns.map((p) => {
    const base = !p.includes('/');
    const m = picomatch(base ? p : p.replace(/\/+$/, ''), { dot: true, basename: base });
    return { base, m };
  });
  return (abs) => {
    for (const { base, m } of matchers) {
      if (base ? m(abs.slice(abs.lastIndexOf('/') + 1)) : m(abs)) return true;
    }
    return false;
  };
}

/** --exclude-file: one pattern a line; blank lines and lines starting with # are ignored. */
export function readExcludeFile(file: string): string[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new InvalidArgumentError(`--exclude-file ${file}: ${(e as Error).message}`);
  }
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
}
