// chunker/ owns content-defined chunking: FastCDC-2020 (our own port of fastcdc-rs `v2020`, whose
// cut points are part of the repository format; the cut loop is WebAssembly, gearScan.wat, with a
// JavaScript reference for the tests), its parameters and gear tables, and the streaming front ends
// that cut inputs of any size with bounded memory (chunkFile reads straight into WebAssembly memory).
// It knows nothing of hashing, packing or keys: an encrypted repository's gear table is derived in
// crypto/ and handed in as 2048 bytes.
// docs/chunker.md describes the algorithm, the streaming rule and the parity evidence.

export {
  type ChunkerParams,
  type NormalizationLevel,
  type ResolvedChunkerParams,
  DEFAULT_CHUNKER_PARAMS,
  DEFAULT_NORMALIZATION_LEVEL,
  MAX_NORMALIZATION_LEVEL,
  MIN_SIZE_LOWER_LIMIT,
  MIN_SIZE_UPPER_LIMIT,
  AVG_SIZE_LOWER_LIMIT,
  AVG_SIZE_UPPER_LIMIT,
  MAX_SIZE_LOWER_LIMIT,
  MAX_SIZE_UPPER_LIMIT,
  MASKS,
  resolveChunkerParams,
} from './params.js';
export { GEAR_ENTRIES, GEAR_TABLE_BYTES, STANDARD_GEAR, gearFromBytes, gearToBytes } from './gear.js';
export {
  type ChunkSpan,
  type HashedChunkSpan,
  FastCDC2020,
  FastCDC2020Wasm,
} from './fastcdc2020.js';
export { StreamChunker, chunkBuffer, fastChunker } from './streamChunker.js';
export { DEFAULT_READ_SIZE, MAX_READ_SIZE, ReadIntoChunker, chunkFile } from './fileChunker.js';
