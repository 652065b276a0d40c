// crypto/ owns the secrets and what is derived from them: key material and the password-wrapped key
// files that hold it (scrypt), the per-object AES-256-GCM encryption of repository objects and pack
// blobs (HKDF subkeys, counter nonces), blob ids (keyed BLAKE3) and object names (plain BLAKE3), and
// the chunker's secret gear bytes, and Crypt, what encryption means for one opened repository (the
// identity when it is unencrypted). Functions over buffers: no I/O. Byte layouts: docs/crypto.md.

export { type KeyMaterial, KEY_BYTES, generateKeyMaterial } from './keyMaterial.js';
export {
  type KdfParams,
  DEFAULT_KDF,
  WRAP_KEY_BYTES,
  MAX_SCRYPT_COST_BYTES,
  scryptCostBytes,
  parseKdf,
  formatKdf,
  validateKdf,
  isWeakKdf,
  deriveWrapKey,
} from './kdf.js';
export {
  type KeyFileMeta,
  type KeyFileInfo,
  KEY_FILE_VERSION,
  createKeyFile,
  openKeyFile,
  readKeyFileMeta,
} from './keyFile.js';
export {
  type ObjectPurpose,
  OBJECT_PURPOSES,
  SALT_BYTES,
  TAG_BYTES,
  NONCE_BYTES,
  sealObject,
  openObject,
  PackCipher,
} from './objectCipher.js';
export { IdHasher, ObjectNameHasher, hashHex, objectName } from './idHasher.js';
export { GEAR_BYTES, deriveGearBytes } from './gear.js';
export { Crypt, PackCiphers } from './crypt.js';
