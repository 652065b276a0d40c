// Reading and writing the condemned-packs objects (condemnedFormat.ts) and reading the storage's
// clock. The time that counts for a mark is the storage's time of the object that recorded it (its
// mtime locally, LastModified on S3), never a host's clock: a prune or backup host with a skewed
// clock can neither shorten nor lengthen the grace period.

import { randomBytes } from 'node:crypto';
import { objectName } from '../../crypto/index.js';
import { IntegrityError, NotFoundError } from '../../errors.js';
import type { Backend } from '../../backend/backend.js';
import type { Repository } from '../../repository/repository.js';
import { decodeCondemned, encodeCondemned, type CondemnedEntry } from './condemnedFormat.js';

export const CONDEMNED_PREFIX = 'condemned/';
const OBJECT_NAME = /^condemned\/([0-9a-f]{64})$/;

export interface Mark {
  packId: string;
  /** Storage time (ms) of the mark. */
  markedAt: number;
  graceMs: number;
}

export interface Marks {
  /** The condemned objects read (full names). */
  objects: string[];
  /** Per pack, the mark that expires last (several marks on one pack: the safe one wins). */
  byPack: Map<string, Mark>;
}

/** Whether a mark's grace period is over at storage time `now`. */
export const expired = (m: Mark, now: number): boolean => now >= m.markedAt + m.graceMs;

export async function loadMarks(repo: Repository): Promise<Marks> {
  const objects: string[] = [];
  const byPack = new Map<string, Mark>();
  for (const name of await repo.backend.list(CONDEMNED_PREFIX)) {
    const m = OBJECT_NAME.exec(name);
    if (!m) continue; // the clock probe of a prune running now, or foreign files
    let stored: Buffer;
    let st: { mtime?: number } | undefined;
    try {
      stored = await repo.backend.get(name);
      st = await repo.backend.stat(name);
    } catch (e) {
      if (e instanceof NotFoundError) continue; // rewritten by a prune meanwhile: its successor is listed or will be
      throw e;
    }
    if (!st) continue;
    if (objectName(stored) !== m[1]) throw new IntegrityError(`${name} does not match its name (damaged)`, { object: name });
    if (st.mtime === undefined) throw new IntegrityError(`${name}: the storage gives no modification time`, { object: name });
    objects.push(name);
    for (const e of decodeCondemned(repo.crypt.open('index', stored), m[1]!)) {
      const mark: Mark = { packId: e.packId, markedAt: e.markedAt === 0 ? st.mtime : Math.min(e.markedAt, st.mtime), graceMs: e.graceMs };
      const known = byPack.get(e.packId);
      if (!known || known.markedAt + known.graceMs < mark.markedAt + mark.graceMs) byPack.set(e.packId, mark);
    }
  }
  return { objects, byPack };
}

/** Write one condemned object (durable before return); returns its full name. */
export async function saveMarks(repo: Repository, entries: readonly CondemnedEntry[]): Promise<string> {
  const stored = repo.crypt.seal('index', encodeCondemned(entries));
  const name = `${CONDEMNED_PREFIX}${objectName(stored)}`;
  await repo.backend.put(name, stored);
  return name;
}

/** The storage's current time: write a small probe object, read its modification time, remove it. */
export async function storageNow(backend: Backend): Promise<number> {
  const probe = `${CONDEMNED_PREFIX}clock-${randomBytes(8).toString('hex')}`;
  await backend.put(probe, Buffer.alloc(0));
  try {
    const st = await backend.stat(probe);
    if (st?.mtime === undefined) throw new IntegrityError(`${backend.location}: the storage gives no modification time`, { object: probe });
    return st.mtime;
  } finally {
    await backend.remove(probe).catch(() => undefined);
  }
}
