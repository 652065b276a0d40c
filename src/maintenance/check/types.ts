// What `snap check` reports (CLI.md's JSON shape): errors name what is affected — the snapshot, the
// pack, the file path — as far as they are known; notes are findings that are not damage.

export type CheckErrorKind =
  | 'snapshot_unreadable'
  | 'index_unreadable'
  | 'pack_missing'
  | 'index_out_of_bounds'
  | 'tree_missing'
  | 'tree_damaged'
  | 'chunk_list_missing'
  | 'chunk_list_damaged'
  | 'blob_missing'
  | 'blob_damaged'
  | 'pack_unreadable'
  | 'pack_header_mismatch'
  | 'rollback'
  | 'log_gap'
  | 'log_modified'
  | 'log_unreadable';

export interface CheckError {
  kind: CheckErrorKind;
  message: string;
  snapshot: string | null;
  pack: string | null;
  path: string | null;
}

export interface CheckResult {
  ok: boolean;
  errors: CheckError[];
  notes: string[];
  /** Snapshots walked. */
  snapshots: number;
  /** Packs in the repository (data/). */
  packs: number;
  /** Distinct data chunks referenced by the snapshots and found in the index. */
  chunks_checked: number;
  /** Distinct tree and chunk-list blobs loaded and verified during the walk. */
  trees_checked: number;
  /** With --read-data*: packs read, blobs re-hashed, bytes read. */
  packs_read: number;
  blobs_read: number;
  bytes_read: number;
}

export interface CheckProgress {
  phase: 'index' | 'packs' | 'read-data' | 'snapshots';
  packs?: number;
  bytes?: number;
  totalBytes?: number;
  current?: string;
}

export function checkError(kind: CheckErrorKind, message: string, where: { snapshot?: string | null; pack?: string | null; path?: string | null } = {}): CheckError {
  return { kind, message, snapshot: where.snapshot ?? null, pack: where.pack ?? null, path: where.path ?? null };
}
