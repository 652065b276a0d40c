// The audit log: one small object per operation that changed the repository, never rewritten.
// Names sort by time (log/<utc time>-<random>), so listing gives the order.

import os from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Backend } from '../backend/backend.js';
import type { Crypt } from './crypt.js';
import { IntegrityError } from '../errors.js';

export interface LogEntry {
  time: string;
  operation: string;
  username: string;
  hostname: string;
  snapshot_ids: string[];
  bytes_added: number;
  bytes_freed: number;
}

export async function appendLog(backend: Backend, crypt: Crypt, e: Omit<LogEntry, 'time' | 'username' | 'hostname'>): Promise<void> {
  const time = new Date().toISOString();
  const entry: LogEntry = {
    time,
    operation: e.operation,
    username: os.userInfo().username,
    hostname: os.hostname(),
    snapshot_ids: e.snapshot_ids,
    bytes_added: e.bytes_added,
    bytes_freed: e.bytes_freed,
  };
  const name = `log/${time.replace(/[:.]/g, '')}-${randomBytes(6).toString('hex')}`;
  await backend.put(name, crypt.seal('log', Buffer.from(JSON.stringify(entry))));
}

/** An entry that cannot be read (a junk file in log/): skipped by `snap log` with a warning. */
export interface UnreadableLogEntry {
  name: string;
  message: string;
}

export async function readLog(backend: Backend, crypt: Crypt): Promise<{ entries: LogEntry[]; unreadable: UnreadableLogEntry[] }> {
  const names = await backend.list('log/');
  const entries: LogEntry[] = [];
  const unreadable: UnreadableLogEntry[] = [];
  await Promise.all(names.map(async (n) => {
    try {
      entries.push(decodeLogEntry(crypt.open('log', await backend.get(n)), n));
    } catch (e) {
      if (!(e instanceof IntegrityError)) throw e;
      unreadable.push({ name: n, message: e.message.startsWith('audit log entry') ? e.message : `audit log entry ${n} is damaged: ${e.message}` });
    }
  }));
  unreadable.sort((a, b) => (a.name < b.name ? -1 : 1));
  return { entries, unreadable };
}

const MAX_LOG_TEXT = 4096;

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
  if (!Array.isArray(o.snapshot_ids) || !o.snapshot_ids.every((x) => typeof x === 'string' && /^[0-9a-f]{64}$/.test(x))) throw bad(`field 'snapshot_ids' is not a list of ids`);
  for (const k of ['bytes_added', 'bytes_freed'] as const) {
    if (!Number.isSafeInteger(o[k]) || (o[k] as number) < 0) throw bad(`field '${k}' is not a byte count`);
  }
  return {
    time: o.time as string, operation: o.operation as string, username: o.username as string, hostname: o.hostname as string,
    snapshot_ids: o.snapshot_ids as string[], bytes_added: o.bytes_added as number, bytes_freed: o.bytes_freed as number,
  };
}
