// Cases that fail on today's code and are being fixed in other branches (issue 12, issue 15), by
// "<object kind>/<command>" (or "<object kind>/<command> --json" for failures only with --json). The harness stays strict: a failing case whose pair is listed here is
// reported as a known failure and does not fail `npm test`; any other failure does. The lead removes
// an entry when the fix for it merges (the harness prints entries that no case hit any more).

/** The LMDB cache is opened without checks: garbage data.mdb → SIGSEGV, truncated → SIGBUS (cache branch). */
const CACHE = 'damaged LMDB data.mdb kills the process by SIGSEGV/SIGBUS (issue 12, cache heals itself)';
/** A log/ object that does not parse reaches the CLI as "internal error: ... JSON" (records branch). */
const LOG = 'undecodable log/ object: "internal error: Unexpected end of JSON input" (issue 12, records)';

export const KNOWN_FAILURES: Record<string, string> = {
  // list, log, check and check --read-data passed every cache mutation in a --full run (seed 3).
  'cache/ls': CACHE,
  'cache/restore': CACHE,
  'cache/dump': CACHE,
  'cache/diff': CACHE,
  'cache/verify': CACHE,
  'cache/stats': CACHE,
  'cache/copy': CACHE,
  'cache/create': CACHE,
  'log/log': LOG,
  // swap/other-kind of a pack puts pack bytes under a log/ name.
  'tree-blob/log': LOG,
  'blob/log': LOG,
  'pack-header/log': LOG,
  // ls --json streams its array: when a tree fails to load after '[' was written, stdout holds a
  // cut array instead of the error document (CLI.md). Seen: enc:tree-blob:swap:ls:1:164173159
  // (tree pack swapped with a log object: "pack <id>: blob at 1164 is truncated").
  'tree-blob/ls --json': 'ls --json prints a cut array, not the error document, when a tree fails mid-listing',
  'pack-header/ls --json': 'ls --json prints a cut array, not the error document, when a tree fails mid-listing',
};
