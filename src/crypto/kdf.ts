// Password → wrap key: scrypt, its parameters, their text form ("scrypt:N,r,p") and their limits.
// A key file is untrusted input until it has been opened, so the limits also keep a forged key file
// from making `open` allocate or compute without bound.

import { scrypt } from 'node:crypto';
import { InvalidArgumentError } from '../errors.js';

export interface KdfParams {
  name: 'scrypt';
  /** CPU/memory cost, a power of two ≥ 2. */
  N: number;
  /** Block size factor. */
  r: number;
  /** Parallelisation factor (lanes run one after another in OpenSSL). */
  p: number;
}

/** Size of the key scrypt derives: an AES-256 key. */
export const WRAP_KEY_BYTES = 32;
/** scrypt uses 128·r bytes per block. */
const SCRYPT_BLOCK_BYTES_PER_R = 128;

/** OWASP's minimum for scrypt: 128 MiB, about 0.4 s here. Also the weakness threshold. */
export const DEFAULT_KDF: KdfParams = Object.freeze({ name: 'scrypt', N: 2 ** 17, r: 8, p: 1 }) as KdfParams;

/**
 * Upper bound on 128·N·r·p, which is both the memory a parallel implementation would need and
 * proportional to the work, and on the memory OpenSSL allocates (scryptMaxmem): 1 GiB is 8× the
 * default (≈ 3 s here). Anything above is refused, from the user and from a stored key file alike
 * (a bound only on stored files would let a user make a key that cannot be opened). A key file is
 * untrusted until it opens: this keeps a forged one from costing more than that.
 */
export const MAX_SCRYPT_COST_BYTES = 2 ** 30;

/** Slack over OpenSSL's exact need, for allocator rounding in future OpenSSL versions. */
const SCRYPT_MAXMEM_MARGIN_BYTES = 1024 * 1024;

/** 128·N·r·p: the cost measure that MAX_SCRYPT_COST_BYTES bounds. */
export function scryptCostBytes(params: KdfParams): number {
  return SCRYPT_BLOCK_BYTES_PER_R * params.N * params.r * params.p;
}

/**
 * Memory OpenSSL checks against `maxmem`: V is 128·r·(N+2) bytes and B is 128·r·p (lanes run
 * sequentially and share V). 128·N·r·p alone would be too small by 384·r bytes when p = 1.
 */
export function scryptMaxmem(params: KdfParams): number {
  return SCRYPT_BLOCK_BYTES_PER_R * params.r * (params.N + params.p + 2) + SCRYPT_MAXMEM_MARGIN_BYTES;
}

const isPowerOfTwo = (n: number): boolean => Number.isSafeInteger(n) && n >= 2 && 2 ** Math.round(Math.log2(n)) === n;

/** "scrypt:131072,8,1". */
export function formatKdf(params: KdfParams): string {
  return `${params.name}:${params.N},${params.r},${params.p}`;
}

/**
 * Returns a clean copy of `params` or throws InvalidArgumentError naming the bad value. Enforces
 * what RFC 7914 and OpenSSL require (N a power of two with N < 2^(16·r)), so a bad value gets a
 * clear message rather than OpenSSL's "memory limit exceeded".
 */
export function validateKdf(params: KdfParams): KdfParams {
  const shown = () => {
    try {
      return JSON.stringify(params);
    } catch {
      return String(params);
    }
  };
  if (typeof params !== 'object' || params === null || params.name !== 'scrypt') {
    throw new InvalidArgumentError(`unknown KDF ${shown()}: only scrypt is supported`);
  }
  const { N, r, p } = params;
  if (!isPowerOfTwo(N)) throw new InvalidArgumentError(`scrypt N must be a power of two ≥ 2, got ${N}`);
  if (!Number.isSafeInteger(r) || r < 1) throw new InvalidArgumentError(`scrypt r must be an integer ≥ 1, got ${r}`);
  if (!Number.isSafeInteger(p) || p < 1) throw new InvalidArgumentError(`scrypt p must be an integer ≥ 1, got ${p}`);
  // RFC 7914 §2: N < 2^(128·r/8). OpenSSL refuses otherwise (e.g. N = 2^17 with r = 1).
  if (16 * r < 53 && N >= 2 ** (16 * r)) {
    throw new InvalidArgumentError(`scrypt N must be below 2^${16 * r} when r = ${r}, got ${N}`);
  }
  const cost = scryptCostBytes(params);
  if (cost > MAX_SCRYPT_COST_BYTES) {
    throw new InvalidArgumentError(
      `scrypt parameters ${formatKdf(params)} need 128·N·r·p = ${cost} bytes, above the limit of ${MAX_SCRYPT_COST_BYTES}`,
    );
  }
  // With a small N, memory 128·r·(N+p+2) can exceed the cost measure (N = 2: 2.5×).
  const memory = scryptMaxmem(params) - SCRYPT_MAXMEM_MARGIN_BYTES;
  if (memory > MAX_SCRYPT_COST_BYTES) {
    throw new InvalidArgumentError(`scrypt parameters ${formatKdf(params)} need ${memory} bytes of memory, above the limit of ${MAX_SCRYPT_COST_BYTES}`);
  }
  return { name: 'scrypt', N, r, p };
}

const KDF_TEXT = /^scrypt:([1-9][0-9]{0,15}),([1-9][0-9]{0,15}),([1-9][0-9]{0,15})$/;

/** Parses "scrypt:N,r,p" (decimal, e.g. "scrypt:131072,8,1"). */
export function parseKdf(text: string): KdfParams {
  const m = KDF_TEXT.exec(text);
  if (m === null) {
    throw new InvalidArgumentError(`invalid KDF ${JSON.stringify(text)}: expected scrypt:N,r,p, e.g. ${formatKdf(DEFAULT_KDF)}`);
  }
  try {
    return validateKdf({ name: 'scrypt', N: Number(m[1]), r: Number(m[2]), p: Number(m[3]) });
  } catch (e) {
    if (e instanceof InvalidArgumentError) {
      throw new InvalidArgumentError(`invalid KDF ${JSON.stringify(text)}: ${e.message}`);
    }
    throw e;
  }
}

/**
 * Weaker than OWASP's minimum when each lane uses less than its 128 MiB (N·r < 2^17·8). Memory is
 * what makes scrypt costly on GPUs, so a larger p does not make up for a smaller N·r here.
 */
export function isWeakKdf(params: KdfParams): boolean {
  return params.N * params.r < DEFAULT_KDF.N * DEFAULT_KDF.r;
}

/** scrypt(password, salt) → a WRAP_KEY_BYTES key; runs on the libuv pool. Bad params reject. */
export async function deriveWrapKey(password: Buffer, salt: Buffer, params: KdfParams): Promise<Buffer> {
  const { N, r, p } = validateKdf(params);
  const maxmem = scryptMaxmem(params);
  return new Promise((resolve, reject) => {
    scrypt(password, salt, WRAP_KEY_BYTES, { N, r, p, maxmem }, (err, key) => (err ? reject(err) : resolve(key)));
  });
}
