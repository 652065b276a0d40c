import { describe, expect, it } from 'vitest';
import { IntegrityError, InvalidArgumentError, UnsupportedFormatError } from '../../src/errors.js';
import { createKeyFile, generateKeyMaterial, openKeyFile, readKeyFileMeta } from '../../src/crypto/index.js';
import { MATERIAL, TEST_KDF } from './fixtures.js';

const PASSWORD = Buffer.from('correct horse');
const META = { created: '2025-01-01T00:00:00.000Z', username: 'alice', hostname: 'host1' };

/** Golden key file: MATERIAL (bytes 00…5f) wrapped under "correct horse" with scrypt N=2^10, r=8, p=1. */
const GOLDEN =
  '{"version":1,"created":"2025-01-01T00:00:00.000Z","username":"alice","hostname":"host1",' +
  '"kdf":{"name":"scrypt","N":1024,"r":8,"p":1},"salt":"qGdcg8yIkFBBRC8t2UGdfMsbqftfpW/VQdmK42fBhdA=",' +
  '"nonce":"hjZ0h+YsE4WEciDm","data":"CJdATPlaKUHeHbQ0FcOTRpyLFeUl+jvJQuogRbPUVlrMNi+VYiEVxsMtJjHssuKFjDWexEV1JGT8uhwj' +
  'hlai7P914A0khJQEUAD3Ib7i94NOBiMhGW1DI0HgoaZlBL18CB41rxxqtIJcm7D3nfzL+A=="}';

const edit = (fn: (json: Record<string, unknown>) => void): Buffer => {
  const json = JSON.parse(GOLDEN) as Record<string, unknown>;
  fn(json);
  return Buffer.from(JSON.stringify(json));
};

describe('key files', () => {
  it('the golden key file opens with its password and yields the fixed material', async () => {
    const material = await openKeyFile(Buffer.from(GOLDEN), PASSWORD);
    expect(material).toEqual(MATERIAL);
  });

  it('a wrong password gives undefined', async () => {
    expect(await openKeyFile(Buffer.from(GOLDEN), Buffer.from('correct horsf'))).toBeUndefined();
    expect(await openKeyFile(Buffer.from(GOLDEN), Buffer.alloc(0))).toBeUndefined();
  });

  it('create writes the fields in the fixed order, and round-trips', async () => {
    const material = generateKeyMaterial();
    const stored = await createKeyFile(material, PASSWORD, TEST_KDF, META);
    const json = JSON.parse(stored.toString('utf8')) as Record<string, unknown>;
    expect(Object.keys(json)).toEqual(['version', 'created', 'username', 'hostname', 'kdf', 'salt', 'nonce', 'data']);
    expect(Object.keys(json['kdf'] as object)).toEqual(['name', 'N', 'r', 'p']);
    expect(Buffer.from(json['salt'] as string, 'base64').length).toBe(32);
    expect(Buffer.from(json['nonce'] as string, 'base64').length).toBe(12);
    expect(Buffer.from(json['data'] as string, 'base64').length).toBe(96 + 16);
    expect(await openKeyFile(stored, PASSWORD)).toEqual(material);
  });

  it('changing the password is a new key file for the same material', async () => {
    const stored = await createKeyFile(MATERIAL, Buffer.from('new password'), TEST_KDF, META);
    expect(await openKeyFile(stored, Buffer.from('new password'))).toEqual(MATERIAL);
    expect(await openKeyFile(stored, PASSWORD)).toBeUndefined();
    const again = await createKeyFile(MATERIAL, Buffer.from('new password'), TEST_KDF, META);
    expect(again.equals(stored)).toBe(false); // fresh salt and nonce
  });

  it('readKeyFileMeta needs no password', () => {
    expect(readKeyFileMeta(Buffer.from(GOLDEN))).toEqual({ ...META, kdf: TEST_KDF });
  });

  it('tampered ciphertext, nonce, salt or KDF parameters fail authentication (undefined)', async () => {
    const data = Buffer.from((JSON.parse(GOLDEN) as { data: string }).data, 'base64');
    data[5] ^= 1;
    expect(await openKeyFile(edit((j) => (j['data'] = data.toString('base64'))), PASSWORD)).toBeUndefined();
    expect(await openKeyFile(edit((j) => (j['nonce'] = Buffer.alloc(12).toString('base64'))), PASSWORD)).toBeUndefined();
    expect(await openKeyFile(edit((j) => (j['salt'] = Buffer.alloc(32).toString('base64'))), PASSWORD)).toBeUndefined();
    expect(await openKeyFile(edit((j) => ((j['kdf'] as { N: number }).N = 2048)), PASSWORD)).toBeUndefined();
  });

  it.each([
    ['not JSON', Buffer.from('{"version":1')],
    ['not UTF-8', Buffer.from([0x7b, 0xff, 0x7d])],
    ['an array', Buffer.from('[1]')],
    ['no version', edit((j) => delete j['version'])],
    ['no kdf', edit((j) => delete j['kdf'])],
    ['unknown kdf', edit((j) => ((j['kdf'] as { name: string }).name = 'argon2'))],
    ['N not a power of two', edit((j) => ((j['kdf'] as { N: number }).N = 1000))],
    ['huge N', edit((j) => ((j['kdf'] as { N: number }).N = 2 ** 40))],
    ['username not a string', edit((j) => (j['username'] = 5))],
    ['short salt', edit((j) => (j['salt'] = Buffer.alloc(31).toString('base64')))],
    ['long nonce', edit((j) => (j['nonce'] = Buffer.alloc(13).toString('base64')))],
    ['short data', edit((j) => (j['data'] = Buffer.alloc(96).toString('base64')))],
    ['junk in base64', edit((j) => (j['nonce'] = `*${j['nonce'] as string}`))],
  ])('malformed (%s) is an IntegrityError, with and without a password', async (_, stored) => {
    expect(() => readKeyFileMeta(stored)).toThrow(IntegrityError);
    await expect(openKeyFile(stored, PASSWORD)).rejects.toThrow(IntegrityError);
  });

  it('another version is an UnsupportedFormatError', async () => {
    const stored = edit((j) => (j['version'] = 2));
    expect(() => readKeyFileMeta(stored)).toThrow(UnsupportedFormatError);
    await expect(openKeyFile(stored, PASSWORD)).rejects.toThrow(/version 2/);
  });

  it('create refuses bad material, KDF and metadata', async () => {
    const short = { ...MATERIAL, idKey: Buffer.alloc(16) };
    await expect(createKeyFile(short, PASSWORD, TEST_KDF, META)).rejects.toThrow(InvalidArgumentError);
    await expect(createKeyFile(MATERIAL, PASSWORD, { ...TEST_KDF, N: 1000 }, META)).rejects.toThrow(InvalidArgumentError);
    await expect(createKeyFile(MATERIAL, PASSWORD, TEST_KDF, { ...META, created: 'yesterday' })).rejects.toThrow(
      InvalidArgumentError,
    );
  });
});

describe('generateKeyMaterial', () => {
  it('gives three independent 32-byte keys', () => {
    const a = generateKeyMaterial();
    const b = generateKeyMaterial();
    for (const k of [a.masterKey, a.idKey, a.chunkerKey]) expect(k.length).toBe(32);
    expect(a.masterKey.equals(a.idKey) || a.idKey.equals(a.chunkerKey) || a.masterKey.equals(b.masterKey)).toBe(false);
  });
});
