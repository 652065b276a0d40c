// The keys/<id> object: key material wrapped under a password. JSON, written with its fields in a
// fixed order; it is the one object stored unencrypted in an encrypted repository. Several key files
// may wrap the same material (one per password); changing a password writes a new key file.

import { randomBytes } from 'node:crypto';
import { TextDecoder } from 'node:util';
import { IntegrityError, InvalidArgumentError, UnsupportedFormatError } from '../errors.js';
import { aeadOpen, aeadSeal, NONCE_BYTES, TAG_BYTES } from './aead.js';
import { deriveWrapKey, validateKdf, type KdfParams } from './kdf.js';
import { decodeKeyMaterial, encodeKeyMaterial, KEY_MATERIAL_BYTES, type KeyMaterial } from './keyMaterial.js';

export const KEY_FILE_VERSION = 1;
/** scrypt salt. */
export const KDF_SALT_BYTES = 32;
/** Binds the ciphertext to this format, so it cannot be replayed as some other AES-GCM message. */
export const KEY_FILE_AAD = Buffer.from('snap key v1', 'ascii');
/** Wrapped key material plus tag: 96 + 16. */
export const KEY_FILE_DATA_BYTES = KEY_MATERIAL_BYTES + TAG_BYTES;

export interface KeyFileMeta {
  /** ISO 8601 time of creation, e.g. new Date().toISOString(). */
  created: string;
  username: string;
  hostname: string;
}

export interface KeyFileInfo extends KeyFileMeta {
  kdf: KdfParams;
}

interface ParsedKeyFile extends KeyFileInfo {
  salt: Buffer;
  nonce: Buffer;
  data: Buffer;
}

/** Wraps `material` under `password`. Fresh random salt and nonce each call. */
export async function createKeyFile(material: KeyMaterial, password: Buffer, kdf: KdfParams, meta: KeyFileMeta): Promise<Buffer> {
  const params = validateKdf(kdf);
  const plaintext = encodeKeyMaterial(material);
  for (const field of ['created', 'username', 'hostname'] as const) {
    if (typeof meta[field] !== 'string') throw new InvalidArgumentError(`key file ${field} must be a string`);
  }
  if (Number.isNaN(Date.parse(meta.created))) {
    throw new InvalidArgumentError(`key file created time is not an ISO 8601 time: ${JSON.stringify(meta.created)}`);
  }
  const salt = randomBytes(KDF_SALT_BYTES);
  const nonce = randomBytes(NONCE_BYTES);
  const wrapKey = await deriveWrapKey(password, salt, params);
  const data = aeadSeal(wrapKey, nonce, plaintext, KEY_FILE_AAD);
  // Built field by field: JSON.stringify keeps insertion order, which is the format's order.
  const json = {
    version: KEY_FILE_VERSION,
    created: meta.created,
    username: meta.username,
    hostname: meta.hostname,
    kdf: { name: params.name, N: params.N, r: params.r, p: params.p },
    salt: salt.toString('base64'),
    nonce: nonce.toString('base64'),
    data: data.toString('base64'),
  };
  return Buffer.from(JSON.stringify(json), 'utf8');
}

/**
 * Unwraps the key material. Returns undefined when the password is wrong (GCM authentication
 * fails); throws IntegrityError when the file is malformed, UnsupportedFormatError for another version.
 */
export async function openKeyFile(stored: Buffer, password: Buffer): Promise<KeyMaterial | undefined> {
  const file = parseKeyFile(stored);
  const wrapKey = await deriveWrapKey(password, file.salt, file.kdf);
  const plaintext = aeadOpen(wrapKey, file.nonce, file.data, KEY_FILE_AAD);
  return plaintext === undefined ? undefined : decodeKeyMaterial(plaintext);
}

/** The unencrypted header (for `key list`), without a password. Same errors as openKeyFile. */
export function readKeyFileMeta(stored: Buffer): KeyFileInfo {
  const { created, username, hostname, kdf } = parseKeyFile(stored);
  return { created, username, hostname, kdf };
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function malformed(why: string): IntegrityError {
  return new IntegrityError(`malformed key file: ${why}`);
}

function parseKeyFile(stored: Buffer): ParsedKeyFile {
  let json: unknown;
  try {
    json = JSON.parse(utf8.decode(stored));
  } catch {
    throw malformed('not UTF-8 JSON');
  }
  if (!isRecord(json)) throw malformed('not a JSON object');
  const version = json['version'];
  if (typeof version !== 'number') throw malformed('no version');
  if (version !== KEY_FILE_VERSION) {
    throw new UnsupportedFormatError(`key file version ${version} is not supported (this snap reads version ${KEY_FILE_VERSION})`);
  }
  const kdfJson = json['kdf'];
  if (!isRecord(kdfJson)) throw malformed('no kdf object');
  let kdf: KdfParams;
  try {
    kdf = validateKdf({ name: kdfJson['name'], N: kdfJson['N'], r: kdfJson['r'], p: kdfJson['p'] } as KdfParams);
  } catch (e) {
    if (e instanceof InvalidArgumentError) throw malformed(e.message);
    throw e;
  }
  return {
    created: stringField(json, 'created'),
    username: stringField(json, 'username'),
    hostname: stringField(json, 'hostname'),
    kdf,
    salt: base64Field(json, 'salt', KDF_SALT_BYTES),
    nonce: base64Field(json, 'nonce', NONCE_BYTES),
    data: base64Field(json, 'data', KEY_FILE_DATA_BYTES),
  };
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function stringField(json: Record<string, unknown>, field: string): string {
  const value = json[field];
  if (typeof value !== 'string') throw malformed(`${field} is not a string`);
  return value;
}

/** Canonical base64 only: Buffer.from(…, 'base64') silently skips invalid characters. */
function base64Field(json: Record<string, unknown>, field: string, bytes: number): Buffer {
  const text = stringField(json, field);
  const value = Buffer.from(text, 'base64');
  if (value.toString('base64') !== text) throw malformed(`${field} is not canonical base64`);
  if (value.length !== bytes) throw malformed(`${field} is ${value.length} bytes, expected ${bytes}`);
  return value;
}
