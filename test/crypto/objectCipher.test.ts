import { createCipheriv, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { IntegrityError, InvalidArgumentError } from '../../src/errors.js';
import { NONCE_BYTES, OBJECT_PURPOSES, openObject, PackCipher, SALT_BYTES, sealObject, TAG_BYTES } from '../../src/crypto/index.js';
import { deriveObjectKey, sealObjectWithSalt } from '../../src/crypto/objectCipher.js';
import { MASTER_KEY, PLAINTEXT, SALT, seq } from './fixtures.js';

/** RFC 5869 written out with HMAC, to check node's hkdfSync use (ikm, salt, info order) independently. */
function hkdfSha256(ikm: Buffer, salt: Buffer, info: string, length: number): Buffer {
  const prk = createHmac('sha256', salt).update(ikm).digest();
  const blocks: Buffer[] = [];
  let previous = Buffer.alloc(0);
  for (let i = 1; blocks.length * 32 < length; i++) {
    previous = createHmac('sha256', prk).update(previous).update(info).update(Buffer.from([i])).digest();
    blocks.push(previous);
  }
  return Buffer.concat(blocks).subarray(0, length);
}

const SUBKEYS: Record<string, string> = {
  config: '4c026f9acbc3be323e3562c570c80257eaa44e74c652a53d553f5d578709a9b6',
  index: '4059c1eb3b3a8fd19cd14a15c875d06af4fa548e983b4935a22f97589fd1e4c4',
  snapshot: 'c6502fe01fa4748ced4ba423f0cbbabb0e87b6a57ecf50399aba69b2f78a7d14',
  lock: '4ff8dd24e7d97d2f7fd4059aa574edc5fcfba6555953b92f78c69786ad2537c7',
  log: '788dc068b5d792d77d72cb08854bb03c38bbaefcec2fdeb22416cc614527fda5',
  pack: '02874ed5a908ef0e7a081975a7ce4ad70334b59e7e82cec9c30f60c12a6c1378',
};

const SEALED_CONFIG =
  '808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f' + // salt
  '58e10b55ccf98b3e9cb350881a026f5d143b' + // ciphertext of "snap golden vector"
  '7c17ec59032834d199b0841461cd688a'; // tag

const flip = (b: Buffer, at: number): Buffer => {
  const c = Buffer.from(b);
  c[at] ^= 0x01;
  return c;
};

describe('object subkeys', () => {
  it('constants', () => {
    expect([SALT_BYTES, TAG_BYTES, NONCE_BYTES]).toEqual([32, 16, 12]);
  });

  it.each(OBJECT_PURPOSES)('golden: HKDF-SHA256(master 00…1f, salt 80…9f, "snap v1 %s")', (purpose) => {
    const key = deriveObjectKey(MASTER_KEY, SALT, purpose);
    expect(key.toString('hex')).toBe(SUBKEYS[purpose]);
    expect(key.equals(hkdfSha256(MASTER_KEY, SALT, `snap v1 ${purpose}`, 32))).toBe(true);
  });

  it('refuses bad inputs', () => {
    expect(() => deriveObjectKey(MASTER_KEY, SALT.subarray(1), 'config')).toThrow(InvalidArgumentError);
    expect(() => deriveObjectKey(MASTER_KEY.subarray(1), SALT, 'config')).toThrow(InvalidArgumentError);
    expect(() => deriveObjectKey(MASTER_KEY, SALT, 'data' as never)).toThrow(InvalidArgumentError);
  });
});

describe('sealObject / openObject', () => {
  it('golden: config object with salt 80…9f', () => {
    const sealed = sealObjectWithSalt(MASTER_KEY, 'config', PLAINTEXT, SALT);
    expect(sealed.toString('hex')).toBe(SEALED_CONFIG);
    expect(sealed.length).toBe(SALT_BYTES + PLAINTEXT.length + TAG_BYTES);
    expect(openObject(MASTER_KEY, 'config', Buffer.from(SEALED_CONFIG, 'hex')).equals(PLAINTEXT)).toBe(true);
  });

  it('is AES-256-GCM under the subkey with a zero nonce and no AAD', () => {
    const cipher = createCipheriv('aes-256-gcm', Buffer.from(SUBKEYS.config, 'hex'), Buffer.alloc(12));
    const expected = Buffer.concat([SALT, cipher.update(PLAINTEXT), cipher.final(), cipher.getAuthTag()]);
    expect(expected.toString('hex')).toBe(SEALED_CONFIG);
  });

  it('uses a fresh salt each time, and round-trips any size', () => {
    for (const size of [0, 1, 4096, 1 << 20]) {
      const plain = Buffer.alloc(size, size & 0xff);
      const a = sealObject(MASTER_KEY, 'snapshot', plain);
      const b = sealObject(MASTER_KEY, 'snapshot', plain);
      expect(a.subarray(0, SALT_BYTES).equals(b.subarray(0, SALT_BYTES))).toBe(false);
      expect(openObject(MASTER_KEY, 'snapshot', a).equals(plain)).toBe(true);
    }
  });

  it('any flipped byte (salt, ciphertext, tag) is an IntegrityError', () => {
    const sealed = Buffer.from(SEALED_CONFIG, 'hex');
    for (let at = 0; at < sealed.length; at++) {
      expect(() => openObject(MASTER_KEY, 'config', flip(sealed, at))).toThrow(IntegrityError);
    }
  });

  it('wrong purpose, wrong key, truncation and short input are IntegrityErrors', () => {
    const sealed = Buffer.from(SEALED_CONFIG, 'hex');
    expect(() => openObject(MASTER_KEY, 'index', sealed)).toThrow(/cannot decrypt index object/);
    expect(() => openObject(seq(1, 32), 'config', sealed)).toThrow(IntegrityError);
    expect(() => openObject(MASTER_KEY, 'config', sealed.subarray(0, sealed.length - 1))).toThrow(IntegrityError);
    expect(() => openObject(MASTER_KEY, 'config', Buffer.concat([sealed, Buffer.alloc(1)]))).toThrow(IntegrityError);
    expect(() => openObject(MASTER_KEY, 'config', sealed.subarray(0, SALT_BYTES + TAG_BYTES - 1))).toThrow(/cannot decrypt/);
  });
});

describe('PackCipher', () => {
  it('golden: salt 80…9f, blobs at offsets 32 and 1000', () => {
    const cipher = PackCipher.fromSalt(MASTER_KEY, SALT);
    expect(cipher.salt.equals(SALT)).toBe(true);
    expect(cipher.encryptAt(32, PLAINTEXT).toString('hex')).toBe(
      'cc626e286e7006be4f704e831bb36ce0f107f55c441f35881535f00dc95d783e814b',
    );
    expect(cipher.encryptAt(1000, PLAINTEXT).toString('hex')).toBe(
      '6b14ba2bfd122198c4021c2a4f640e746ad6651b25c5364b1691bbe1af40adffc50f',
    );
  });

  it('nonce is the offset as a 96-bit big-endian integer under the "pack" subkey', () => {
    const offset = 2 ** 40 + 0x01020304;
    const nonce = Buffer.from('000000000000010001020304', 'hex');
    const cipher = createCipheriv('aes-256-gcm', Buffer.from(SUBKEYS.pack, 'hex'), nonce);
    const expected = Buffer.concat([cipher.update(PLAINTEXT), cipher.final(), cipher.getAuthTag()]);
    expect(PackCipher.fromSalt(MASTER_KEY, SALT).encryptAt(offset, PLAINTEXT).equals(expected)).toBe(true);
  });

  it('the same plaintext at two offsets gives different ciphertexts; each opens only at its own offset', () => {
    const writer = PackCipher.create(MASTER_KEY);
    expect(writer.salt.length).toBe(SALT_BYTES);
    const a = writer.encryptAt(32, PLAINTEXT);
    const b = writer.encryptAt(32 + a.length, PLAINTEXT);
    expect(a.equals(b)).toBe(false);
    const reader = PackCipher.fromSalt(MASTER_KEY, writer.salt);
    expect(reader.decryptAt(32, a).equals(PLAINTEXT)).toBe(true);
    expect(reader.decryptAt(32 + a.length, b).equals(PLAINTEXT)).toBe(true);
    expect(() => reader.decryptAt(32 + a.length, a)).toThrow(IntegrityError);
    expect(() => reader.decryptAt(33, a)).toThrow(/cannot decrypt pack blob at offset 33/);
    // Decryption has no ordering constraint.
    expect(reader.decryptAt(32, a).equals(PLAINTEXT)).toBe(true);
  });

  it('another pack (salt) or another master key does not open the blob', () => {
    const writer = PackCipher.create(MASTER_KEY);
    const blob = writer.encryptAt(0, PLAINTEXT);
    expect(() => PackCipher.create(MASTER_KEY).decryptAt(0, blob)).toThrow(IntegrityError);
    expect(() => PackCipher.fromSalt(seq(9, 32), writer.salt).decryptAt(0, blob)).toThrow(IntegrityError);
  });

  it('a flipped byte or a short blob is an IntegrityError', () => {
    const cipher = PackCipher.fromSalt(MASTER_KEY, SALT);
    const blob = cipher.encryptAt(64, PLAINTEXT);
    for (let at = 0; at < blob.length; at++) expect(() => cipher.decryptAt(64, flip(blob, at))).toThrow(IntegrityError);
    expect(() => cipher.decryptAt(64, blob.subarray(0, TAG_BYTES - 1))).toThrow(IntegrityError);
    expect(() => cipher.decryptAt(64, blob.subarray(1))).toThrow(IntegrityError);
  });

  it('refuses to encrypt at an offset inside an earlier blob (nonce reuse) and bad offsets', () => {
    const cipher = PackCipher.create(MASTER_KEY);
    const a = cipher.encryptAt(100, PLAINTEXT);
    expect(() => cipher.encryptAt(100, PLAINTEXT)).toThrow(InvalidArgumentError);
    expect(() => cipher.encryptAt(100 + a.length - 1, PLAINTEXT)).toThrow(/reuse a nonce/);
    expect(() => cipher.encryptAt(100 + a.length, PLAINTEXT)).not.toThrow();
    for (const bad of [-1, 1.5, Number.NaN, 2 ** 53]) {
      expect(() => PackCipher.create(MASTER_KEY).encryptAt(bad, PLAINTEXT)).toThrow(InvalidArgumentError);
    }
  });

  it('keeps its own copy of the salt', () => {
    const salt = Buffer.from(SALT);
    const cipher = PackCipher.fromSalt(MASTER_KEY, salt);
    salt.fill(0);
    expect(cipher.salt.equals(SALT)).toBe(true);
    expect(PackCipher.SALT_BYTES).toBe(SALT_BYTES);
  });
});
