// The audit log: one small object per operation, never rewritten, chained so that a deleted entry
// shows (issue 15 item 12). Each entry names, in `prev`, the ids of the newest entries its writer
// saw: the "heads", entries no other entry names yet. Writers on many hosts may append at once;
// two that saw the same heads both name them (a fork), and the next writer names both (a merge),
// so the log is a DAG like git history, and every entry but the current heads is named by a later
// one. An entry's id is the BLAKE3 of its stored (sealed) bytes, and its object name is
// log/<utc time>-<id>, so names still sort by time and each entry's bytes can be checked against
// its name. Entries written before the chain (log/<time>-<12 hex>, no `prev`) are read as before.
// What this does and does not show: docs/operations-audit.md.

import os from 'node:os';
import type { Backend } from '../backend/backend.js';
import { objectName } from '../crypto/index.js';
import { IntegrityError } from '../errors.js';
import type { Crypt } from '../crypto/index.js';
import { readStateFile, writeStateFile } from './clientState.js';

export interface LogEntry {
  time: string;
  operation: string;
  username: string;
  hostname: string;
  snapshot_ids: string[];
  bytes_added: number;
  bytes_freed: number;
  /** Ids of the entries this one seals (absent in entries written before the chain). */
  prev?: string[];
}

/** An entry as read: its object name and its id (hash of the stored bytes). */
export interface StoredLogEntry extends LogEntry {
  name: string;
  id: string;
}

/** An entry that cannot be read (a junk file in log/): skipped by `snap log` with a warning. */
export interface UnreadableLogEntry {
  name: string;
  message: string;
}

/** At most this many heads are sealed by one entry (bounds an entry after many concurrent writers). */
export const MAX_PREV = 16;
const MAX_LOG_TEXT = 4096;
const READ_CONCURRENCY = 16;
const CHAIN_CACHE_VERSION = 1;
const HEX64 = /^[0-9a-f]{64}$/;

/** Chain links only, cached per repository so that appending reads only entries new since last time. */
type Links = Map<string, { id: string; prev: string[] | null }>;

export interface AppendOptions {
  /** <cache>/<repository id>/log-chain.json; without it every entry is read to find the heads. */
  chainCache?: string;
}

/** Append an entry sealing the current heads; returns its id. */
export async function appendLog(backend: Backend, crypt: Crypt, e: Omit<LogEntry, 'time' | 'username' | 'hostname' | 'prev'>, opts: AppendOptions = {}): Promise<string> {
  const links = await readLinks(backend, crypt, opts.chainCache);
  const time = new Date().toISOString();
  const entry: LogEntry = {
    time,
    operation: e.operation,
    username: os.userInfo().username,
    hostname: os.hostname(),
    snapshot_ids: e.snapshot_ids,
    bytes_added: e.bytes_added,
    bytes_freed: e.bytes_freed,
    prev: headsToSeal(links),
  };
  const stored = crypt.seal('log', Buffer.from(JSON.stringify(entry)));
  const id = objectName(stored);
  const name = `log/${time.replace(/[:.]/g, '')}-${id}`;
  await backend.put(name, stored);
  links.set(name, { id, prev: entry.prev! });
  if (opts.chainCache) writeStateFile(opts.chainCache, { version: CHAIN_CACHE_VERSION, links: [...links].map(([n, l]) => [n, l.id, l.prev]) });
  return id;
}

/**
 * The heads a new entry seals: chained entries nobody names yet, and the newest entry written before
 * the chain (older ones are ordered by their names only, and sealing all of them would take many entries).
 */
function headsToSeal(links: Links): string[] {
  const all = [...links].map(([name, l]) => ({ name, id: l.id, prev: l.prev ?? [], legacy: l.prev === null }));
  const newestLegacy = all.filter((e) => e.legacy).sort((a, b) => (a.name < b.name ? -1 : 1)).pop();
  return heads(all.filter((e) => !e.legacy || e === newestLegacy));
}

/** The newest MAX_PREV entries that no entry names (by name order, i.e. time order). */
export function heads(entries: ReadonlyArray<{ name: string; id: string; prev: readonly string[] }>): string[] {
  const named = new Set(entries.flatMap((e) => e.prev));
  return entries.filter((e) => !named.has(e.id)).sort((a, b) => (a.name < b.name ? -1 : 1)).slice(-MAX_PREV).map((e) => e.id);
}

async function readLinks(backend: Backend, crypt: Crypt, cacheFile: string | undefined): Promise<Links> {
  const cached: Links = new Map();
  const doc = cacheFile ? (readStateFile(cacheFile) as { version?: number; links?: unknown } | undefined) : undefined;
  if (doc?.version === CHAIN_CACHE_VERSION && Array.isArray(doc.links)) {
    for (const l of doc.links as unknown[]) {
      if (Array.isArray(l) && typeof l[0] === 'string' && typeof l[1] === 'string' && (l[2] === null || Array.isArray(l[2]))) {
        cached.set(l[0], { id: l[1], prev: l[2] as string[] | null });
      }
    }
  }
  const names = await backend.list('log/');
  const links: Links = new Map();
  const fresh = names.filter((n) => !cached.has(n));
  for (const n of names) if (cached.has(n)) links.set(n, cached.get(n)!);
  const { entries } = await readEntries(backend, crypt, fresh);
  for (const e of entries) links.set(e.name, { id: e.id, prev: e.prev ?? null });
  return links;
}

