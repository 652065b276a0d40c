// The `config` object (format v1), pure encode/decode.

import { randomBytes } from 'node:crypto';
import { IntegrityError, UnsupportedFormatError } from '../errors.js';
import { MAX_ZSTD_LEVEL, MIN_ZSTD_LEVEL, type CompressionConfig } from '../pack/codec.js';
import { resolveChunkerParams, type ChunkerParams, type NormalizationLevel } from '../chunker/params.js';
import { HEX_ID } from '../ids.js';
import type { ObjectLockSettings } from '../backend/s3Options.js';

export const FORMAT_MAJOR = 1;
export const FORMAT_MINOR = 0;
/** The minor version that added the optional object_lock field; configs without it stay 1.0 (same bytes). */
export const OBJECT_LOCK_MINOR = 1;
/** Pack files are finished when their payload reaches this size (restic's default too). */
export const DEFAULT_PACK_SIZE = 16 * 1024 * 1024;

/** The config's `encryption` of an encrypted repository (AES-256-GCM, docs/crypto.md), and of a plain one. */
export const ENCRYPTED = 'aes-256-gcm' as const;
export const UNENCRYPTED = 'none' as const;
export type EncryptionMode = typeof ENCRYPTED | typeof UNENCRYPTED;
/** The only chunker of format v1. */
export const CHUNKER_ALGORITHM = 'fastcdc-2020' as const;
/** The gear table an encrypted repository's chunker uses (keyed) and a plain one's (standard). */
export const gearFor = (encryption: EncryptionMode): ChunkerConfig['gear'] => (encryption === UNENCRYPTED ? 'standard' : 'keyed');

export interface ChunkerConfig {
  algorithm: typeof CHUNKER_ALGORITHM;
  min: number;
  avg: number;
  max: number;
  /** FastCDC normalisation level (0–3). */
  level: NormalizationLevel;
  /** "keyed": gear table derived from the chunker key; "standard": fastcdc-rs's public table. */
  gear: 'keyed' | 'standard';
}

export interface RepoConfig {
  version: string;
  id: string;
  created: string;
  encryption: EncryptionMode;
  compression: CompressionConfig;
  chunker: ChunkerConfig;
  pack_size: number;
  /**
   * S3 Object Lock retention for every object snap writes (lock files excepted), recorded by
   * `init --object-lock` so that every later command on every host applies it. Absent: none.
   */
  object_lock?: ObjectLockConfig;
}

/** Lower-case as the config spells it; the S3 backend sends it upper-case. */
export const OBJECT_LOCK_MODES = ['governance', 'compliance'] as const;
export type ObjectLockMode = (typeof OBJECT_LOCK_MODES)[number];

export interface ObjectLockConfig {
  mode: ObjectLockMode;
  days: number;
}

/**
 * Retention bounds. Ten years is already more than anyone means: a config written by a hostile
 * (unencrypted-repository) writer cannot make clients lock every object for a century, and a
 * typo cannot either.
 */
export const MIN_LOCK_DAYS = 1;
export const MAX_LOCK_DAYS = 3650;

/** The backend's form of a config's object_lock (S3 spells modes upper-case). */
export function objectLockSettings(c: RepoConfig): ObjectLockSettings | undefined {
  const l = c.object_lock;
  return l ? { mode: l.mode === 'compliance' ? 'COMPLIANCE' : 'GOVERNANCE', days: l.days } : undefined;
}

/** Pure: why an object_lock value is not acceptable, or undefined. */
export function objectLockProblem(v: unknown): string | undefined {
  if (!isRecord(v)) return 'object_lock is not an object';
  const keys = Object.keys(v).sort().join(',');
  if (keys !== 'days,mode') return `object_lock has fields ${JSON.stringify(keys)} (expected days and mode)`;
  if (!OBJECT_LOCK_MODES.includes(v['mode'] as ObjectLockMode)) return `object_lock mode ${JSON.stringify(v['mode'])} is not ${OBJECT_LOCK_MODES.join(' or ')}`;
  const d = v['days'];
  if (!Number.isInteger(d) || (d as number) < MIN_LOCK_DAYS || (d as number) > MAX_LOCK_DAYS) return `object_lock days ${JSON.stringify(d)} is not a whole number in [${MIN_LOCK_DAYS}, ${MAX_LOCK_DAYS}]`;
  return undefined;
}

/** A repository id is 32 random bytes, written as 64 hex digits like every id. */
const REPO_ID_BYTES = 32;

export function newRepoId(): string {
  return randomBytes(REPO_ID_BYTES).toString('hex');
}

