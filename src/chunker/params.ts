// Chunker parameters: the limits we accept, the defaults, and the judgement masks derived from them.
// The parameters are stored in the repository config, so a change here changes the format.

import { InvalidArgumentError } from '../errors.js';

const KiB = 1024;
const MiB = 1024 * KiB;

/** Normalization level of FastCDC: 0 = none (widest spread of sizes) .. 3 = nearly all chunks near avg. */
export type NormalizationLevel = 0 | 1 | 2 | 3;

export interface ChunkerParams {
  /** Smallest chunk (except the last one of an input). Bytes below it are skipped, never hashed. */
  min: number;
  /** Target average; selects the judgement masks (rounded log2). */
  avg: number;
  /** Largest chunk: a cut is forced here when no hash judgement hits. */
  max: number;
  /** Normalization level; defaults to DEFAULT_NORMALIZATION_LEVEL. */
  level?: NormalizationLevel;
}

/** Validated parameters plus the masks the hot loops use. */
export interface ResolvedChunkerParams {
  readonly min: number;
  readonly avg: number;
  readonly max: number;
  readonly level: NormalizationLevel;
  /** Harder mask, used before the chunk reaches avg bytes (more bits, fewer cuts). */
  readonly maskS: bigint;
  /** Easier mask, used from avg bytes on (fewer bits, more cuts). */
  readonly maskL: bigint;
}

// The size limits are fastcdc-rs v2020's (MINIMUM_MIN .. MAXIMUM_MAX). Besides keeping sizes sane
// they guarantee that round(log2(avg)) ± level indexes MASKS inside its range 5..25.
export const MIN_SIZE_LOWER_LIMIT = 64;
export const MIN_SIZE_UPPER_LIMIT = 1 * MiB;
export const AVG_SIZE_LOWER_LIMIT = 256;
export const AVG_SIZE_UPPER_LIMIT = 4 * MiB;
export const MAX_SIZE_LOWER_LIMIT = 1 * KiB;
export const MAX_SIZE_UPPER_LIMIT = 16 * MiB;
export const MAX_NORMALIZATION_LEVEL = 3;
export const DEFAULT_NORMALIZATION_LEVEL: NormalizationLevel = 1;

/**
 * snap's default: ~128 KiB chunks. Chosen by the chunk-size study on real data (docs/benchmarks.md,
 * "Chunk size on real data"): after five nights 128 KiB stored 4 % less than 256 KiB on the real AI
 * dataset and 11 % less on npm releases (an edit re-stores a smaller chunk), for twice the chunks
 * (index still ~0.1 % of the repository); 64 KiB saved only 0.4-3 % more for 1.5x the chunks again.
 * (The earlier 256 KiB came from generated text, which compresses far worse in small chunks than real text.)
 */
export const DEFAULT_CHUNKER_PARAMS: Readonly<Required<ChunkerParams>> = Object.freeze({
  min: 32 * KiB,
  avg: 128 * KiB,
  max: 512 * KiB,
  level: 1,
});

/**
 * Judgement masks indexed by the number of effective bits (log2 of the target size). Entries 0..4 are
 * padding; 5 and 25 are only reached with normalization level 3. The values are the FastCDC
 * C reference implementation's (64 B .. 128 KiB) extended by restic-FastCDC's, as fastcdc-rs uses
 * them: the bits are spread out because the FastCDC paper found that slightly improves dedup.
 * The highest bit set in any entry is bit 47; the fast chunker relies on that (see fastcdc2020.ts).
 */
export const MASKS: readonly bigint[] = Object.freeze([
  0n, 0n, 0n, 0n, 0n,
  0x0000000001804110n, // 5: NC3 only
  0x0000000001803110n, // 64 B
  0x0000000018035100n, // 128 B
  0x0000001800035300n, // 256 B
  0x0000019000353000n, // 512 B
  0x0000590003530000n, // 1 KiB
  0x0000d90003530000n, // 2 KiB
  0x0000d90103530000n, // 4 KiB
  0x0000d90303530000n, // 8 KiB
  0x0000d90313530000n, // 16 KiB
  0x0000d90f03530000n, // 32 KiB
  0x0000d90303537000n, // 64 KiB
  0x0000d90703537000n, // 128 KiB
  0x0000d90707537000n, // 256 KiB
  0x0000d91707537000n, // 512 KiB
  0x0000d91747537000n, // 1 MiB
  0x0000d91767537000n, // 2 MiB
  0x0000d93767537000n, // 4 MiB
  0x0000d93777537000n, // 8 MiB
  0x0000d93777577000n, // 16 MiB
  0x0000db3777577000n, // 25: NC3 only
]);

/**
 * log2 rounded to the nearest integer, as fastcdc-rs ≥ 4.0.1 computes it (`(v as f64).log2().round()`),
 * so a non-power-of-two avg picks the mask whose size is closest. Done in integers: round(log2 v) = k
 * exactly when 2^(2k-1) ≤ v² < 2^(2k+1); v ≤ 4 MiB keeps v² far inside the exact range of a double.
 */
export function roundedLog2(value: number): number {
  const square = value * value;
  let k = 0;
  while (square >= 2 ** (2 * k + 1)) k++;
  return k;
}

function checkSize(name: string, value: unknown, lower: number, upper: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < lower || value > upper) {
    throw new InvalidArgumentError(`chunker ${name} must be an integer in [${lower}, ${upper}], got ${String(value)}`);
  }
  return value;
}

/** Validates params (throws InvalidArgumentError) and computes the masks. */
export function resolveChunkerParams(params: ChunkerParams): ResolvedChunkerParams {
  if (params === null || typeof params !== 'object') {
    throw new InvalidArgumentError('chunker params must be an object { min, avg, max, level }');
  }
  const min = checkSize('min', params.min, MIN_SIZE_LOWER_LIMIT, MIN_SIZE_UPPER_LIMIT);
  const avg = checkSize('avg', params.avg, AVG_SIZE_LOWER_LIMIT, AVG_SIZE_UPPER_LIMIT);
  const max = checkSize('max', params.max, MAX_SIZE_LOWER_LIMIT, MAX_SIZE_UPPER_LIMIT);
  const level = params.level ?? DEFAULT_NORMALIZATION_LEVEL;
  if (!Number.isInteger(level) || level < 0 || level > MAX_NORMALIZATION_LEVEL) {
    throw new InvalidArgumentError(`chunker level must be 0..${MAX_NORMALIZATION_LEVEL}, got ${String(level)}`);
  }
  if (!(min <= avg && avg <= max)) {
    throw new InvalidArgumentError(`chunker sizes must satisfy min ≤ avg ≤ max, got ${min}/${avg}/${max}`);
  }
  // The scan steps 2 bytes at a time from floor(min/2)*2, so an odd min would allow chunks of min-1
  // bytes. fastcdc-rs accepts that; we refuse it so that "every chunk but the last is ≥ min" holds.
  if (min % 2 !== 0) {
    throw new InvalidArgumentError(`chunker min must be even, got ${min}`);
  }
  const bits = roundedLog2(avg);
  return Object.freeze({
    min,
    avg,
    max,
    level: level as NormalizationLevel,
    maskS: MASKS[bits + level],
    maskL: MASKS[bits - level],
  });
}
