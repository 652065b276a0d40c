import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/errors.js';
import { DEFAULT_KDF, deriveWrapKey, formatKdf, isWeakKdf, parseKdf, validateKdf } from '../../src/crypto/index.js';
import { SALT, TEST_KDF } from './fixtures.js';

describe('parseKdf', () => {
  it('parses scrypt:N,r,p', () => {
    expect(parseKdf('scrypt:131072,8,1')).toEqual({ name: 'scrypt', N: 131072, r: 8, p: 1 });
    expect(parseKdf('scrypt:2,1,1')).toEqual({ name: 'scrypt', N: 2, r: 1, p: 1 });
    expect(parseKdf(formatKdf(DEFAULT_KDF))).toEqual(DEFAULT_KDF);
  });

  it.each([
    '',
    'scrypt',
    'scrypt:',
    'scrypt:131072,8',
    'scrypt:131072,8,1,1',
    'argon2:65536,3,1',
    'scrypt:131072, 8,1',
    'scrypt:0x20000,8,1',
    'scrypt:131072,8,1 ',
    'scrypt:131072,08,1',
    'scrypt:-2,8,1',
    'scrypt:1,8,1', // N ≥ 2
    'scrypt:100000,8,1', // not a power of two
    'scrypt:131072,0,1',
    'scrypt:131072,8,0',
    'scrypt:131072,1,1', // N must be < 2^(16 r)
    'scrypt:4294967296,8,1', // above the cost limit
    'scrypt:131072,8,99999999',
    'scrypt:99999999999999999,8,1',
  ])('rejects %j with InvalidArgumentError naming the value', (text) => {
    expect(() => parseKdf(text)).toThrow(InvalidArgumentError);
    expect(() => parseKdf(text)).toThrow(JSON.stringify(text));
  });
});

describe('validateKdf', () => {
  it('accepts the default and returns a clean copy', () => {
    const extra = { ...DEFAULT_KDF, extra: 1 };
    expect(validateKdf(extra)).toEqual(DEFAULT_KDF);
  });

  it('rejects other KDFs and non-integers', () => {
    expect(() => validateKdf({ name: 'argon2' } as never)).toThrow(InvalidArgumentError);
    expect(() => validateKdf({ name: 'scrypt', N: 1024.5, r: 8, p: 1 })).toThrow(/power of two/);
    expect(() => validateKdf({ name: 'scrypt', N: 1024, r: 8.5, p: 1 })).toThrow(/r must/);
    expect(() => validateKdf({ name: 'scrypt', N: 1024, r: 8, p: '1' as never })).toThrow(/p must/);
  });
});

describe('isWeakKdf', () => {
  it('is false at and above OWASP (N=2^17, r=8, p=1), true below', () => {
    expect(isWeakKdf(DEFAULT_KDF)).toBe(false);
    expect(isWeakKdf({ name: 'scrypt', N: 2 ** 18, r: 8, p: 1 })).toBe(false);
    expect(isWeakKdf({ name: 'scrypt', N: 2 ** 17, r: 16, p: 1 })).toBe(false);
    expect(isWeakKdf({ name: 'scrypt', N: 2 ** 16, r: 8, p: 1 })).toBe(true);
    expect(isWeakKdf({ name: 'scrypt', N: 2 ** 17, r: 4, p: 1 })).toBe(true);
    expect(isWeakKdf({ name: 'scrypt', N: 2 ** 16, r: 8, p: 4 })).toBe(true); // memory, not time, is what counts
    expect(isWeakKdf(TEST_KDF)).toBe(true);
  });

  it('the default is N=2^17, r=8, p=1', () => {
    expect(DEFAULT_KDF).toEqual({ name: 'scrypt', N: 131072, r: 8, p: 1 });
  });
});

describe('deriveWrapKey', () => {
  it('RFC 7914 §12 vector (first 32 bytes): "password", "NaCl", N=1024, r=8, p=16', async () => {
    const key = await deriveWrapKey(Buffer.from('password'), Buffer.from('NaCl'), { name: 'scrypt', N: 1024, r: 8, p: 16 });
    expect(key.toString('hex')).toBe('fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b373162');
  });

  it('golden: "correct horse", salt 80…9f, N=2^10, r=8, p=1', async () => {
    const key = await deriveWrapKey(Buffer.from('correct horse'), SALT, TEST_KDF);
    expect(key.toString('hex')).toBe('0ee395fbf9311e9b166b58a244dd0f398956e37d394ae75c566cf54108c5a632');
  });

  it('rejects bad parameters before calling scrypt', async () => {
    await expect(deriveWrapKey(Buffer.from('x'), SALT, { name: 'scrypt', N: 2 ** 17, r: 1, p: 1 })).rejects.toThrow(
      InvalidArgumentError,
    );
  });
});
