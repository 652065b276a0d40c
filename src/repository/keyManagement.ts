// Passwords of a repository (`snap key`): each password is a key file under keys/ wrapping the same
// key material, so adding, removing or changing one rewrites no data, index or snapshot. The caller
// holds the lock (shared for listing, exclusive for changes). Rules, as restic's: the key that
// opened the repository cannot be removed (open with another password first, or use passwd), and
// the last key never can: without it nothing in the repository could be read again.

import { readKeyFileMeta, type KdfParams } from '../crypto/index.js';
import { IntegrityError, InvalidArgumentError, NotFoundError, UnsupportedFormatError } from '../errors.js';
import { addKey, listKeyNames } from './keys.js';
import type { Repository } from './repository.js';
import type { KeyMaterial } from '../crypto/index.js';
import { rememberTrust } from './trustStore.js';

/** The trust record follows key changes: the new key is the hint for the next open. */
async function refreshTrust(repo: Repository): Promise<void> {
  rememberTrust(repo, await listKeyNames(repo.backend, repo.warn));
}

/** Shortest key id prefix accepted by `key remove` (as for snapshots). */
export const MIN_KEY_PREFIX = 4;

export interface KeyInfo {
  id: string;
  /** The key that opened the repository in this process. */
  current: boolean;
  username: string;
  hostname: string;
  created: string;
  kdf: KdfParams;
}

function keysOf(repo: Repository): KeyMaterial {
  const keys = repo.crypt.keys;
  if (!keys) {
    throw new InvalidArgumentError(`the repository at ${repo.location} is not encrypted: it has no passwords or keys to manage`);
  }
  return keys;
}

/** Every key file, oldest first, with its unencrypted header. */
export async function listKeys(repo: Repository): Promise<KeyInfo[]> {
  keysOf(repo);
  const names = await listKeyNames(repo.backend, repo.warn);
  const rows = await Promise.all(
    names.map(async (id): Promise<KeyInfo | undefined> => {
      let meta;
      try {
        meta = readKeyFileMeta(await repo.backend.get(`keys/${id}`));
      } catch (e) {
        // A forged or damaged key file does not hide the others; it is named so it can be removed.
        if (e instanceof IntegrityError || e instanceof UnsupportedFormatError) {
          repo.warn(`key file keys/${id} is not listed: ${e.message}`);
          return undefined;
        }
        throw e;
      }
      return { id, current: id === repo.keyId, username: meta.username, hostname: meta.hostname, created: meta.created, kdf: meta.kdf };
    }),
  );
  const out = rows.filter((r): r is KeyInfo => r !== undefined);
  return out.sort((a, b) => Date.parse(a.created) - Date.parse(b.created) || a.id.localeCompare(b.id));
}

/** Full key id from an id or a unique prefix of at least MIN_KEY_PREFIX hex characters. */
export function resolveKeyId(names: string[], selector: string): string {
  if (!/^[0-9a-f]+$/.test(selector)) throw new InvalidArgumentError(`'${selector}' is not a key id (hex)`);
  if (names.includes(selector)) return selector;
  if (selector.length < MIN_KEY_PREFIX) throw new InvalidArgumentError(`key id prefix '${selector}' is too short (at least ${MIN_KEY_PREFIX} hex characters)`);
  const hits = names.filter((n) => n.startsWith(selector));
  if (hits.length === 0) throw new NotFoundError(`no key with id ${selector}`);
  if (hits.length > 1) throw new InvalidArgumentError(`key id prefix '${selector}' is ambiguous (${hits.length} keys match)`);
  return hits[0]!;
}

/** Pure: why `target` may not be removed, or undefined when it may. */
export function refuseKeyRemoval(names: string[], current: string | undefined, target: string): string | undefined {
  if (names.length <= 1) return `refusing to remove key ${target.slice(0, 8)}: it is the repository's last key, and without it nothing could be read`;
  if (target === current) {
    return (
      `refusing to remove key ${target.slice(0, 8)}: it is the key this command opened the repository with ` +
      `(open it with another password to remove this one, or use 'snap key passwd')`
    );
  }
  return undefined;
}

/** A new key file for `password`; returns its id. */
export async function addRepositoryKey(repo: Repository, password: Buffer, kdf: KdfParams): Promise<string> {
  const keys = keysOf(repo);
  const id = await addKey(repo.backend, keys, password, kdf);
  await refreshTrust(repo);
  await repo.log({ operation: 'key add', snapshot_ids: [], bytes_added: 0, bytes_freed: 0 });
  return id;
}

/** Removes a key file given by id or unique prefix; returns the full id. */
export async function removeRepositoryKey(repo: Repository, selector: string): Promise<string> {
  keysOf(repo);
  const names = await listKeyNames(repo.backend, repo.warn);
  const id = resolveKeyId(names, selector);
  const why = refuseKeyRemoval(names, repo.keyId, id);
  if (why) throw new InvalidArgumentError(why);
  await repo.backend.remove(`keys/${id}`);
  await refreshTrust(repo);
  await repo.log({ operation: 'key remove', snapshot_ids: [], bytes_added: 0, bytes_freed: 0 });
  return id;
}

/**
 * Changes the password: writes a key file for the new one, then removes the key this process opened
 * the repository with. The new key is durable before the old one goes, so a crash in between leaves
 * both passwords working, never none.
 */
export async function changePassword(repo: Repository, password: Buffer, kdf: KdfParams): Promise<{ keyId: string; removed: string }> {
  const keys = keysOf(repo);
  const old = repo.keyId;
  if (!old) throw new InvalidArgumentError('cannot change the password: the key that opened the repository is unknown');
  const keyId = await addKey(repo.backend, keys, password, kdf);
  await repo.backend.remove(`keys/${old}`);
  repo.keyId = keyId;
  await refreshTrust(repo);
  await repo.log({ operation: 'key passwd', snapshot_ids: [], bytes_added: 0, bytes_freed: 0 });
  return { keyId, removed: old };
}
