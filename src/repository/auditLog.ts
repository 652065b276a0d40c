// The audit log: one small object per operation that changed the repository, never rewritten.
// Names sort by time (log/<utc time>-<random>), so listing gives the order.

import os from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Backend } from '../backend/backend.js';
import type { Crypt } from './crypt.js';

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

export async function readLog(backend: Backend, crypt: Crypt): Promise<LogEntry[]> {
  const names = await backend.list('log/');
  return Promise.all(names.map(async (n) => JSON.parse(crypt.open('log', await backend.get(n)).toString('utf8')) as LogEntry));
}
