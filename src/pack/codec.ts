// Blob codecs: each pack header entry names the codec of its blob, so others can be added without a
// new format. zstd runs two ways, with the same frames either way: small blobs synchronously on a
// reused context (zstd-napi), large ones on the libuv pool (@mongodb-js/zstd's bindings; its public
// wrapper ignores the level).

import { createRequire } from 'node:module';
import { IntegrityError, InvalidArgumentError } from '../errors.js';
import { entropyBits } from './entropy.js';
import { decodeLaneOrder, encodeLaneOrder, shuffleWords, unshuffleWords, wordLaneOrder } from './byteShuffle.js';

/** Bounds how many zstd calls run on the libuv pool at once (a Limiter: acquire, release). */
export interface CompressSlots {
  acquire(): Promise<void>;
  release(): void;
}

export enum Codec {
  Raw = 0,
  Zstd = 1,
  /** One byte of lane order, then a zstd frame of the blob byte-shuffled in 4-byte words (byteShuffle.ts). */
  ZstdShuffle4 = 2,
}

export interface CompressionConfig {
  codec: 'zstd' | 'none';
  level: number;
}

export const DEFAULT_COMPRESSION: CompressionConfig = { codec: 'zstd', level: 3 };
export const MIN_ZSTD_LEVEL = -7;
export const MAX_ZSTD_LEVEL = 22;

interface ZstdBindings {
  compress(data: Buffer, level?: number): Promise<Buffer>;
  decompress(data: Buffer): Promise<Buffer>;
}

interface ZstdNapi {
  Compressor: new () => { compress(data: Uint8Array): Buffer; setParameters(p: { compressionLevel: number }): void };
  Decompressor: new () => { decompress(data: Uint8Array): Buffer };
}

const require = createRequire(import.meta.url);
let zstd: ZstdBindings | undefined;
function bindings(): ZstdBindings {
  // Loaded on first use: commands that never touch blob content skip the native module.
  zstd ??= require('@mongodb-js/zstd/bindings.js') as ZstdBindings;
  return zstd;
}

/**
 * Blobs up to this size are compressed and decompressed synchronously on the calling thread, on one
 * context per level kept for the process. The pool binding costs ~15 µs of the caller's time and
 * ~65 µs of a pool thread's per call whatever the size (it makes a fresh context and clears level-3
 * tables sized for unknown input each time); a reused context that is told the size costs ~14 µs in
 * all for a 2 KiB blob. Above this size the data itself dominates, and it is better off the main
 * thread (docs/benchmarks.md, "zstd per small blob").
 */
export const SYNC_ZSTD_MAX_BYTES = 16 * 1024;

let napi: ZstdNapi | undefined;
const compressors = new Map<number, InstanceType<ZstdNapi['Compressor']>>();
let decompressor: InstanceType<ZstdNapi['Decompressor']> | undefined;
function zstdNapi(): ZstdNapi {
  napi ??= require('zstd-napi') as ZstdNapi;
  return napi;
}

function compressSync(data: Buffer, level: number): Buffer {
  let c = compressors.get(level);
  if (!c) {
    c = new (zstdNapi().Compressor)();
    c.setParameters({ compressionLevel: level });
    compressors.set(level, c);
  }
  return c.compress(data);
}

function decompressSync(frame: Buffer): Buffer {
  decompressor ??= new (zstdNapi().Decompressor)();
  return decompressor.decompress(frame);
}

export function parseCompression(s: string): CompressionConfig {
  if (s === 'none') return { codec: 'none', level: 0 };
  const m = /^zstd(?::(-?\d+))?$/.exec(s);
  if (!m) throw new InvalidArgumentError(`--compression: expected zstd, zstd:N or none, got '${s}'`);
  const level = m[1] === undefined ? DEFAULT_COMPRESSION.level : Number(m[1]);
  if (level < MIN_ZSTD_LEVEL || level > MAX_ZSTD_LEVEL || level === 0) {
    throw new InvalidArgumentError(`--compression: zstd level must be ${MIN_ZSTD_LEVEL}..-1 or 1..${MAX_ZSTD_LEVEL}, got ${level}`);
  }
  return { codec: 'zstd', level };
}

/**
 * Compress a blob (shuffled first when it looks like fp32/int32 words); raw when nothing gets smaller.
 * With `slots`, the zstd call waits for one: on few cores, more pool threads compressing at once
 * than there are spare cores take CPU from the main thread, which is the backup's bottleneck.
 */
