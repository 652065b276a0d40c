// The LMDB index cache on its own (real LMDB in a temp dir): a blob named by several index files
// keeps a location until the last of them is gone, whether the cache was built in bulk (cold, many
// files) or file by file; the epoch changes only when a blob leaves for good.

import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { open } from 'lmdb';
import { BULK_MIN_FILES, IndexCache } from '../../src/blobindex/indexCache.js';
import type { IndexPack } from '../../src/blobindex/indexFormat.js';
import type { BlobId } from '../../src/ids.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'snap-indexcache-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const blob = (n: number) => Buffer.alloc(32, n) as BlobId;
const packOf = (file: number) => String(file % 10).repeat(64);
/** File f names blobs f and f+1 (so every blob but the first is named by two files) in its own pack. */
function files(count: number): Map<string, IndexPack[]> {
  const m = new Map<string, IndexPack[]>();
  for (let f = 1; f <= count; f++) {
    const entries = [f, f + 1].map((b) => ({ id: blob(b), type: 1, codec: 0, offset: f * 100 + b, storedLength: 10, rawLength: 10 }));
    m.set(`file-${String(f).padStart(3, '0')}`, [{ packId: packOf(f), entries: entries as IndexPack['entries'] }]);
  }
  return m;
}

describe.each([
  ['built in bulk', BULK_MIN_FILES + 4],
  ['applied file by file', 6],
])('a cache %s', (_name, count) => {
  it('falls back to the next file naming a blob, and forgets it only with the last', async () => {
    const all = files(count);
    const load = async (n: string) => all.get(n)!;
    const dir = path.join(root, `c-${count}`);
    let cache = await IndexCache.openSynced(dir, [...all.keys()], load);
    const epoch = cache.epoch();
    // Blob 3 is in files 2 and 3; the newest (3) wins.
    expect(cache.lookup(blob(3))!.offset).toBe(303);
    const names = [...all.keys()];
    await cache.sync(names.filter((n) => n !== 'file-003'), load);
    expect(cache.lookup(blob(3))!.offset).toBe(203);
    expect(cache.epoch()).toBe(epoch); // nothing left the cache
    await cache.sync(names.filter((n) => n !== 'file-003' && n !== 'file-002'), load);
    expect(cache.lookup(blob(3))).toBeUndefined();
    expect(cache.lookup(blob(2))!.offset).toBe(102);
    expect(cache.epoch()).not.toBe(epoch);
    await cache.close();
    // Reopened: the same state, and a file coming back is applied again.
    cache = IndexCache.open(dir);
    expect(cache.lookup(blob(3))).toBeUndefined();
    await cache.sync(names, load);
    expect(cache.lookup(blob(3))!.offset).toBeGreaterThan(200);
    // Dropping the older of two files leaves the newer's entry alone.
    await cache.sync(names.filter((n) => n !== 'file-004'), load);
    expect(cache.lookup(blob(4))!.offset).toBe(304);
    expect(cache.lookup(blob(5))!.offset).toBe(505);
    await cache.close();
  });
});

describe('applyFiles', () => {
  it('records every entry of a many-pack file with its own pack, offset and lengths (buffers reused per entry)', async () => {
    const dir = path.join(root, 'apply-many');
    const cache = IndexCache.open(dir);
    const packs: IndexPack[] = [];
    for (let p = 0; p < 7; p++) {
      const entries = Array.from({ length: 300 }, (_, i) => {
        const id = Buffer.alloc(32);
        id.writeUInt32BE(p * 1000 + i, 0);
        id.writeUInt32BE(0x9e3779b9 * (i + 1) >>> 0, 28); // (not in key order within a pack)
        return { id: id as BlobId, type: 1, codec: p % 2, offset: 16 + i * 977, storedLength: 900 + i, rawLength: 1000 + i + p };
      });
      packs.push({ packId: String(p).repeat(64), entries: entries as IndexPack['entries'] });
    }
    cache.applyFiles([{ name: 'many', packs }]);
    for (const p of packs) {
      for (const e of p.entries) {
        const loc = cache.lookup(e.id)!;
        expect(loc).toBeDefined();
        expect([loc.packId, loc.offset, loc.storedLength, loc.rawLength, loc.codec]).toEqual([p.packId, e.offset, e.storedLength, e.rawLength, e.codec]);
      }
    }
    // The file's id list names every entry too: dropping the file removes each one.
    const gone = await cache.sync([], async () => []);
    expect(gone.dropped).toBe(1);
    for (const p of packs) for (const e of p.entries) expect(cache.lookup(e.id)).toBeUndefined();
    await cache.close();
  });
});

