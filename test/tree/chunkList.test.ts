import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { IntegrityError } from '../../src/errors.js';
import { asBlobId, type BlobId } from '../../src/ids.js';
import {
  CHUNK_LIST_MAX_IDS, chunkRefs, decodeChunkListBlob, encodeChunkListBlob, INLINE_CHUNK_LIMIT, isNaturalCut, readChunkIds, splitChunkList,
} from '../../src/tree/index.js';

const randomIds = (n: number): BlobId[] => {
  const all = randomBytes(32 * n);
  return Array.from({ length: n }, (_, i) => asBlobId(all.subarray(i * 32, i * 32 + 32)));
};
const hexParts = (parts: BlobId[][]) => parts.map((p) => createHash('sha256').update(encodeChunkListBlob(p)).digest('hex'));
const newParts = (before: BlobId[][], after: BlobId[][]) => {
  const old = new Set(hexParts(before));
  return hexParts(after).filter((h) => !old.has(h)).length;
};

describe('chunk lists', () => {
  const ids = randomIds(200_000); // a 12.5 GB file at 64 KiB chunks
  const parts = splitChunkList(ids);

  test('parts average ~1024 ids, never more than the max, and concatenate back to the list', () => {
    expect(Buffer.concat(parts.flat()).equals(Buffer.concat(ids))).toBe(true);
    expect(Math.max(...parts.map((p) => p.length))).toBeLessThanOrEqual(CHUNK_LIST_MAX_IDS);
    const mean = ids.length / parts.length;
    expect(mean).toBeGreaterThan(800);
    expect(mean).toBeLessThan(1300);
  });

  // A forced cut (a part of CHUNK_LIST_MAX_IDS ids with no natural cut) moves when an id is added or
  // removed before it, up to the next natural cut; so an edit just before a run of forced parts may
  // change each of them. The bound is 2 parts plus those forced parts, and 1-2 when there are none
  // (most edits). Editing a part's natural last id joins it to the next part, so the run after counts.
  const forcedRun = (k: number): number => {
    let run = 0;
    while (k + run < parts.length - 1 && !isNaturalCut(parts[k + run].at(-1)!)) run++;
    return run;
  };
  const forcedAfter = (at: number): number => {
    let k = 0;
    let end = parts[0].length;
    while (end <= at) end += parts[++k].length;
    return at === end - 1 && isNaturalCut(parts[k].at(-1)!) ? forcedRun(k + 1) : forcedRun(k);
  };

  test('inserting, removing or replacing one id changes only 1-2 parts, plus any forced parts after it', () => {
    let tight = 0;
    for (let trial = 0; trial < 20; trial++) {
      const at = Math.floor(Math.random() * ids.length);
      const [extra] = randomIds(1);
      const inserted = [...ids.slice(0, at), extra, ...ids.slice(at)];
      const removed = [...ids.slice(0, at), ...ids.slice(at + 1)];
      const replaced = [...ids.slice(0, at), extra, ...ids.slice(at + 1)];
      const forced = forcedAfter(at);
      if (forced === 0) tight++;
      for (const edited of [inserted, removed, replaced]) {
        const n = newParts(parts, splitChunkList(edited));
        expect(n).toBeGreaterThanOrEqual(1);
        expect(n).toBeLessThanOrEqual(2 + forced);
      }
    }
    expect(tight).toBeGreaterThan(0);
  });

  test('list blobs round-trip; bad lengths are IntegrityError', () => {
    const blob = encodeChunkListBlob(parts[0]);
    expect(blob.length).toBe(parts[0].length * 32);
    expect(decodeChunkListBlob(blob)).toEqual(parts[0]);
    expect(() => decodeChunkListBlob(blob.subarray(1))).toThrow(IntegrityError);
    expect(() => decodeChunkListBlob(Buffer.alloc(0))).toThrow(IntegrityError);
  });

  test('chunkRefs inlines up to INLINE_CHUNK_LIMIT ids, else stores list blobs; readChunkIds gives the ids back', async () => {
    const blobs = new Map<string, Buffer>();
    let n = 0;
    const store = (b: Buffer): BlobId => {
      const id = asBlobId(Buffer.alloc(32, ++n));
      blobs.set(id.toString('hex'), b);
      return id;
    };
    const load = async (id: BlobId) => blobs.get(id.toString('hex'))!;
    const read = async (e: Awaited<ReturnType<typeof chunkRefs>>) => {
      const out: BlobId[] = [];
      for await (const batch of readChunkIds(e, load)) out.push(...batch);
      return out;
    };
    expect(await chunkRefs([], store)).toEqual({});
    const small = ids.slice(0, INLINE_CHUNK_LIMIT);
    expect(await chunkRefs(small, store)).toEqual({ chunks: small });
    const big = await chunkRefs(ids.slice(0, 20_000), store);
    expect(big.chunks).toBeUndefined();
    expect(big.chunkList!.length).toBe(splitChunkList(ids.slice(0, 20_000)).length);
    expect(Buffer.concat(await read(big)).equals(Buffer.concat(ids.slice(0, 20_000)))).toBe(true);
    expect(await read({ chunks: small })).toEqual(small);
  });
});
