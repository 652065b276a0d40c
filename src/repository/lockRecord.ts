// What a lock object says about its holder (docs/format.md §7), and this process's own identity.
// A pid means something only inside one PID namespace of one boot of one host, and only while the
// process that has it is the one that started at `process_start`; so a lock records all five.
// Encode/decode are pure; the identity readers touch /proc and return '' when it is not there.

import os from 'node:os';
import { readFileSync, readlinkSync } from 'node:fs';
import { IntegrityError } from '../errors.js';

export interface LockRecord {
  host: string;
  pid: number;
  /** Field 22 of /proc/<pid>/stat (clock ticks after boot), '' when unknown. */
  process_start: string;
  /** /proc/sys/kernel/random/boot_id, '' when unknown. */
  boot_id: string;
  /** readlink /proc/self/ns/pid, e.g. "pid:[4026531836]"; '' when unknown or written by an older snap. */
  pid_namespace: string;
  user: string;
  /** The holder's wall clock at its last refresh (informational: staleness uses the storage's time). */
  time: string;
  created: string;
  exclusive: boolean;
}

/** What makes a pid meaningful: compared field by field before a pid is judged dead. */
export interface ProcessIdentity {
  host: string;
  pid: number;
  processStart: string;
  bootId: string;
  pidNamespace: string;
}

function readOr(read: () => string): string {
  try {
    return read().trim();
  } catch {
    return '';
  }
}

export function bootId(): string {
  return readOr(() => readFileSync('/proc/sys/kernel/random/boot_id', 'utf8'));
}

export function pidNamespace(): string {
  return readOr(() => readlinkSync('/proc/self/ns/pid'));
}

/** Start time of a process as seen through this process's /proc, undefined when there is none. */
export function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 22 (starttime) follows the parenthesised command name, which may contain spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19];
  } catch {
    return undefined;
  }
}

export function thisProcess(): ProcessIdentity {
  return {
    host: os.hostname(),
    pid: process.pid,
    processStart: processStart(process.pid) ?? '',
    bootId: bootId(),
    pidNamespace: pidNamespace(),
  };
}

export function newLockRecord(self: ProcessIdentity, exclusive: boolean, now: Date): LockRecord {
  const time = now.toISOString();
  return {
    host: self.host,
    pid: self.pid,
    process_start: self.processStart,
    boot_id: self.bootId,
    pid_namespace: self.pidNamespace,
    user: os.userInfo().username,
    time,
    created: time,
    exclusive,
  };
}

/**
 * True when the holder's pid can be checked here and that process is gone: same host, boot and PID
 * namespace (all known), and the pid is absent or belongs to a process with another start time.
 */
export function holderIsDead(l: LockRecord, self: ProcessIdentity, startOf: (pid: number) => string | undefined = processStart): boolean {
  const comparable = l.host === self.host && l.boot_id !== '' && l.boot_id === self.bootId && l.pid_namespace !== '' && l.pid_namespace === self.pidNamespace && l.process_start !== '';
  return comparable && startOf(l.pid) !== l.process_start;
}

export function encodeLock(r: LockRecord): Buffer {
  return Buffer.from(JSON.stringify(r), 'utf8');
}

/** Parse and validate a lock object's plaintext; IntegrityError naming the field otherwise. */
export function decodeLock(bytes: Buffer, name: string): LockRecord {
  let v: unknown;
  try {
    v = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new IntegrityError(`lock object ${name} is not JSON`, { object: name });
  }
  const bad = (field: string) => new IntegrityError(`lock object ${name}: field '${field}' is missing or invalid`, { object: name });
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new IntegrityError(`lock object ${name} is not a JSON object`, { object: name });
  const o = v as Record<string, unknown>;
  const str = (f: string, optional = false): string => {
    const x = o[f];
    if (x === undefined && optional) return '';
    if (typeof x !== 'string') throw bad(f);
    return x;
  };
  const time = str('time');
  if (Number.isNaN(Date.parse(time))) throw bad('time');
  if (!Number.isSafeInteger(o.pid) || (o.pid as number) <= 0) throw bad('pid');
  if (typeof o.exclusive !== 'boolean') throw bad('exclusive');
  return {
    host: str('host'),
    pid: o.pid as number,
    process_start: str('process_start', true),
    boot_id: str('boot_id', true),
    pid_namespace: str('pid_namespace', true),
    user: str('user', true),
    time,
    created: str('created', true) || time,
    exclusive: o.exclusive,
  };
}
