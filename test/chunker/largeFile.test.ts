// chunkFile on a sparse file larger than 4 GiB: no 32-bit offsets anywhere. The file is mostly a
// hole (zeros, which chunk at max size), with marker regions near the start, across the 4 GiB boundary
// and at the end. chunkFile reads into the WebAssembly chunker's memory (addresses < 2^31) while the
// file offsets pass 2^32; the JavaScript reference checks every boundary.
//
// The parameters put min close to max, so the chunker skips 15/16 of every chunk unhashed: with the
// default parameters every zero byte is scanned and the test takes 10 s alone, far more on a loaded
// CI. The boundaries are still decided by the hash in the last 64 KiB of each chunk.

import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FastCDC2020, STANDARD_GEAR, StreamChunker, chunkFile } from '../../src/chunker/index.js';
import { mixedInput } from './fixtures.js';

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;
const FILE_SIZE = 4 * GiB + 5 * MiB + 4321;
const PARAMS = { min: 1 * MiB, avg: 1 * MiB, max: 1 * MiB + 64 * 1024, level: 1 as const };
/** Piece size for the in-memory replay: unrelated to the 4 MiB reads, so windows fall elsewhere. */
const REPLAY_PIECE = 3 * MiB + 1;

interface Marker {
  offset: number;
  bytes: Buffer;
}

const MARKERS: Marker[] = [
  { offset: 1 * MiB + 3, bytes: mixedInput(300 * 1024, 1) },
  // Straddles 2^32, so a chunk there has bytes on both sides of the 32-bit limit.
  { offset: 4 * GiB - 100 * 1024, bytes: mixedInput(400 * 1024, 2) },
  { offset: FILE_SIZE - 64 * 1024 - 10, bytes: mixedInput(64 * 1024, 3) },
];

/** The file's content for [pos, pos + piece.length), written into piece: zeros plus markers. */
function contentAt(pos: number, piece: Buffer): Buffer {
  piece.fill(0);
  for (const { offset, bytes } of MARKERS) {
    const from = Math.max(pos, offset);
    const to = Math.min(pos + piece.length, offset + bytes.length);
    if (from < to) bytes.copy(piece, from - pos, from - offset, to - offset);
  }
  return piece;
}

describe('chunkFile on a sparse file > 4 GiB', () => {
  let dir: string;
  let path: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'snap-chunker-large-'));
    path = join(dir, 'sparse.bin');
    const handle = await open(path, 'w');
    try {
      await handle.truncate(FILE_SIZE);
      for (const { offset, bytes } of MARKERS) await handle.write(bytes, 0, bytes.length, offset);
    } finally {
      await handle.close();
    }
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('covers every byte with the right bytes, within bounds, with the boundaries of an in-memory run', async () => {
    const expectedPiece = Buffer.alloc(PARAMS.max);
    const handle = await open(path, 'r');
    let offset = 0;
    let count = 0;
    const lengths: number[] = [];
    const problems: string[] = []; // collected, not expect()ed per chunk: there are ~4000 chunks
    try {
      for await (const chunk of chunkFile(handle, PARAMS, STANDARD_GEAR)) {
        if (count > 0 && lengths[count - 1] < PARAMS.min) problems.push(`chunk before ${offset} is < min`);
        if (chunk.length === 0 || chunk.length > PARAMS.max) problems.push(`chunk at ${offset} has ${chunk.length} bytes`);
        if (offset + chunk.length > FILE_SIZE) {
          problems.push(`chunks run past the end of the file (offsets wrapped?)`);
          break;
        }
        if (!chunk.equals(contentAt(offset, expectedPiece.subarray(0, chunk.length)))) problems.push(`chunk at ${offset} has wrong bytes`);
        lengths.push(chunk.length);
        offset += chunk.length;
        count++;
      }
    } finally {
      await handle.close();
    }
    expect(problems.slice(0, 10)).toEqual([]);
    expect(offset).toBe(FILE_SIZE);
    // Every chunk, including those holding the marker across and past 4 GiB, was compared above.
    expect(count).toBeGreaterThan(FILE_SIZE / PARAMS.max);

    // The same content pushed from memory in other piece sizes gives the same boundaries.
    const replay = new StreamChunker(PARAMS, STANDARD_GEAR);
    const piece = Buffer.alloc(REPLAY_PIECE);
    const replayed: number[] = [];
    for (let pos = 0; pos < FILE_SIZE; pos += REPLAY_PIECE) {
      const part = contentAt(pos, piece.subarray(0, Math.min(REPLAY_PIECE, FILE_SIZE - pos)));
      for (const c of replay.push(part)) replayed.push(c.length);
    }
    for (const c of replay.finish()) replayed.push(c.length);
    expect(replayed).toEqual(lengths);

    // The JavaScript reference (53-bit offsets, no WebAssembly) agrees: cut() looks at most max bytes
    // past a chunk start, so each cut is computed on a window of the file's content at that offset.
    const reference = new FastCDC2020(PARAMS, STANDARD_GEAR);
    const window = Buffer.alloc(PARAMS.max);
    const referenceLengths: number[] = [];
    for (let pos = 0; pos < FILE_SIZE; ) {
      const bytes = contentAt(pos, window.subarray(0, Math.min(PARAMS.max, FILE_SIZE - pos)));
      const length = reference.cut(bytes, 0, bytes.length);
      referenceLengths.push(length);
      pos += length;
    }
    expect(referenceLengths).toEqual(lengths);
  });
});
