// What this client trusts about a repository location, kept on the client, not in the storage:
// whether the location is encrypted, its id, its key files and the one that opened it last. Storage
// can be rewritten by whoever can write to it; this record cannot, so a keyless config put where an
// encrypted repository was is refused (docs/crypto.md §8). One small JSON file per location:
// `<cache base>/trust/<sha256 of the location>.json`, 0600 in a 0700 folder, beside the per-id
// cache folders (not inside them: they are named by the repository id, which storage supplies).

import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync, constants as fsc } from 'node:fs';
import path from 'node:path';
import { HEX_ID } from '../ids.js';
import { IntegrityError } from '../errors.js';
import type { Repository } from './repository.js';

export const TRUST_DIR = 'trust';
export const TRUST_RECORD_VERSION = 1;
const DIR_MODE = 0o700;
const FILE_MODE = 0o600;
/** More key ids than any real repository has; a record listing more is not one this code wrote. */
const MAX_RECORDED_KEYS = 256;

export interface TrustRecord {
  version: typeof TRUST_RECORD_VERSION;
  /** The location as the backend names it (an absolute path, or s3://bucket/prefix). */
  location: string;
  encrypted: boolean;
  /** The repository id last seen at this location. */
  id: string;
  /** Key files that existed when the repository was last opened (encrypted repositories). */
  key_ids: string[];
  /** The key file that opened it last: tried first next time. */
  last_key: string | null;
}

export function trustFile(cacheRoot: string, location: string): string {
  const digest = createHash('sha256').update(location, 'utf8').digest('hex');
  return path.join(cacheRoot, TRUST_DIR, `${digest}.json`);
}

/** The record for `location`, or undefined when this client has none. A damaged record is an error. */
export function readTrust(cacheRoot: string, location: string): TrustRecord | undefined {
  const file = trustFile(cacheRoot, location);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as { code?: string }).code === 'ENOENT') return undefined;
    throw e;
  }
  const bad = (why: string) => new IntegrityError(`trust record ${file} is damaged (${why}); remove it to trust ${location} afresh`, { path: file });
  let r: Partial<TrustRecord>;
  try {
    r = JSON.parse(text) as Partial<TrustRecord>;
  } catch {
    throw bad('not JSON');
  }
  if (r.version !== TRUST_RECORD_VERSION) throw bad(`version ${String(r.version)}`);
  if (r.location !== location) throw bad('it names another location');
  if (typeof r.encrypted !== 'boolean') throw bad('no encrypted flag');
  if (typeof r.id !== 'string' || !HEX_ID.test(r.id)) throw bad('no valid id');
  if (!Array.isArray(r.key_ids) || r.key_ids.length > MAX_RECORDED_KEYS || !r.key_ids.every((k) => typeof k === 'string' && HEX_ID.test(k))) throw bad('bad key ids');
  if (r.last_key !== null && (typeof r.last_key !== 'string' || !HEX_ID.test(r.last_key))) throw bad('bad last key');
  return { version: TRUST_RECORD_VERSION, location, encrypted: r.encrypted, id: r.id, key_ids: r.key_ids, last_key: r.last_key };
}

const same = (a: TrustRecord | undefined, b: TrustRecord): boolean =>
  a !== undefined && a.encrypted === b.encrypted && a.id === b.id && a.last_key === b.last_key && a.key_ids.join() === b.key_ids.join();

/** Writes the record (temp, fsync, rename) unless it is already what is stored. Modes are set explicitly: the umask may be 0. */
export function writeTrust(cacheRoot: string, record: TrustRecord, previous?: TrustRecord): void {
  const normal: TrustRecord = { ...record, key_ids: [...new Set(record.key_ids)].sort().slice(0, MAX_RECORDED_KEYS) };
  if (same(previous, normal)) return;
  const file = trustFile(cacheRoot, record.location);
  const dir = path.dirname(file);
  mkdirSync(dir, { recursive: true, mode: DIR_MODE });
  chmodSync(dir, DIR_MODE);
  const tmp = path.join(dir, `.tmp-${randomBytes(8).toString('hex')}`);
  try {
    const fd = openSync(tmp, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL | fsc.O_NOFOLLOW, FILE_MODE);
    try {
      writeSync(fd, JSON.stringify(normal));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    chmodSync(tmp, FILE_MODE);
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/** Records what this client now trusts about an opened repository's location (written only when it changed). */
export function rememberTrust(repo: Repository, keyNames: string[], previous?: TrustRecord): void {
  writeTrust(
    repo.cacheRoot,
    { version: TRUST_RECORD_VERSION, location: repo.location, encrypted: repo.crypt.encrypted, id: repo.config.id, key_ids: keyNames, last_key: repo.keyId ?? null },
    previous,
  );
}
