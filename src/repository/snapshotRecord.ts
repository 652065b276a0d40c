// Snapshot records (format v1): JSON with a fixed key order, one object per snapshot under
// snapshots/<id>, where the id is the BLAKE3 of the stored bytes. Written last, atomically.

import { IntegrityError, UnsupportedFormatError } from '../errors.js';
import type { SnapshotId } from '../ids.js';

export const SNAPSHOT_FORMAT_VERSION = 1;

export interface SnapshotRecord {
  version: number;
  /** ISO-8601 with the local UTC offset, e.g. 2026-11-25T02:00:00.123+01:00 */
  time: string;
  hostname: string;
  username: string;
  paths: string[];
  tags: string[];
  /** hex id of the root tree */
  tree: string;
  parent: string | null;
  program_version: string;
  partial: boolean;
  /** id of the snapshot this one was rewritten from (repair snapshots) */
  original: string | null;
  /** the `create --json` document, or null */
  summary: Record<string, unknown> | null;
}

export interface Snapshot extends SnapshotRecord {
  id: SnapshotId;
}

const KEY_ORDER: Array<keyof SnapshotRecord> = [
  'version', 'time', 'hostname', 'username', 'paths', 'tags', 'tree', 'parent', 'program_version', 'partial', 'original', 'summary',
];

export function encodeSnapshot(r: SnapshotRecord): Buffer {
  const ordered: Record<string, unknown> = {};
  for (const k of KEY_ORDER) ordered[k] = r[k];
  return Buffer.from(JSON.stringify(ordered), 'utf8');
}

export function decodeSnapshot(buf: Buffer, id: string): SnapshotRecord {
  let r: SnapshotRecord;
  try {
    r = JSON.parse(buf.toString('utf8')) as SnapshotRecord;
  } catch {
    throw new IntegrityError(`snapshot ${id} does not parse`, { object: `snapshots/${id}` });
  }
  if (r.version !== SNAPSHOT_FORMAT_VERSION) throw new UnsupportedFormatError(`snapshot ${id}: unknown format version ${r.version}`);
  return r;
}

/** Local time with its UTC offset, as restic records it (retention buckets use the local time). */
export function localIsoTime(d: Date): string {
  const off = -d.getTimezoneOffset();
  const sign = off >= 0 ? '+' : '-';
  const abs = Math.abs(off);
  const local = new Date(d.getTime() + off * 60_000);
  const base = local.toISOString().replace('Z', '');
  return `${base}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}
