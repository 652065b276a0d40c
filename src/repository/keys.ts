// Key files: each password wraps the same key material. Opening tries every key file.

import os from 'node:os';
import type { Backend } from '../backend/backend.js';
import { createKeyFile, openKeyFile, objectName, type KdfParams, type KeyMaterial } from '../crypto/index.js';
import { WrongPasswordError } from '../errors.js';

export async function listKeyNames(backend: Backend): Promise<string[]> {
  return (await backend.list('keys/')).map((n) => n.slice('keys/'.length));
}

/** Try the password against every key file; returns the key material and the key that opened it. */
export async function unlockKeys(backend: Backend, password: Buffer, names: string[]): Promise<{ keys: KeyMaterial; keyId: string }> {
  for (const name of names) {
    const keys = await openKeyFile(await backend.get(`keys/${name}`), password);
    if (keys) return { keys, keyId: name };
  }
  throw new WrongPasswordError(backend.location);
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