describe('layout and pack lists', () => {
  const onePack = (packId: string, ids: number[], offset: number): IndexPack[] => [{
    packId,
    entries: ids.map((b) => ({ id: blob(b), type: 1, codec: 0, offset: offset + b, storedLength: 10, rawLength: 10 })) as IndexPack['entries'],
  }];

  it('a cache of layout 2 is emptied and rebuilt from the index files, its by_seq keys cleared', async () => {
    const dir = path.join(root, 'layout2');
    // What layout 2 left: a 50-byte value (pack id, fields, seq) per blob and a by_seq key per blob.
    const old = open({ path: dir, maxDbs: 8 });
    const oldBlobs = old.openDB<Buffer, Buffer>({ name: 'blobs', keyEncoding: 'binary', encoding: 'binary' });
    const oldBySeq = old.openDB<Buffer, Buffer>({ name: 'by_seq', keyEncoding: 'binary', encoding: 'binary' });
    const oldFiles = old.openDB<number, string>({ name: 'files', keyEncoding: 'ordered-binary', encoding: 'msgpack' });
    await old.transaction(() => {
      oldBlobs.put(blob(1), Buffer.alloc(50, 7));
      oldBySeq.put(Buffer.concat([Buffer.from([0, 0, 0, 1]), blob(1)]), Buffer.alloc(0));
      oldFiles.put('file-old', 1);
      old.put('layout', 2);
    });
    await old.close();
    const cache = await IndexCache.openSynced(dir, ['file-new'], async () => onePack('a'.repeat(64), [1, 2], 500));
    expect(cache.appliedFiles()).toEqual(new Set(['file-new']));
    expect(cache.lookup(blob(1))).toMatchObject({ packId: 'a'.repeat(64), offset: 501 });
    expect(cache.count()).toBe(2);
    await cache.close();
    const after = open({ path: dir, maxDbs: 8, readOnly: true });
    expect(after.openDB({ name: 'by_seq', keyEncoding: 'binary', encoding: 'binary' }).getCount()).toBe(0);
    expect(after.get('layout')).toBe(3);
    await after.close();
  });

  it("two handles on one cache see each other's files with the right packs; clear never reuses a seq", async () => {
    const dir = path.join(root, 'two-handles');
    const a = IndexCache.open(dir);
    const b = IndexCache.open(dir);
    // (b reads in a snapshot that lmdb-js renews at the next turn of the event loop, as another process would.)
    const turn = () => new Promise((r) => setTimeout(r, 0));
    a.applyFiles([{ name: 'f1', packs: [...onePack('1'.repeat(64), [1], 100), ...onePack('2'.repeat(64), [2], 200)] }]);
    await turn();
    expect(b.lookup(blob(2))).toMatchObject({ packId: '2'.repeat(64), offset: 202 });
    // b remembers f1's pack list; a clears and applies another file, whose packs b must see, not f1's.
    a.clear();
    a.applyFiles([{ name: 'f2', packs: [...onePack('3'.repeat(64), [3], 300), ...onePack('4'.repeat(64), [2], 400)] }]);
    await turn();
    expect(b.lookup(blob(2))).toMatchObject({ packId: '4'.repeat(64), offset: 402 });
    expect(b.lookup(blob(1))).toBeUndefined();
    expect([...b.entries()].map((e) => [e.id[0], e.loc.packId[0], e.loc.offset])).toEqual([[2, '4', 402], [3, '3', 303]]);
    await a.close();
    await b.close();
  });
});