export async function encodeBlob(plain: Buffer, cfg: CompressionConfig, slots?: CompressSlots): Promise<{ codec: Codec; bytes: Buffer }> {
  const job = compressionJob(plain, cfg);
  return job ? fromFrame(plain, job.order, await zstdCompress(job.input, cfg.level, slots)) : { codec: Codec.Raw, bytes: plain };
}

/** encodeBlob on the calling thread whatever the size (for worker threads, whose time is their own). */
export function encodeBlobSync(plain: Buffer, cfg: CompressionConfig): { codec: Codec; bytes: Buffer } {
  const job = compressionJob(plain, cfg);
  return job ? fromFrame(plain, job.order, compressSync(job.input, cfg.level)) : { codec: Codec.Raw, bytes: plain };
}

/** What zstd gets for a blob (shuffled when it looks like 4-byte words), or undefined: store it raw. */
function compressionJob(plain: Buffer, cfg: CompressionConfig): { input: Buffer; order?: number[] } | undefined {
  if (cfg.codec === 'none' || plain.length === 0) return undefined;
  if (plain.length <= RANDOM_CHECK_MAX_BYTES && looksRandom(plain)) return undefined;
  const order = wordLaneOrder(plain);
  return order ? { input: shuffleWords(plain, order), order } : { input: plain };
}

/** The stored form: the frame when it is smaller than the blob, else the blob raw. */
function fromFrame(plain: Buffer, order: number[] | undefined, frame: Buffer): { codec: Codec; bytes: Buffer } {
  if (order) {
    if (frame.length + 1 < plain.length) return { codec: Codec.ZstdShuffle4, bytes: Buffer.concat([Buffer.of(encodeLaneOrder(order)), frame]) };
  } else if (frame.length < plain.length) {
    return { codec: Codec.Zstd, bytes: frame };
  }
  return { codec: Codec.Raw, bytes: plain };
}

async function zstdCompress(data: Buffer, level: number, slots: CompressSlots | undefined): Promise<Buffer> {
  if (data.length <= SYNC_ZSTD_MAX_BYTES) return compressSync(data, level);
  if (!slots) return bindings().compress(data, level);
  await slots.acquire();
  try {
    return await bindings().compress(data, level);
  } finally {
    slots.release();
  }
}

/**
 * Small blobs whose bytes look random (compressed files, media, ciphertext) are stored without
 * trying zstd: for them a zstd call's fixed cost (~25 µs of main-thread and ~40 µs of pool time
 * through the binding, whatever the size) is most of the work, and it would find nothing. Larger
 * blobs are always tried: there the call's cost is small beside the data, and repeats inside a
 * high-entropy blob (which byte entropy cannot see) are worth finding.
 */
const RANDOM_CHECK_MAX_BYTES = 64 * 1024;
/** Smaller samples say too little (the estimate below needs many more bytes than byte values). */
const RANDOM_MIN_BYTES = 1024;
/** Bytes of a blob sampled for the randomness check. */
const RANDOM_SAMPLE_BYTES = 4096;
/** Below the entropy uniform random bytes show in a sample of this size, by this margin (bits). */
const RANDOM_MARGIN_BITS = 0.1;

/**
 * Whether a sample's byte entropy is that of uniform random bytes: for n samples the plug-in
 * estimate of 8 bits comes out near 8 − 255 / (2 n ln 2).
 */
export function looksRandom(buf: Buffer): boolean {
  const n = Math.min(buf.length, RANDOM_SAMPLE_BYTES);
  if (n < RANDOM_MIN_BYTES) return false;
  const counts = new Uint32Array(256);
  for (let i = 0; i < n; i++) counts[buf[i]!]!++;
  return entropyBits(counts, 0, n) >= 8 - 255 / (2 * n * Math.LN2) - RANDOM_MARGIN_BITS;
}

/**
 * Largest blob a reader accepts (raw length recorded in the index): chunks are at most the chunker's
 * MAX_SIZE_UPPER_LIMIT (16 MiB), tree nodes far smaller; a bigger recorded length is not one a writer made.
 */
export const MAX_BLOB_RAW_BYTES = 64 * 1024 * 1024;

const ZSTD_MAGIC = 0xfd2fb528;
/** Frame_Header_Descriptor: Frame_Content_Size_flag = 3 (8 bytes), Single_Segment_flag = 1. */
const FHD_FCS8_SINGLE_SEGMENT = 0xe0;
const FHD_CHECKSUM_BIT = 0x04;
const FHD_RESERVED_BIT = 0x08;
const FHD_DICT_MASK = 0x03;
const BOUNDED_HEADER_BYTES = 4 + 1 + 8;