export async function readLog(backend: Backend, crypt: Crypt): Promise<{ entries: StoredLogEntry[]; unreadable: UnreadableLogEntry[] }> {
  return readEntries(backend, crypt, await backend.list('log/'));
}

async function readEntries(backend: Backend, crypt: Crypt, names: string[]): Promise<{ entries: StoredLogEntry[]; unreadable: UnreadableLogEntry[] }> {
  const entries: StoredLogEntry[] = [];
  const unreadable: UnreadableLogEntry[] = [];
  for (let i = 0; i < names.length; i += READ_CONCURRENCY) {
    await Promise.all(names.slice(i, i + READ_CONCURRENCY).map(async (n) => {
      try {
        const stored = await backend.get(n);
        entries.push({ ...decodeLogEntry(openEntry(crypt, stored, n), n), name: n, id: objectName(stored) });
      } catch (e) {
        if (!(e instanceof IntegrityError)) throw e;
        unreadable.push({ name: n, message: e.message });
      }
    }));
  }
  unreadable.sort((a, b) => (a.name < b.name ? -1 : 1));
  entries.sort((a, b) => (a.name < b.name ? -1 : 1));
  return { entries, unreadable };
}

function openEntry(crypt: Crypt, stored: Buffer, name: string): Buffer {
  try {
    return crypt.open('log', stored);
  } catch (e) {
    if (!(e instanceof IntegrityError)) throw e;
    throw new IntegrityError(`audit log entry ${name} is damaged: ${e.message}`, { object: name });
  }
}

/** Parse and schema-check one entry; anything else is an IntegrityError naming the object. */
export function decodeLogEntry(plain: Buffer, name: string): LogEntry {
  const bad = (why: string) => new IntegrityError(`audit log entry ${name} is damaged: ${why}`, { object: name });
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(plain.toString('utf8')) as Record<string, unknown>;
  } catch {
    throw bad('it is not JSON');
  }
  if (typeof o !== 'object' || o === null || Array.isArray(o)) throw bad('it is not a JSON object');
  for (const k of ['time', 'operation', 'username', 'hostname'] as const) {
    if (typeof o[k] !== 'string' || (o[k] as string).length > MAX_LOG_TEXT) throw bad(`field '${k}' is not a string`);
  }
  if (!Number.isFinite(Date.parse(o.time as string))) throw bad(`field 'time' is not a time`);
  const ids = (v: unknown, max: number) => Array.isArray(v) && v.length <= max && v.every((x) => typeof x === 'string' && HEX64.test(x));
  if (!ids(o.snapshot_ids, Number.MAX_SAFE_INTEGER)) throw bad(`field 'snapshot_ids' is not a list of ids`);
  if (o.prev !== undefined && !ids(o.prev, MAX_PREV)) throw bad(`field 'prev' is not a list of at most ${MAX_PREV} entry ids`);
  for (const k of ['bytes_added', 'bytes_freed'] as const) {
    if (!Number.isSafeInteger(o[k]) || (o[k] as number) < 0) throw bad(`field '${k}' is not a byte count`);
  }
  return {
    time: o.time as string, operation: o.operation as string, username: o.username as string, hostname: o.hostname as string,
    snapshot_ids: o.snapshot_ids as string[], bytes_added: o.bytes_added as number, bytes_freed: o.bytes_freed as number,
    ...(o.prev !== undefined ? { prev: o.prev as string[] } : {}),
  };
}

export interface ChainFinding {
  kind: 'log_gap' | 'log_modified';
  object: string;
  message: string;
}

/**
 * Verify the chain (pure): every entry named by a later one exists, every chained entry's bytes
 * match its name, and every entry this client wrote or saw (`remembered`) is still there.
 */
export function verifyChain(entries: readonly StoredLogEntry[], remembered: readonly string[] = []): { errors: ChainFinding[]; heads: number; unchained: number } {
  const errors: ChainFinding[] = [];
  const byId = new Set(entries.map((e) => e.id));
  for (const e of entries) {
    const suffix = e.name.slice(e.name.lastIndexOf('-') + 1);
    if (e.prev && HEX64.test(suffix) && suffix !== e.id) {
      errors.push({ kind: 'log_modified', object: e.name, message: `audit log entry ${e.name} does not match its name (modified or replaced)` });
    }
    for (const p of e.prev ?? []) {
      if (!byId.has(p)) {
        errors.push({ kind: 'log_gap', object: e.name, message: `audit log entry ${e.name} (${e.operation}, ${e.time}) seals entry ${p}, which is not in log/: an entry was deleted` });
      }
    }
  }
  for (const id of remembered) {
    if (!byId.has(id)) errors.push({ kind: 'log_gap', object: 'log/', message: `audit log entry ${id}, which this client wrote or saw, is not in log/: entries were deleted or rolled back` });
  }
  const chained = entries.filter((e) => e.prev !== undefined);
  return { errors, heads: heads(chained.map((e) => ({ name: e.name, id: e.id, prev: e.prev! }))).length, unchained: entries.length - chained.length };
}
