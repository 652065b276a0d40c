// The WebAssembly gear scan (gearScan.wat, assembled into dist/ by the build): one instance per
// scanner, each with its own fixed-size memory holding the gear tables and the bytes to scan. The
// memory never grows, so Buffer views of it stay valid for the scanner's life; that lets a file
// reader read straight into it (fileChunker.ts) and the chunks be handed out as views, uncopied.

import { readFileSync } from 'node:fs';
import { GEAR_ENTRIES } from './gear.js';

/** Layout of a scanner's memory (gearScan.wat): GEAR, then GEAR_LS, then the data region. */
const GEAR_OFFSET = 0;
const GEAR_LS_OFFSET = 2048;
export const SCAN_DATA_OFFSET = 4096;
const WASM_PAGE_BYTES = 65536;
/** wasm32 addresses are u32; we stay well below 4 GiB so `until` and every address fit. */
export const SCAN_MEMORY_LIMIT = 2 ** 31;
const U64_MASK = 0xffff_ffff_ffff_ffffn;
const U32_MASK = 0xffff_ffffn;

// Minimal typings: lib ES2022 and @types/node 20 do not declare the WebAssembly namespace.
declare namespace WebAssembly {
  class Module {
    constructor(bytes: Uint8Array);
  }
  class Memory {
    constructor(descriptor: { initial: number; maximum?: number });
    readonly buffer: ArrayBuffer;
  }
  class Instance {
    constructor(module: Module, imports: Record<string, Record<string, unknown>>);
    readonly exports: Record<string, unknown>;
  }
}

type ScanFn = (a: number, until: number, maskLo: number, maskHi: number, fresh: number) => number;

const WASM_URL = new URL('../../dist/chunker/gearScan.wasm', import.meta.url);
let compiled: WebAssembly.Module | undefined;

/** Compiled once per thread (workers included), on first use. */
function gearScanModule(): WebAssembly.Module {
  if (compiled === undefined) {
    let bytes: Buffer;
    try {
      bytes = readFileSync(WASM_URL);
    } catch (e) {
      // Not a user error: an installation built without `npm run build` (tsc alone skips it).
      throw new Error(`the chunker's WebAssembly is missing (${WASM_URL.pathname}): run \`npm run build\``, { cause: e });
    }
    compiled = new WebAssembly.Module(bytes);
  }
  return compiled;
}

/** A mask as the two u32 halves scan() takes (wasm i64 parameters would cost a BigInt per call). */
export interface SplitMask {
  readonly lo: number;
  readonly hi: number;
}

export function splitMask(mask: bigint): SplitMask {
  return { lo: Number(mask & U32_MASK), hi: Number(mask >> 32n) };
}

export class GearScanner {
  /** The whole memory; the data region is heap[SCAN_DATA_OFFSET, SCAN_DATA_OFFSET + dataBytes). */
  readonly heap: Buffer;
  readonly dataBytes: number;
  readonly scan: ScanFn;
  readonly #hashLo: () => number;
  readonly #hashHi: () => number;

  constructor(gear: BigUint64Array, dataBytes: number) {
    const total = SCAN_DATA_OFFSET + dataBytes;
    if (!Number.isSafeInteger(dataBytes) || dataBytes < 0 || total > SCAN_MEMORY_LIMIT) {
      throw new RangeError(`a gear scanner holds at most ${SCAN_MEMORY_LIMIT - SCAN_DATA_OFFSET} bytes, asked for ${dataBytes}`);
    }
    const pages = Math.ceil(total / WASM_PAGE_BYTES);
    const memory = new WebAssembly.Memory({ initial: pages, maximum: pages });
    const instance = new WebAssembly.Instance(gearScanModule(), { env: { memory } });
    this.heap = Buffer.from(memory.buffer);
    this.dataBytes = pages * WASM_PAGE_BYTES - SCAN_DATA_OFFSET;
    this.scan = instance.exports.scan as ScanFn;
    this.#hashLo = instance.exports.hashLo as () => number;
    this.#hashHi = instance.exports.hashHi as () => number;
    for (let i = 0; i < GEAR_ENTRIES; i++) {
      this.heap.writeBigUInt64LE(gear[i], GEAR_OFFSET + 8 * i);
      this.heap.writeBigUInt64LE((gear[i] << 1n) & U64_MASK, GEAR_LS_OFFSET + 8 * i);
    }
  }

  /** The 64-bit hash the last scan() ended with. */
  lastHash(): bigint {
    return (BigInt(this.#hashHi() >>> 0) << 32n) | BigInt(this.#hashLo() >>> 0);
  }
}