/**
 * A zstd frame whose header declares exactly `rawLength` bytes of content, so that decoding can
 * never produce (or allocate) more: the binding decodes a frame with a known content size into a
 * buffer of that size and fails with "destination buffer is too small" when the blocks say more,
 * while without one it grows its output until the frame ends (a 30 KB frame can say 1 GB). Frames
 * of the pool binding carry no content size (it compresses in streaming mode), those of the
 * synchronous one do, and a stored frame is not trusted to say either, so the header is rewritten: magic, a descriptor with an 8-byte content size and Single_Segment set (window = the
 * content), the checksum flag kept; the blocks follow unchanged (the checksum covers content only).
 * A frame that declares another size, uses a dictionary or sets the reserved bit is refused.
 */
export function boundedZstdFrame(frame: Buffer, rawLength: number): Buffer {
  if (frame.length < 6 || frame.readUInt32LE(0) !== ZSTD_MAGIC) throw new IntegrityError('blob is not a zstd frame');
  const fhd = frame[4]!;
  if (fhd & FHD_RESERVED_BIT) throw new IntegrityError('zstd frame sets the reserved bit');
  if (fhd & FHD_DICT_MASK) throw new IntegrityError('zstd frame needs a dictionary (snap writes none)');
  const fcsFlag = fhd >> 6;
  const singleSegment = (fhd >> 5) & 1;
  const fcsBytes = [singleSegment ? 1 : 0, 2, 4, 8][fcsFlag]!;
  const fcsAt = 5 + (singleSegment ? 0 : 1);
  const headerEnd = fcsAt + fcsBytes;
  if (frame.length < headerEnd) throw new IntegrityError('zstd frame header is truncated');
  if (fcsBytes > 0) {
    const declared = fcsBytes === 1 ? frame[fcsAt]! : fcsBytes === 2 ? frame.readUInt16LE(fcsAt) + 256 : fcsBytes === 4 ? frame.readUInt32LE(fcsAt) : Number(frame.readBigUInt64LE(fcsAt));
    if (declared !== rawLength) throw new IntegrityError(`zstd frame declares ${declared} bytes, the index ${rawLength}`);
  }
  const header = Buffer.alloc(BOUNDED_HEADER_BYTES);
  header.writeUInt32LE(ZSTD_MAGIC, 0);
  header[4] = FHD_FCS8_SINGLE_SEGMENT | (fhd & FHD_CHECKSUM_BIT);
  header.writeBigUInt64LE(BigInt(rawLength), 5);
  return Buffer.concat([header, frame.subarray(headerEnd)]);
}

/**
 * One zstd frame to exactly `rawLength` bytes. The binding's own failures (a frame that says more
 * than the bound, damaged blocks) are damage of that blob: an IntegrityError, never a bare Error.
 */
async function zstdDecode(frame: Buffer, rawLength: number): Promise<Buffer> {
  let out: Buffer;
  try {
    const bounded = boundedZstdFrame(frame, rawLength);
    out = rawLength <= SYNC_ZSTD_MAX_BYTES ? decompressSync(bounded) : await bindings().decompress(bounded);
  } catch (e) {
    if (e instanceof IntegrityError) throw e;
    throw new IntegrityError(`blob does not decompress to the expected ${rawLength} bytes (zstd: ${(e as Error).message})`);
  }
  if (out.length !== rawLength) throw new IntegrityError(`blob decompressed to ${out.length} bytes, expected ${rawLength}`);
  return out;
}

/** Decode a stored blob; never yields or allocates more than `rawLength` (recorded in the index) bytes. */
export async function decodeBlob(codec: Codec, bytes: Buffer, rawLength: number): Promise<Buffer> {
  if (!Number.isSafeInteger(rawLength) || rawLength < 0 || rawLength > MAX_BLOB_RAW_BYTES) {
    throw new IntegrityError(`blob raw length ${rawLength} is beyond the limit of ${MAX_BLOB_RAW_BYTES} bytes`);
  }
  if (codec === Codec.Raw) {
    if (bytes.length !== rawLength) throw new IntegrityError(`raw blob is ${bytes.length} bytes, expected ${rawLength}`);
    return bytes;
  }
  if (codec === Codec.Zstd) {
    return zstdDecode(bytes, rawLength);
  }
  if (codec === Codec.ZstdShuffle4) {
    const order = bytes.length > 0 ? decodeLaneOrder(bytes[0]!) : undefined;
    if (!order) throw new IntegrityError('shuffled blob has no valid lane order');
    return unshuffleWords(await zstdDecode(bytes.subarray(1), rawLength), order);
  }
  throw new IntegrityError(`unknown blob codec ${codec as number}`);
}
