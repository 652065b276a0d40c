// Key files: each password wraps the same key material. Opening is bounded, because key files are
// untrusted until one opens (anyone who can write to the storage can add some): the key that opened
// this location last (from the trust record) is tried first and alone, so in the usual case no other
// key file is even read; otherwise at most MAX_KEY_FILES_TRIED files are read, each must match its
// name and parse with KDF parameters within the limits (crypto/kdf.ts), and they are tried known
// ones first, then cheapest first. A file that fails a check is named in the warning or error.

import os from 'node:os';
import type { Backend } from '../backend/backend.js';
// Not the crypto/ barrel: opening a repository derives the key while the rest loads (openRepository.ts).
import { createKeyFile, openKeyFile, readKeyFileMeta } from '../crypto/keyFile.js';
import { scryptCostBytes, type KdfParams } from '../crypto/kdf.js';
import { objectName } from '../crypto/idHasher.js';
import type { KeyMaterial } from '../crypto/keyMaterial.js';
import { IntegrityError, UnsupportedFormatError, WrongPasswordError } from '../errors.js';
import { listObjectIds } from './objectNames.js';

/** Key files read (and so scrypt runs) per open at most. A repository with more passwords than this is not one we expect. */
export const MAX_KEY_FILES_TRIED = 16;

export function listKeyNames(backend: Backend, warn?: (message: string) => void): Promise<string[]> {
  return listObjectIds(backend, 'keys', warn);
}

export interface KeyHint {
  /** The key that opened this location last. */
  lastKey?: string | null;
  /** Key files that existed when this location was last opened. */
  knownKeys?: string[];
}

/** Pure: the order in which key files are considered: the hinted one, known ones, then the rest. */
export function orderKeyNames(names: string[], hint: KeyHint): string[] {
  const known = new Set(hint.knownKeys ?? []);
  const rank = (n: string) => (n === hint.lastKey ? 0 : known.has(n) ? 1 : 2);
  return [...names].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

interface Candidate {
  name: string;
  stored: Buffer;
  cost: number;
  known: boolean;
}

/**
 * Try the password against the key files (bounded as above); returns the key material and the key
 * that opened it. `warn` hears about key files that were refused when another one opened.
 */
export async function unlockKeys(
  backend: Backend,
  password: Buffer,
  names: string[],
  hint: KeyHint = {},
  warn?: (message: string) => void,
): Promise<{ keys: KeyMaterial; keyId: string }> {
  const refused: string[] = [];
  const read = async (name: string): Promise<Candidate | undefined> => {
    const stored = await backend.get(`keys/${name}`);
    if (objectName(stored) !== name) {
      refused.push(`keys/${name} does not match its name`);
      return undefined;
    }
    try {
      const meta = readKeyFileMeta(stored);
      return { name, stored, cost: scryptCostBytes(meta.kdf), known: (hint.knownKeys ?? []).includes(name) };
    } catch (e) {
      if (e instanceof IntegrityError || e instanceof UnsupportedFormatError) {
        refused.push(`keys/${name}: ${e.message}`);
        return undefined;
      }
      throw e;
    }
  };
  let tried = 0;
  const attempt = async (c: Candidate) => {
    tried++;
    const keys = await openKeyFile(c.stored, password);
    return keys ? { keys, keyId: c.name } : undefined;
  };
  const ordered = orderKeyNames(names, hint).slice(0, MAX_KEY_FILES_TRIED);
  let rest = ordered;
  if (hint.lastKey && ordered[0] === hint.lastKey) {
    rest = ordered.slice(1);
    const c = await read(hint.lastKey);
    const ok = c && (await attempt(c));
    if (ok) return ok;
  }
  const candidates: Candidate[] = [];
  for (const name of rest) {
    const c = await read(name);
    if (c) candidates.push(c);
  }
  candidates.sort((a, b) => Number(b.known) - Number(a.known) || a.cost - b.cost || a.name.localeCompare(b.name));
  for (const c of candidates) {
    const ok = await attempt(c);
    if (ok) {
      for (const r of refused) warn?.(`ignored key file ${r}`);
      return ok;
    }
  }
  const capped = names.length > MAX_KEY_FILES_TRIED ? `only the first ${MAX_KEY_FILES_TRIED} of ${names.length} key files were tried` : '';
  const why = refused.length ? `${refused.length} key file(s) refused, first: ${refused[0]}` : '';
  if (tried === 0 && refused.length > 0) {
    throw new IntegrityError(`no key file of ${backend.location} could be tried: ${refused[0]}${refused.length > 1 ? ` (and ${refused.length - 1} more)` : ''}`, {
      object: refused[0]!.split(/[ :]/)[0],
    });
  }
  throw new WrongPasswordError(backend.location, [why, capped].filter(Boolean).join('; ') || undefined);
}

export async function addKey(backend: Backend, keys: KeyMaterial, password: Buffer, kdf: KdfParams): Promise<string> {
  const file = await createKeyFile(keys, password, kdf, {
    username: os.userInfo().username,
    hostname: os.hostname(),
    created: new Date().toISOString(),
  });
  const id = objectName(file);
  await backend.put(`keys/${id}`, file);
  return id;
}
