import { blake3 } from '@napi-rs/blake-hash';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/errors.js';
import { hashHex, IdHasher, objectName } from '../../src/crypto/index.js';
import { ID_KEY, PLAINTEXT } from './fixtures.js';

describe('IdHasher', () => {
  it('golden vectors: keyed (idKey 20 21 … 3f) and plain, of "snap golden vector"', () => {
    expect(new IdHasher(ID_KEY).hash(PLAINTEXT).toString('hex')).toBe(
      '986c00a3b748ac83b9ecae7f50e8a3b24a1fee41ba35515d0e9882373ce41c82',
    );
    expect(new IdHasher().hash(PLAINTEXT).toString('hex')).toBe(
      '4257d880f86e03e31c2513768960aef6eb15fec05c7433c82fb4fe62687f8b4c',
    );
  });

  it('keyed ids differ from plain ones; isKeyed says which', () => {
    const keyed = new IdHasher(ID_KEY);
    const plain = new IdHasher();
    expect(keyed.isKeyed).toBe(true);
    expect(plain.isKeyed).toBe(false);
    expect(keyed.hash(PLAINTEXT).equals(plain.hash(PLAINTEXT))).toBe(false);
  });

  it('reuse does not leak state between calls', () => {
    const hasher = new IdHasher(ID_KEY);
    const first = hasher.hash(PLAINTEXT);
    hasher.hash(Buffer.alloc(100_000, 7));
    expect(hasher.hash(PLAINTEXT).equals(first)).toBe(true);
    expect(new IdHasher(ID_KEY).hash(PLAINTEXT).equals(first)).toBe(true);
  });

  it('returns 32 bytes that the caller owns', () => {
    const hasher = new IdHasher(ID_KEY);
    const a = hasher.hash(PLAINTEXT);
    const copy = Buffer.from(a);
    hasher.hash(Buffer.from('other'));
    expect(a.length).toBe(32);
    expect(a.equals(copy)).toBe(true);
  });

  it('refuses a key that is not 32 bytes', () => {
    expect(() => new IdHasher(Buffer.alloc(16))).toThrow(InvalidArgumentError);
  });
});

describe('object names', () => {
  it('are plain BLAKE3 hex of the stored bytes, whole or in parts', () => {
    expect(hashHex(PLAINTEXT)).toBe(blake3(PLAINTEXT).toString('hex'));
    expect(objectName(PLAINTEXT)).toBe(hashHex(PLAINTEXT));
    expect(objectName([Buffer.from('snap '), Buffer.from('golden vector')])).toBe(hashHex(PLAINTEXT));
    expect(objectName([])).toBe(hashHex(Buffer.alloc(0)));
  });
});
