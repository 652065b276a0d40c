// Deterministic test inputs for the chunker, generated here rather than shipped as files. The parity
// vectors in parityVectors.ts were computed by fastcdc-rs from exactly these bytes, and pin their
// SHA-256, so this generator must never change: add a new generator instead.

/** xorshift32 (Marsaglia 2003): tiny, deterministic, good enough to make incompressible-looking bytes. */
export class XorShift32 {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0 || 1;
  }

  next(): number {
    let x = this.#state;
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    this.#state = x;
    return x;
  }

  /** Uniform-ish integer in [0, n). */
  below(n: number): number {
    return this.next() % n;
  }

  fill(target: Uint8Array, start: number, end: number): void {
    for (let i = start; i < end; i++) target[i] = this.next() & 0xff;
  }
}

const TEXT =
  'snap keeps every snapshot logically full and physically incremental; ' +
  'a chunk is stored once, named by its hash. ';

const MAX_SEGMENT = 256 * 1024;
const SEGMENT_KINDS = 4;

/**
 * `length` bytes of mixed content: segments (1 B .. 256 KiB) of PRNG bytes, zero runs, repeated
 * text with a counter, and a small alphabet. These are the shapes that matter for CDC: random data
 * (hash judgements hit), runs (max-size cuts), and repeats (identical chunks).
 */
export function mixedInput(length: number, seed: number): Buffer {
  const rng = new XorShift32(seed);
  const out = Buffer.alloc(length);
  let line = 0;
  for (let pos = 0; pos < length; ) {
    const end = Math.min(length, pos + 1 + rng.below(MAX_SEGMENT));
    switch (rng.below(SEGMENT_KINDS)) {
      case 0:
      case 1: // random bytes (weighted double)
        rng.fill(out, pos, end);
        break;
      case 2: // zeros: Buffer.alloc already zeroed them
        break;
      default: // repeated text, each line numbered so repeats are near- but not exact copies
        for (let i = pos; i < end; ) {
          const text = Buffer.from(`${line++} ${TEXT}`);
          i += text.copy(out, i, 0, Math.min(text.length, end - i));
        }
    }
    pos = end;
  }
  return out;
}

/** A keyed-looking gear table: 2048 PRNG bytes, as crypto/ would hand over (u64 little-endian). */
export function keyedGearBytes(seed: number): Buffer {
  const out = Buffer.alloc(2048);
  new XorShift32(seed).fill(out, 0, out.length);
  return out;
}

/** The inputs the parity vectors refer to, by name. */
export const PARITY_INPUTS = {
  /** 4 MiB + 12345 B (odd, so the odd-tail path of the 2-byte loop is hit). */
  mixed4m: () => mixedInput(4 * 1024 * 1024 + 12345, 0x5eed_2020),
  /** 1 MiB + 1 B of another mix. */
  mixed1m: () => mixedInput(1024 * 1024 + 1, 0x0c0ffee),
  /** 16 KiB + 7 B, for the smallest parameters (many chunks). */
  mixed16k: () => mixedInput(16 * 1024 + 7, 42),
} as const;

export type ParityInputName = keyof typeof PARITY_INPUTS;

export const KEYED_GEAR_SEED = 0x6ea2_1d5e;
