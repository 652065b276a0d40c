// `snap init`: a new repository. Refuses any existing one and leaves it untouched.

import type { Backend } from '../backend/backend.js';
import { DEFAULT_CHUNKER_PARAMS, type ChunkerParams } from '../chunker/index.js';
import { DEFAULT_KDF, generateKeyMaterial, type KdfParams, type KeyMaterial } from '../crypto/index.js';
import { InvalidArgumentError, RepositoryExistsError } from '../errors.js';
import { DEFAULT_COMPRESSION, type CompressionConfig } from '../pack/codec.js';
import {
  CHUNKER_ALGORITHM, configProblem, DEFAULT_PACK_SIZE, encodeConfig, FORMAT_MAJOR, FORMAT_MINOR, gearFor, newRepoId, OBJECT_LOCK_MINOR, objectLockSettings, UNENCRYPTED,
  type EncryptionMode, type ObjectLockConfig, type RepoConfig,
} from './config.js';
import { Crypt } from '../crypto/index.js';
import { addKey } from './keys.js';
import { defaultCacheDir } from './repository.js';
import { TRUST_RECORD_VERSION, writeTrust, type TrustRecord } from './trustStore.js';
import { crashPoint } from './crashPoint.js';

export interface InitOptions {
  encryption: EncryptionMode;
  compression?: CompressionConfig;
  chunker?: ChunkerParams;
  kdf?: KdfParams;
  password?: Buffer;
  packSize?: number;
  /** init --from-repo: take the chunker parameters and the id and chunker keys of another repository. */
  from?: { config: RepoConfig; keys: KeyMaterial | undefined };
  /** The cache base: the new repository's trust record goes there (trustStore.ts). */
  cacheDir?: string;
  /** init --object-lock: recorded in the config, so every object (this init's too) carries retention. */
  objectLock?: ObjectLockConfig;
}

export async function initRepository(backend: Backend, opts: InitOptions): Promise<RepoConfig> {
  if (await backend.exists() && !(await resumeInterruptedInit(backend))) throw new RepositoryExistsError(backend.location);
  const encrypted = opts.encryption !== UNENCRYPTED;
  const params = opts.chunker ?? DEFAULT_CHUNKER_PARAMS;
  const chunker = opts.from
    ? opts.from.config.chunker
    : { algorithm: CHUNKER_ALGORITHM, min: params.min, avg: params.avg, max: params.max, level: params.level ?? DEFAULT_CHUNKER_PARAMS.level };
  const config: RepoConfig = {
    version: `${FORMAT_MAJOR}.${opts.objectLock ? OBJECT_LOCK_MINOR : FORMAT_MINOR}`,
    id: newRepoId(),
    created: new Date().toISOString(),
    encryption: opts.encryption,
    compression: opts.compression ?? DEFAULT_COMPRESSION,
    chunker: { ...chunker, gear: gearFor(opts.encryption) },
    pack_size: opts.packSize ?? DEFAULT_PACK_SIZE,
    ...(opts.objectLock ? { object_lock: opts.objectLock } : {}),
  };
  // The same checks a reader applies (config.ts): init never writes a config that could not be opened.
  const problem = configProblem(config as unknown as Record<string, unknown>);
  if (problem) throw new InvalidArgumentError(`init: ${problem}`);
  let keys: KeyMaterial | undefined;
  if (encrypted) {
    if (!opts.password) throw new Error('initRepository: an encrypted repository needs a password');
    const fresh = generateKeyMaterial();
    // Sharing the id and chunker keys makes the same file give the same blobs in both repositories.
    keys = opts.from?.keys ? { masterKey: fresh.masterKey, idKey: opts.from.keys.idKey, chunkerKey: opts.from.keys.chunkerKey } : fresh;
  }
  if (config.object_lock) await requireObjectLock(backend);
  // This client knows the location from now on: encrypted or not, its id, its key (docs/crypto.md §8).
  // Written first too, so that a cache that cannot take it fails init before anything is created.
  const cacheRoot = opts.cacheDir ?? defaultCacheDir();
  const trust: TrustRecord = { version: TRUST_RECORD_VERSION, location: backend.location, encrypted, id: config.id, key_ids: [], last_key: null };
  writeTrust(cacheRoot, trust);
  await backend.create();
  backend.setObjectLock?.(objectLockSettings(config));
  // Keys first, config last: a repository is only a repository once its config exists.
  const keyId = keys ? await addKey(backend, keys, opts.password!, opts.kdf ?? DEFAULT_KDF) : undefined;
  crashPoint('init-key-written');
  await backend.put('config', new Crypt(keys).seal('config', encodeConfig(config)));
  if (keyId) writeTrust(cacheRoot, { ...trust, key_ids: [keyId], last_key: keyId }, trust);
  return config;
}

/**
 * init --object-lock: the storage must be able to keep the promise before anything is written. A
 * missing bucket is made with Object Lock enabled; an existing one without it cannot be changed
 * (S3 enables Object Lock only at bucket creation), so init refuses in one line.
 */
export async function requireObjectLock(backend: Backend): Promise<void> {
  if (!backend.objectLockEnabled) throw new InvalidArgumentError(`init --object-lock: ${backend.location} is not S3 storage; retention needs an S3 bucket with Object Lock enabled`);
  await backend.create({ objectLock: true });
  if (!(await backend.objectLockEnabled())) {
    throw new InvalidArgumentError(`init --object-lock: the bucket of ${backend.location} does not have S3 Object Lock enabled (it can only be enabled when a bucket is created: make a new bucket with Object Lock, or leave out --object-lock)`);
  }
}

/**
 * An init that stopped before writing its config (killed, disk full, connection lost) leaves at
 * most key files, and they open nothing without a config. When the location holds nothing else
 * (no config, no object outside keys/), remove them and let this init start over; anything else
 * is someone's repository or data, refused as before.
 */
async function resumeInterruptedInit(backend: Backend): Promise<boolean> {
  if (!(await isInterruptedInit(backend))) return false;
  for (const n of await backend.list('keys/')) await backend.remove(n);
  return true;
}

/** True when the location holds only what an interrupted init leaves (see resumeInterruptedInit). */
export async function isInterruptedInit(backend: Backend): Promise<boolean> {
  if (await backend.stat('config')) return false;
  return (await backend.list('')).every((n) => n.startsWith('keys/'));
}
