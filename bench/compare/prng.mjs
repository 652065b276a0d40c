// Deterministic pseudo-random sources for the benchmark datasets.
// - Rng: sfc32, a small fast 32-bit generator for decisions (which file, which offset, ...).
// - keystream(): AES-128-CTR over zeros, keyed from a label, for bulk incompressible bytes.
import { createCipheriv, createHash } from 'node:crypto';

export class Rng {
  constructor(seed) {
    const h = createHash('sha256').update(String(seed)).digest();
    this.a = h.readUInt32LE(0) | 0;
    this.b = h.readUInt32LE(4) | 0;
    this.c = h.readUInt32LE(8) | 0;
    this.d = h.readUInt32LE(12) | 0;
    for (let i = 0; i < 12; i++) this.u32();
  }
  /** uniform uint32 */
  u32() {
    let { a, b, c, d } = this;
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    this.a = a; this.b = b; this.c = c; this.d = d;
    return t >>> 0;
  }
  /** uniform in [0, 1) */
  float() { return this.u32() / 4294967296; }
  /** integer in [lo, hi] */
  int(lo, hi) { return lo + Math.floor(this.float() * (hi - lo + 1)); }
  pick(arr) { return arr[Math.floor(this.float() * arr.length)]; }
  /** roughly normal (Irwin–Hall with 4 terms), mean 0, sd 1 */
  normal() { return (this.float() + this.float() + this.float() + this.float() - 2) * 1.7320508; }
  /** k distinct indices from [0, n) */
  sample(n, k) {
    k = Math.min(k, n);
    const chosen = new Set();
    while (chosen.size < k) chosen.add(Math.floor(this.float() * n));
    return [...chosen].sort((x, y) => x - y);
  }
  hex(nChars) {
    let s = '';
    while (s.length < nChars) s += this.u32().toString(16).padStart(8, '0');
    return s.slice(0, nChars);
  }
  fork(label) { return new Rng(`${this.u32()}:${label}`); }
}

/** `n` deterministic incompressible bytes derived from `label`. */
export function keystream(label, n) {
  const h = createHash('sha256').update(String(label)).digest();
  const c = createCipheriv('aes-128-ctr', h.subarray(0, 16), h.subarray(16, 32));
  return c.update(Buffer.alloc(n));
}
