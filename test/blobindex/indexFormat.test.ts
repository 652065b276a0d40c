// Golden bytes for index files (format v1), and the LMDB cache kept in step with them.

import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { encodeIndex, decodeIndex, type IndexPack } from '../../src/blobindex/indexFormat.js';
import { IndexCache } from '../../src/blobindex/indexCache.js';
import type { BlobId } from '../../src/ids.js';

const id = (fill: number) => Buffer.alloc(32, fill) as BlobId;
const pack = (fill: number, blobs: number[]): IndexPack => ({
  packId: Buffer.alloc(32, fill).toString('hex'),
  entries: blobs.map((b, i) => ({ id: id(b), type: 0, codec: 1, offset: 32 + i * 100, storedLength: 100, rawLength: 200 + i })),
});

describe('index file format v1', () => {
  it('encodes to pinned bytes and back', () => {
    const bytes = encodeIndex([pack(0x11, [0x21])]);
    expect(bytes.toString('hex')).toBe(
      '01' + '01000000' + '11'.repeat(32) + '01000000' + '21'.repeat(32) + '00' + '01' + '20000000' + '64000000' + 'c8000000',
    );
    const back = decodeIndex(bytes, 'x');
    expect(back[0]!.packId).toBe('11'.repeat(32));
    expect(back[0]!.entries[0]).toMatchObject({ offset: 32, storedLength: 100, rawLength: 200, type: 0, codec: 1 });
  });

  it('rejects truncated and trailing bytes', () => {
    const bytes = encodeIndex([pack(1, [2, 3])]);
    expect(() => decodeIndex(bytes.subarray(0, bytes.length - 3), 'x')).toThrow(/truncated/);
    expect(() => decodeIndex(Buffer.concat([bytes, Buffer.from([0])]), 'x')).toThrow(/trailing/);
  });
});

describe('the LMDB index cache', () => {
  it('applies new index files and drops vanished ones, keeping entries a newer file re-pointed', async () => {
    const cache = IndexCache.open(mkdtempSync(path.join(os.tmpdir(), 'snap-cache-')));
    const files: Record<string, IndexPack[]> = {
      a: [pack(0xa0, [1, 2, 3])],
      b: [pack(0xb0, [4])],
    };
    const load = async (n: string) => files[n]!;
    expect(await cache.sync(['a', 'b'], load)).toEqual({ applied: 2, dropped: 0 });
    expect(cache.lookup(id(2))?.packId).toBe('a0'.repeat(32));
    expect(cache.count()).toBe(4);
    // Prune-like rewrite: blob 2 moved to a new pack in file c, blobs 1 and 3 removed, file a gone.
    files.c = [pack(0xc0, [2])];
    expect(await cache.sync(['b', 'c'], load)).toEqual({ applied: 1, dropped: 1 });
    expect(cache.lookup(id(1))).toBeUndefined();
    expect(cache.lookup(id(3))).toBeUndefined();
    expect(cache.lookup(id(2))?.packId).toBe('c0'.repeat(32));
    expect(cache.lookup(id(4))?.packId).toBe('b0'.repeat(32));
    // Nothing changed: nothing applied, nothing dropped.
    expect(await cache.sync(['b', 'c'], load)).toEqual({ applied: 0, dropped: 0 });
    await cache.close();
  });
});
