// Cases that fail on today's code and are being fixed in other branches (issue 12, issue 15), by
// "<object kind>/<command>" (or "<object kind>/<command> --json" for failures only with --json). The harness stays strict: a failing case whose pair is listed here is
// reported as a known failure and does not fail `npm test`; any other failure does. The lead removes
// an entry when the fix for it merges (the harness prints entries that no case hit any more).

// Emptied as the fixes merged: the LMDB cache heals itself (meta pages checked before open),
// undecodable log/ objects are skipped with a warning, and `ls --json` holds its first MiB back so
// a tree that fails to load gives the error document alone.
export const KNOWN_FAILURES: Record<string, string> = {};