export function encodeConfig(c: RepoConfig): Buffer {
  // Fixed key order: the same config always encodes to the same bytes.
  const ordered: RepoConfig = {
    version: c.version,
    id: c.id,
    created: c.created,
    encryption: c.encryption,
    compression: { codec: c.compression.codec, level: c.compression.level },
    chunker: { algorithm: c.chunker.algorithm, min: c.chunker.min, avg: c.chunker.avg, max: c.chunker.max, level: c.chunker.level, gear: c.chunker.gear },
    pack_size: c.pack_size,
    // Only when set: a config without it encodes to the same bytes as before the field existed.
    ...(c.object_lock ? { object_lock: { mode: c.object_lock.mode, days: c.object_lock.days } } : {}),
  };
  return Buffer.from(JSON.stringify(ordered), 'utf8');
}

/** Packs are finished at pack_size; offsets in packs are u32, so a bound well below 4 GiB. */
export const MIN_PACK_SIZE = 4096;
export const MAX_PACK_SIZE = 1024 * 1024 * 1024;
const VERSION_TEXT = /^([0-9]{1,4})\.([0-9]{1,4})$/;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Pure: why a config's fields are not ones this snap accepts, or undefined. Every field read from
 * storage is checked before it is used anywhere: `id` names a cache folder, so it must be exactly
 * 64 lower-case hex ("../victim" would name a path outside the cache); codec, chunker and sizes
 * must be known and within the limits the writers use.
 */
export function configProblem(c: Record<string, unknown>): string | undefined {
  if (typeof c['id'] !== 'string' || !HEX_ID.test(c['id'])) return `id ${JSON.stringify(c['id'])} is not 64 lower-case hex`;
  if (typeof c['created'] !== 'string') return 'created is not a string';
  const enc = c['encryption'];
  if (enc !== ENCRYPTED && enc !== UNENCRYPTED) return `encryption ${JSON.stringify(enc)} is not ${ENCRYPTED} or ${UNENCRYPTED}`;
  const comp = c['compression'];
  if (!isRecord(comp)) return 'compression is not an object';
  if (comp['codec'] === 'zstd') {
    const l = comp['level'];
    if (!Number.isInteger(l) || (l as number) < MIN_ZSTD_LEVEL || (l as number) > MAX_ZSTD_LEVEL || l === 0) return `zstd level ${JSON.stringify(l)} is out of range`;
  } else if (comp['codec'] !== 'none') return `compression codec ${JSON.stringify(comp['codec'])} is unknown`;
  const ch = c['chunker'];
  if (!isRecord(ch)) return 'chunker is not an object';
  if (ch['algorithm'] !== CHUNKER_ALGORITHM) return `chunker algorithm ${JSON.stringify(ch['algorithm'])} is unknown`;
  const gear = gearFor(enc);
  if (ch['gear'] !== gear) return `chunker gear ${JSON.stringify(ch['gear'])} does not fit encryption ${enc} (expected ${gear})`;
  try {
    resolveChunkerParams({ min: ch['min'], avg: ch['avg'], max: ch['max'], level: ch['level'] } as ChunkerParams);
  } catch (e) {
    return (e as Error).message;
  }
  const ps = c['pack_size'];
  if (!Number.isSafeInteger(ps) || (ps as number) < MIN_PACK_SIZE || (ps as number) > MAX_PACK_SIZE) return `pack_size ${JSON.stringify(ps)} is not in [${MIN_PACK_SIZE}, ${MAX_PACK_SIZE}]`;
  if (c['object_lock'] !== undefined) return objectLockProblem(c['object_lock']);
  return undefined;
}

export function decodeConfig(buf: Buffer, where: string): RepoConfig {
  let c: unknown;
  try {
    c = JSON.parse(buf.toString('utf8'));
  } catch {
    throw new IntegrityError(`${where}/config is not readable (damaged, or encrypted without keys)`, { object: 'config' });
  }
  if (!isRecord(c)) throw new IntegrityError(`${where}/config is not a JSON object`, { object: 'config' });
  const version = typeof c['version'] === 'string' ? VERSION_TEXT.exec(c['version']) : null;
  if (!version) throw new IntegrityError(`${where}/config: version ${JSON.stringify(c['version'])} is not major.minor`, { object: 'config' });
  if (Number(version[1]) !== FORMAT_MAJOR) {
    throw new UnsupportedFormatError(`${where}: repository format ${c['version'] as string} is not supported (this snap reads format ${FORMAT_MAJOR}.x)`);
  }
  const problem = configProblem(c);
  if (problem) throw new IntegrityError(`${where}/config: ${problem}; refusing to use it`, { object: 'config' });
  const r = c as unknown as RepoConfig;
  const ch = r.chunker;
  // A clean copy: unknown extra fields (a later minor version's) are not carried along.
  return {
    version: r.version,
    id: r.id,
    created: r.created,
    encryption: r.encryption,
    compression: { codec: r.compression.codec, level: r.compression.level },
    chunker: { algorithm: ch.algorithm, min: ch.min, avg: ch.avg, max: ch.max, level: ch.level, gear: ch.gear },
    pack_size: r.pack_size,
    ...(r.object_lock ? { object_lock: { mode: r.object_lock.mode, days: r.object_lock.days } } : {}),
  };
}
