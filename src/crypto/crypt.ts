// What encryption means for one opened repository: sealing and opening objects, ciphers for packs.
// An unencrypted repository gets the identity; the rest of the code does not branch on it.

import { IntegrityError } from '../errors.js';
import type { KeyMaterial } from './keyMaterial.js';
import { PackCipher, sealObject, openObject, type ObjectPurpose } from './objectCipher.js';

/** Cached pack ciphers (subkey derivation per pack), enough for a restore's working set. */
const PACK_CIPHER_CACHE = 4096;

/**
 * The one way to a pack's cipher: derived from the salt at the start of the pack (the first
 * SALT_BYTES of its bytes or of a range read from it), kept for the packs seen last. The restore
 * workers hold one of these each, the main thread the one in Crypt.
 */
export class PackCiphers {
  private readonly byPack = new Map<string, PackCipher>();

  constructor(private readonly masterKey: Buffer) {}

  /** The cipher of `packId`; a salt shorter than SALT_BYTES means the pack is truncated. */
  of(packId: string, salt: Uint8Array): PackCipher {
    let c = this.byPack.get(packId);
    if (!c) {
      if (salt.length < PackCipher.SALT_BYTES) throw new IntegrityError(`pack ${packId} is truncated`, { pack: packId });
      if (this.byPack.size >= PACK_CIPHER_CACHE) this.byPack.delete(this.byPack.keys().next().value!);
      // fromSalt copies the salt: a subarray of a whole pack read is not kept alive by the cache.
      c = PackCipher.fromSalt(this.masterKey, Buffer.from(salt.buffer, salt.byteOffset, PackCipher.SALT_BYTES));
      this.byPack.set(packId, c);
    }
    return c;
  }

  /** The cipher of a pack seen before, so that its salt need not be read again. */
  cached(packId: string): PackCipher | undefined {
    return this.byPack.get(packId);
  }
}

export class Crypt {
  private readonly packCiphers: PackCiphers | undefined;

  constructor(readonly keys: KeyMaterial | undefined) {
    this.packCiphers = keys ? new PackCiphers(keys.masterKey) : undefined;
  }

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

  /** See PackCiphers.of; undefined in an unencrypted repository (packs there have no salt). */
  packCipher(packId: string, salt: Uint8Array): PackCipher | undefined {
    return this.packCiphers?.of(packId, salt);
  }

  cachedPackCipher(packId: string): PackCipher | undefined {
    return this.packCiphers?.cached(packId);
  }
}
