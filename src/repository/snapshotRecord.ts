// Snapshot records (format v1): JSON with a fixed key order, one object per snapshot under
// snapshots/<id>, where the id is the BLAKE3 of the stored bytes. Written last, atomically.

import { IntegrityError, UnsupportedFormatError } from '../errors.js';
import type { SnapshotId } from '../ids.js';
import { parseLocalTime } from '../maintenance/retention/localTime.js';

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

/** Bounds on what a record may hold: a record past them was not written by snap (or is damaged). */
export const MAX_SNAPSHOT_RECORD_BYTES = 16 * 1024 * 1024;
const MAX_FIELD_CHARS = 64 * 1024;
const MAX_LIST_ITEMS = 64 * 1024;
const HEX_ID = /^[0-9a-f]{64}$/;

/**
 * Decode and schema-check a record: every field typed and bounded, so nothing downstream (walks,
 * retention, printing) meets a value of the wrong shape. A bad record is an IntegrityError naming
 * the object (callers that list snapshots skip it with a warning; check reports it).
 */
export function decodeSnapshot(buf: Buffer, id: string): SnapshotRecord {
  const object = `snapshots/${id}`;
  const bad = (why: string) => new IntegrityError(`snapshot record ${object} is damaged: ${why}`, { object });
  if (buf.length === 0) throw bad('it is empty (0 bytes)');
  if (buf.length > MAX_SNAPSHOT_RECORD_BYTES) throw bad(`${buf.length} bytes is more than a record may hold`);
  let r: unknown;
  try {
    r = JSON.parse(buf.toString('utf8'));
  } catch {
    throw bad('it is not JSON');
  }
  return validateSnapshotRecord(r, id);
}

/** The schema check of decodeSnapshot, for records that were parsed elsewhere (the local cache). */
export function validateSnapshotRecord(r: unknown, id: string): SnapshotRecord {
  const object = `snapshots/${id}`;
  const bad = (why: string) => new IntegrityError(`snapshot record ${object} is damaged: ${why}`, { object });
  if (typeof r !== 'object' || r === null || Array.isArray(r)) throw bad('it is not a JSON object');
  const o = r as Record<string, unknown>;
  if (o.version !== SNAPSHOT_FORMAT_VERSION) {
    if (typeof o.version === 'number' && Number.isInteger(o.version) && o.version > SNAPSHOT_FORMAT_VERSION) {
      throw new UnsupportedFormatError(`snapshot ${id}: unknown format version ${o.version}`);
    }
    throw bad(`field 'version' is ${describeValue(o.version)}, not ${SNAPSHOT_FORMAT_VERSION}`);
  }
  const str = (k: string): string => {
    const v = o[k];
    if (typeof v !== 'string' || v.length > MAX_FIELD_CHARS) throw bad(`field '${k}' is ${describeValue(v)}, not a string of at most ${MAX_FIELD_CHARS} characters`);
    return v;
  };
  const strList = (k: string): string[] => {
    const v = o[k];
    if (!Array.isArray(v) || v.length > MAX_LIST_ITEMS) throw bad(`field '${k}' is ${describeValue(v)}, not a list of at most ${MAX_LIST_ITEMS} strings`);
    for (const x of v) if (typeof x !== 'string' || x.length > MAX_FIELD_CHARS) throw bad(`field '${k}' holds ${describeValue(x)}, not a string`);
    return v as string[];
  };
  const hexOrNull = (k: string, nullable: boolean): string | null => {
    const v = o[k];
    if (v === null && nullable) return null;
    if (typeof v !== 'string' || !HEX_ID.test(v)) throw bad(`field '${k}' is ${describeValue(v)}, not a 64-hex id${nullable ? ' or null' : ''}`);
    return v;
  };
  const time = str('time');
  // The retention planner's own parser: a time it cannot bucket is refused here, not in forget.
  try {
    parseLocalTime(time, id);
  } catch {
    throw bad(`field 'time' is ${describeValue(time)}, not an ISO-8601 time with a UTC offset`);
  }
  if (typeof o.partial !== 'boolean') throw bad(`field 'partial' is ${describeValue(o.partial)}, not true or false`);
  const summary = o.summary;
  if (summary !== null && (typeof summary !== 'object' || Array.isArray(summary))) throw bad(`field 'summary' is ${describeValue(summary)}, not an object or null`);
  return {
    version: SNAPSHOT_FORMAT_VERSION,
    time,
    hostname: str('hostname'),
    username: str('username'),
    paths: strList('paths'),
    tags: strList('tags'),
    tree: hexOrNull('tree', false)!,
    parent: hexOrNull('parent', true),
    program_version: str('program_version'),
    partial: o.partial,
    original: hexOrNull('original', true),
    summary: summary as Record<string, unknown> | null,
  };
}

/** A short, safe description of a bad value for an error line (never the whole value). */
function describeValue(v: unknown): string {
  if (v === undefined) return 'missing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return `a list of ${v.length}`;
  if (typeof v === 'string') return v.length > 40 ? `a string of ${v.length} characters` : JSON.stringify(v);
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${String(v).slice(0, 40)}`;
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
