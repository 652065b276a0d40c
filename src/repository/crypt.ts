// What encryption means for one opened repository: sealing and opening objects, ciphers for packs.
// An unencrypted repository gets the identity; the rest of the code does not branch on it.

import { PackCipher, sealObject, openObject, type KeyMaterial } from '../crypto/index.js';

export type ObjectPurpose = 'config' | 'index' | 'snapshot' | 'lock' | 'log' | 'pack';

/** Cached pack ciphers (subkey derivation per pack), enough for a restore's working set. */
const PACK_CIPHER_CACHE = 4096;

export class Crypt {
  private readonly packCiphers = new Map<string, PackCipher>();

  constructor(readonly keys: KeyMaterial | undefined) {}

  get encrypted(): boolean {
    return this.keys !== undefined;
  }

  /** Bytes at the start of every pack: the per-pack salt in an encrypted repository. */
  get packPrefixBytes(): number {
    return this.keys ? PackCipher.SALT_BYTES : 0;
  }

  seal(purpose: ObjectPurpose, plain: Buffer): Buffer {
    return this.keys ? sealObject(this.keys.masterKey, purpose, plain) : plain;
  }

  open(purpose: ObjectPurpose, stored: Buffer): Buffer {
    return this.keys ? openObject(this.keys.masterKey, purpose, stored) : stored;
  }

  newPackCipher(): PackCipher | undefined {
    return this.keys ? PackCipher.create(this.keys.masterKey) : undefined;
  }

  packCipher(packId: string, salt: Buffer): PackCipher | undefined {
    if (!this.keys) return undefined;
    let c = this.packCiphers.get(packId);
    if (!c) {
      if (this.packCiphers.size >= PACK_CIPHER_CACHE) this.packCiphers.delete(this.packCiphers.keys().next().value!);
      c = PackCipher.fromSalt(this.keys.masterKey, salt);
      this.packCiphers.set(packId, c);
    }
    return c;
  }

  cachedPackCipher(packId: string): PackCipher | undefined {
    return this.packCiphers.get(packId);
  }
}
