// Fixed inputs of the golden vectors (docs/crypto.md lists the same): bytes counting up from a start.

export const seq = (start: number, length: number): Buffer =>
  Buffer.from(Array.from({ length }, (_, i) => (start + i) & 0xff));

/** masterKey = 00 01 … 1f, idKey = 20 … 3f, chunkerKey = 40 … 5f. */
export const MASTER_KEY = seq(0x00, 32);
export const ID_KEY = seq(0x20, 32);
export const CHUNKER_KEY = seq(0x40, 32);
export const MATERIAL = { masterKey: MASTER_KEY, idKey: ID_KEY, chunkerKey: CHUNKER_KEY };
/** Object / pack salt = 80 81 … 9f. */
export const SALT = seq(0x80, 32);
export const PLAINTEXT = Buffer.from('snap golden vector', 'ascii');
/** scrypt cost of the tests: cheap, and not weak-checked. */
export const TEST_KDF = { name: 'scrypt', N: 2 ** 10, r: 8, p: 1 } as const;
