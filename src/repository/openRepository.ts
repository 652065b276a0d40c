// Opening a repository: config, then keys (asking for the password only when the repository is
// encrypted), then the Repository object. The index cache is synced lazily on first use.
//
// Whether a repository is encrypted is part of what the client trusts, not what storage says
// (docs/crypto.md §8). Storage can delete keys/ and put a plaintext config in place; so a keyless
// repository is refused when this client's trust record says the location is encrypted, or when
// the user gave a password (the nightly job of an encrypted repository always does), unless the
// caller explicitly allows unencrypted ones. An encrypted repository's config is sealed with the
// master key, so it is authenticated: it cannot be swapped without the key.

import type { Backend } from '../backend/backend.js';
import { openBackend, type BackendOptions } from '../backend/openBackend.js';
import { IntegrityError, RepositoryNotFoundError, UntrustedRepositoryError } from '../errors.js';
import { decodeConfig, ENCRYPTED, objectLockSettings, UNENCRYPTED, type RepoConfig } from './config.js';
import { Crypt } from '../crypto/crypt.js';
import { defaultCacheDir } from '../blobindex/cacheFolder.js';
import { listKeyNames, unlockKeys } from './keys.js';
import type { Repository } from './repository.js';
import { readTrust, rememberTrust, trustFile, type TrustRecord } from './trustStore.js';

export interface OpenRepositoryOptions {
  location: string;
  /** Called only for encrypted repositories. */
  password: () => Promise<Buffer>;
  cacheDir?: string;
  /** Settings of the storage backend (S3 endpoint, credentials, timeouts). */
  backend?: BackendOptions;
  /**
   * The user supplied a password up front (a password file or variable), so an encrypted
   * repository is expected: a keyless one is refused unless `allowUnencrypted`.
   */
  passwordGiven?: boolean;
  /** --insecure-allow-unencrypted: accept a keyless repository where an encrypted one is expected. */
  allowUnencrypted?: boolean;
  /** Warnings about what storage holds (stray names, refused key files); the core never prints. */
  onWarning?: (message: string) => void;
}

export async function openRepository(opts: OpenRepositoryOptions): Promise<Repository> {
  const backend = await openBackend(opts.location, opts.backend);
  try {
    return await openOn(backend, opts);
  } catch (e) {
    await backend.close();
    throw e;
  }
}

const ALLOW_FLAG = '--insecure-allow-unencrypted';

/** Pure: why a keyless repository must be refused here, or undefined when it may be used. */
export function refuseUnencrypted(location: string, trust: TrustRecord | undefined, passwordGiven: boolean, file: string): string | undefined {
  if (trust?.encrypted) {
    return (
      `the repository at ${location} has no key files, but this client knows it as encrypted (id ${trust.id.slice(0, 12)}, ${file}): ` +
      `refusing to use it unencrypted, its storage may have been replaced; pass ${ALLOW_FLAG} only if you re-created it without encryption yourself`
    );
  }
  if (passwordGiven) {
    return (
      `the repository at ${location} is not encrypted (no key files), but a password was given: ` +
      `refusing to use it unencrypted, an encrypted repository may have been replaced; pass ${ALLOW_FLAG} if it is meant to be unencrypted`
    );
  }
  return undefined;
}

export async function openOn(backend: Backend, opts: OpenRepositoryOptions): Promise<Repository> {
  // The rest of the core (the index cache, LMDB, packs) loads while the key is derived: the KDF
  // runs on a libuv thread, module loading on this one, so on two cores the two overlap (a run
  // that changes nothing is mostly this fixed cost). This module itself imports only what
  // unlocking needs.
  const loading = import('./repository.js');
  loading.catch(() => undefined); // awaited below; a failure to open first must not leave it unhandled
  if (!(await backend.stat('config'))) throw new RepositoryNotFoundError(backend.location);
  const cacheRoot = opts.cacheDir ?? defaultCacheDir();
  const location = backend.location;
  const file = trustFile(cacheRoot, location);
  const trust = readTrust(cacheRoot, location);
  const stored = await backend.get('config');
  const keyNames = await listKeyNames(backend, opts.onWarning);
  if (keyNames.length === 0) {
    // A record this client wrote at `init --encryption none` with the same id vouches for the location.
    const trustedPlain = trust !== undefined && !trust.encrypted;
    const why = refuseUnencrypted(location, trust, Boolean(opts.passwordGiven) && !trustedPlain, file);
    if (why && !opts.allowUnencrypted) throw new UntrustedRepositoryError(why, location, file);
    const config = decodeConfig(stored, location);
    if (config.encryption !== UNENCRYPTED) {
      throw new IntegrityError(`${location}/config says ${config.encryption}, but keys/ has no key files (deleted?)`, { object: 'config' });
    }
    if (trustedPlain && trust.id !== config.id && opts.passwordGiven && !opts.allowUnencrypted) {
      throw new UntrustedRepositoryError(
        `the repository at ${location} has id ${config.id.slice(0, 12)}, but this client knows another one there (${trust.id.slice(0, 12)}, ${file}); ` +
          `refusing it while a password is given; pass ${ALLOW_FLAG} if it is meant to be unencrypted`,
        location,
        file,
      );
    }
    return newRepository(await loading, backend, config, new Crypt(undefined), cacheRoot, undefined, opts);
  }
  const unlocked = await unlockKeys(backend, await opts.password(), keyNames, { lastKey: trust?.last_key, knownKeys: trust?.key_ids }, opts.onWarning);
  const crypt = new Crypt(unlocked.keys);
  // Authenticated: the config is sealed with the master key, so storage cannot swap it.
  const config = decodeConfig(crypt.open('config', stored), location);
  if (config.encryption !== ENCRYPTED) {
    throw new IntegrityError(`${location}/config says encryption ${config.encryption}, but it is sealed with a key (damaged)`, { object: 'config' });
  }
  if (trust?.encrypted && trust.id !== config.id) {
    throw new UntrustedRepositoryError(
      `the repository at ${location} has id ${config.id.slice(0, 12)}, but this client knows another one there (${trust.id.slice(0, 12)}): ` +
        `refusing a swapped repository; if you re-created it on purpose, remove ${file}`,
      location,
      file,
    );
  }
  const repo = newRepository(await loading, backend, config, crypt, cacheRoot, unlocked.keyId, opts);
  try {
    rememberTrust(repo, keyNames, trust);
  } catch (e) {
    // The repository is authenticated; only the record for next time is lost (a read-only cache).
    opts.onWarning?.(`could not write the trust record ${file}: ${(e as Error).message}`);
  }
  return repo;
}

type RepositoryModule = typeof import('./repository.js');

function newRepository(
  { Repository }: RepositoryModule, backend: Backend, config: RepoConfig, crypt: Crypt, cacheRoot: string, keyId: string | undefined, opts: OpenRepositoryOptions,
): Repository {
  // Every write from here on carries the retention recorded at init, on every host, without settings.
  backend.setObjectLock?.(objectLockSettings(config));
  const repo = new Repository(backend, config, crypt, cacheRoot);
  repo.keyId = keyId;
  return repo;
}
