// Opening a repository: config, then keys (asking for the password only when the repository is
// encrypted), then the Repository object. The index cache is synced lazily on first use.

import type { Backend } from '../backend/backend.js';
import { openBackend, type BackendOptions } from '../backend/openBackend.js';
import { RepositoryNotFoundError } from '../errors.js';
import { decodeConfig } from './config.js';
import { Crypt } from './crypt.js';
import { listKeyNames, unlockKeys } from './keys.js';
import { defaultCacheDir, Repository } from './repository.js';

export interface OpenRepositoryOptions {
  location: string;
  /** Called only for encrypted repositories. */
  password: () => Promise<Buffer>;
  cacheDir?: string;
  /** Settings of the storage backend (S3 endpoint, credentials, timeouts). */
  backend?: BackendOptions;
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

export async function openOn(backend: Backend, opts: OpenRepositoryOptions): Promise<Repository> {
  if (!(await backend.stat('config'))) throw new RepositoryNotFoundError(backend.location);
  const stored = await backend.get('config');
  const keyNames = await listKeyNames(backend);
  let crypt = new Crypt(undefined);
  let keyId: string | undefined;
  if (keyNames.length > 0) {
    const unlocked = await unlockKeys(backend, await opts.password(), keyNames);
    crypt = new Crypt(unlocked.keys);
    keyId = unlocked.keyId;
  }
  const config = decodeConfig(crypt.open('config', stored), backend.location);
  const repo = new Repository(backend, config, crypt, opts.cacheDir ?? defaultCacheDir());
  repo.keyId = keyId;
  return repo;
}
