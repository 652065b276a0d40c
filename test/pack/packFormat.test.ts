// Golden bytes for the pack header (format v1) and a pack written and read back through a backend.

import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { encodePackHeader, decodePackHeader, HEADER_ENTRY_BYTES } from '../../src/pack/packFormat.js';
import { PackWriter } from '../../src/pack/packWriter.js';
import { readPackHeader, readBlobAt } from '../../src/pack/packReader.js';
import { Codec, encodeBlob } from '../../src/pack/codec.js';
import { LocalBackend } from '../../src/backend/local.js';
import { Crypt } from '../../src/crypto/index.js';
import { generateKeyMaterial, IdHasher } from '../../src/crypto/index.js';
import { BlobType, type BlobId } from '../../src/ids.js';

const id = (fill: number) => Buffer.alloc(32, fill) as BlobId;

describe('pack header format v1', () => {
  it('encodes to pinned bytes', () => {
    const header = encodePackHeader([
      { id: id(0xaa), type: BlobType.Data, codec: Codec.Zstd, offset: 32, storedLength: 0x0102, rawLength: 0x030405 },
      { id: id(0xbb), type: BlobType.Tree, codec: Codec.Raw, offset: 32 + 0x0102, storedLength: 7, rawLength: 7 },
    ]);
    expect(header.toString('hex')).toBe(
      '01' + '02000000' +
        '00' + '01' + '02010000' + '05040300' + 'aa'.repeat(32) +
        '01' + '00' + '07000000' + '07000000' + 'bb'.repeat(32),
    );
    expect(header.length).toBe(5 + 2 * HEADER_ENTRY_BYTES);
    const back = decodePackHeader(header, 32, 'p');
    expect(back.map((e) => [e.offset, e.storedLength, e.rawLength, e.type, e.codec])).toEqual([
      [32, 0x0102, 0x030405, 0, 1],
      [32 + 0x0102, 7, 7, 1, 0],
    ]);
  });

  it('rejects a header whose length does not match its count, and unknown versions', () => {
    const header = encodePackHeader([{ id: id(1), type: 0, codec: 0, offset: 0, storedLength: 1, rawLength: 1 }]);
    expect(() => decodePackHeader(header.subarray(0, header.length - 1), 0, 'p')).toThrow(/header length/);
    const v2 = Buffer.from(header);
    v2[0] = 2;
    expect(() => decodePackHeader(v2, 0, 'p')).toThrow(/unknown pack format version 2/);
  });
});

describe.each([['encrypted', true], ['unencrypted', false]])('a pack written and read back (%s)', (_n, encrypted) => {
  it('holds every blob at the offset its header says, and nothing else', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'snap-pack-'));
    const backend = new LocalBackend(dir);
    const crypt = new Crypt(encrypted ? generateKeyMaterial() : undefined);
    const w = new PackWriter(backend, crypt);
    const blobs = [Buffer.from('alpha '.repeat(1000)), Buffer.from('beta'), Buffer.alloc(0), Buffer.from(Array.from({ length: 5000 }, (_, i) => i & 0xff))];
    const hasher = new IdHasher(crypt.keys?.idKey);
    const ids = blobs.map((b) => hasher.hash(b) as BlobId);
    for (let i = 0; i < blobs.length; i++) {
      const { codec, bytes } = await encodeBlob(blobs[i]!, { codec: 'zstd', level: 3 });
      await w.add(ids[i]!, BlobType.Data, codec, bytes, blobs[i]!.length);
    }
    const done = await w.finish();
    const files = readdirSync(path.join(dir, 'data', done.packId.slice(0, 2)));
    expect(files).toEqual([done.packId]);
    const raw = readFileSync(path.join(dir, 'data', done.packId.slice(0, 2), done.packId));
    expect(raw.length).toBe(done.size);
    if (!encrypted) expect(raw.includes(Buffer.from('beta'))).toBe(true);
    else expect(raw.includes(Buffer.from('alpha alpha'))).toBe(false);
    const { entries } = await readPackHeader(backend, crypt, done.packId);
    const order = entries.map((e) => ids.findIndex((x) => x.equals(e.id)));
    expect([...order].sort()).toEqual([0, 1, 2, 3]);
    for (const [k, e] of entries.entries()) {
      const plain = await readBlobAt(backend, crypt, hasher, e.id, { packId: done.packId, ...e });
      expect(plain.equals(blobs[order[k]!]!)).toBe(true);
    }
    await backend.close();
  });

  it('keeps every blob intact when many adds run at once, across batch boundaries and direct writes', async () => {
    // Adds are not awaited one by one (as the saver's concurrent compressions call them): a batch
    // that fills while another add is between its offset and its copy must not swap their bytes.
    const dir = mkdtempSync(path.join(os.tmpdir(), 'snap-pack-'));
    const backend = new LocalBackend(dir);
    const crypt = new Crypt(encrypted ? generateKeyMaterial() : undefined);
    const w = new PackWriter(backend, crypt);
    const hasher = new IdHasher(crypt.keys?.idKey);
    let seed = 1;
    const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8;
    // Sizes from a few bytes to past a quarter of the 1 MiB batch (written directly), incompressible.
    const blobs = Array.from({ length: 400 }, (_, i) => {
      const n = i % 150 === 7 ? 300_000 + (rand() % 100_000) : rand() % 20_000;
      return Buffer.from(Array.from({ length: n }, () => rand() & 0xff));
    });
    const ids = blobs.map((b) => hasher.hash(b) as BlobId);
    await Promise.all(blobs.map((b, i) => w.add(ids[i]!, BlobType.Data, Codec.Raw, b, b.length)));
    const done = await w.finish();
    const { entries } = await readPackHeader(backend, crypt, done.packId);
    expect(entries.length).toBe(blobs.length);
    for (const e of entries) {
      const k = ids.findIndex((x) => x.equals(e.id));
      const plain = await readBlobAt(backend, crypt, hasher, e.id, { packId: done.packId, ...e });
      expect(plain.equals(blobs[k]!)).toBe(true);
    }
    await backend.close();
  });
});
