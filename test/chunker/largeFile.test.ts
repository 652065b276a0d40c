// chunkFile on a sparse file larger than 4 GiB: no 32-bit offsets anywhere. The file is mostly a
// hole (zeros chunk at max size), with marker regions near the start, across the 4 GiB boundary and
// at the end. It takes ~10 s: the chunker must still scan every zero byte.

import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CHUNKER_PARAMS, STANDARD_GEAR, chunkFile } from '../../src/chunker/index.js';
import { mixedInput } from './fixtures.js';

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;
const FILE_SIZE = 4 * GiB + 5 * MiB + 4321;

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

  it('covers every byte, keeps chunks within bounds, and reads the right bytes past 4 GiB', async () => {
    const { min, max } = DEFAULT_CHUNKER_PARAMS;
    const zeros = Buffer.alloc(max);
    const handle = await open(path, 'r');
    let offset = 0;
    let count = 0;
    let last = 0;
    const markerBytesSeen = MARKERS.map(() => 0);
    try {
      for await (const chunk of chunkFile(handle, DEFAULT_CHUNKER_PARAMS, STANDARD_GEAR)) {
        if (count > 0) expect(last).toBeGreaterThanOrEqual(min); // the previous one was not the last
        expect(chunk.length).toBeGreaterThan(0);
        expect(chunk.length).toBeLessThanOrEqual(max);
        // Compare the chunk with what the file holds there: marker bytes where they overlap, else zeros.
        let checked = 0;
        MARKERS.forEach((marker, i) => {
          const from = Math.max(offset, marker.offset);
          const to = Math.min(offset + chunk.length, marker.offset + marker.bytes.length);
          if (from >= to) return;
          const actual = chunk.subarray(from - offset, to - offset);
          expect(actual.equals(marker.bytes.subarray(from - marker.offset, to - marker.offset))).toBe(true);
          markerBytesSeen[i] += to - from;
          checked += to - from;
        });
        if (checked === 0) expect(chunk.equals(zeros.subarray(0, chunk.length))).toBe(true);
        offset += chunk.length;
        last = chunk.length;
        count++;
      }
    } finally {
      await handle.close();
    }
    expect(offset).toBe(FILE_SIZE);
    expect(markerBytesSeen).toEqual(MARKERS.map((m) => m.bytes.length));
    // Mostly zeros, so mostly max-size chunks.
    expect(count).toBeGreaterThan(FILE_SIZE / max);
    expect(count).toBeLessThan(FILE_SIZE / max + 100);
  });
});
