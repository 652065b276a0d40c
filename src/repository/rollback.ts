// Rollback detection (issue 15 item 6): this client remembers, in a small file of its own
// (<cache>/<repository id>/seen.json, 0600), the snapshot records and index files it has seen and
// the audit-log entries it wrote. When one of them vanishes and the audit log records no operation
// that removes it (forget/prune/repair for a snapshot, prune/repair index for an index file), the
// storage has been rolled back or tampered with: commands warn, check reports an error. What this
// does and does not protect against: docs/operations-audit.md.

import type { StoredLogEntry } from './auditLog.js';
import { readStateFile, writeStateFile } from './clientState.js';

const STATE_VERSION = 1;
/** Audit-log entries this client remembers having written (the newest): enough to see the log cut short. */
export const REMEMBERED_LOG_ENTRIES = 16;

export interface SeenState {
  snapshots: string[];
  index: string[];
  /** Ids of the newest log entries this client wrote. */
  log: string[];
  /**
   * Names of the log entries known when the index list was last saved (what "since then" means).
   * A set, not the newest name: names start with their writer's clock, and one host an hour ahead
   * would make every later entry of the others sort "before" it.
   */
  log_known: string[];
}

export function readSeen(file: string): SeenState {
  const doc = readStateFile(file) as Partial<SeenState> & { version?: number } | undefined;
  const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
  if (!doc || doc.version !== STATE_VERSION) return { snapshots: [], index: [], log: [], log_known: [] };
  return { snapshots: strings(doc.snapshots), index: strings(doc.index), log: strings(doc.log), log_known: strings(doc.log_known) };
}

export function writeSeen(file: string, s: SeenState): void {
  writeStateFile(file, { version: STATE_VERSION, ...s });
}

/** Operations that remove snapshot records (they name them in snapshot_ids) and index files. */
const REMOVES_SNAPSHOTS = /^(forget|prune|repair snapshots --forget)\b/;
const REMOVES_INDEX = /^(prune|repair index)\b/;

/** Remembered ids missing from `current` (cheap: no log read). */
export function vanished(remembered: readonly string[], current: readonly string[]): string[] {
  const now = new Set(current);
  return remembered.filter((id) => !now.has(id));
}

/** Of the vanished snapshot ids, those no removing log entry names. */
export function unexplainedSnapshots(gone: readonly string[], log: readonly StoredLogEntry[]): string[] {
  const removed = new Set(log.filter((e) => REMOVES_SNAPSHOTS.test(e.operation)).flatMap((e) => e.snapshot_ids));
  return gone.filter((id) => !removed.has(id));
}

/** Vanished index files are explained by any prune or repair index logged since the list was saved (not among the names known then). */
export function unexplainedIndex(gone: readonly string[], log: readonly StoredLogEntry[], known: readonly string[]): string[] {
  const before = new Set(known);
  return log.some((e) => REMOVES_INDEX.test(e.operation) && !before.has(e.name)) ? [] : [...gone];
}

/** Snapshot records that a removing log entry names but that are present again (an old record put back). */
export function reappeared(current: readonly string[], log: readonly StoredLogEntry[]): Array<{ id: string; entry: StoredLogEntry }> {
  const present = new Set(current);
  const out: Array<{ id: string; entry: StoredLogEntry }> = [];
  for (const e of log) {
    if (!REMOVES_SNAPSHOTS.test(e.operation) || e.operation.startsWith('repair snapshots')) continue; // repair names new records too
    for (const id of e.snapshot_ids) if (present.has(id)) out.push({ id, entry: e });
  }
  return out;
}

export const snapshotGoneMessage = (id: string) =>
  `snapshot ${id}, which this client saw before, is gone and no forget or prune in the audit log removed it (rolled back or deleted behind snap's back)`;
export const indexGoneMessage = (name: string) =>
  `index file index/${name}, which this client saw before, is gone and no prune or repair index is logged since (rolled back or deleted behind snap's back)`;
