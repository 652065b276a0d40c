// maintenance/ owns the operations on a repository other than writing and reading snapshots: one
// folder per command (check, copy, diff, forget, prune, repair, report, stats) plus the pure
// retention policy forget uses. Each folder's entry file says what it owns; src/index.ts exports
// every operation (plan/execute pairs where the command is destructive). Nothing here prints or exits.
export {};
