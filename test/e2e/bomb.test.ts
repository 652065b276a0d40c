// Decompression bomb (issue 15, item 4): a small repository whose blob decompresses to far more than
// the index records. Restore must fail that file quickly and with low memory: decoding never
// allocates more than the recorded raw length. The blob is a zstd frame of 8192 RLE blocks (32 KiB)
// that says 1 GiB; the crafted pack and index replace the real chunk's location.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { IdHasher, objectName } from '../../src/crypto/index.js';
import { decodeIndex, encodeIndex } from '../../src/blobindex/indexFormat.js';
import { Codec } from '../../src/pack/codec.js';
import { encodePackHeader, packObjectName } from '../../src/pack/packFormat.js';
import { BlobType, asBlobId } from '../../src/ids.js';
import { BIN, Sandbox } from './helpers.js';

const RLE_BLOCK = 128 * 1024;

/** One zstd frame (no content size, window 1 MiB) of RLE blocks: `total` bytes of 'A' from 4 bytes per 128 KiB. */
function zstdBomb(total: number): Buffer {
  const n = Math.ceil(total / RLE_BLOCK);
  const out = Buffer.alloc(6 + n * 4);
  out.writeUInt32LE(0xfd2fb528, 0);
  out[4] = 0x00; // no content size, not single-segment, no checksum, no dictionary
  out[5] = 0x50; // window 2^20
  for (let i = 0; i < n; i++) {
    const header = (RLE_BLOCK << 3) | (1 << 1) | (i === n - 1 ? 1 : 0); // size, type RLE, last
    out.writeUIntLE(header, 6 + i * 4, 3);
    out[6 + i * 4 + 3] = 0x41;
  }
  return out;
}

describe('decompression bomb', () => {
  const sb = new Sandbox('pw');
  const content = Buffer.from('a line of text that compresses well\n'.repeat(1700)); // ~60 KB: one chunk
  let src: string;
  beforeAll(() => {
    sb.init(['--encryption', 'none']);
    src = sb.path('src');
    mkdirSync(src);
    writeFileSync(path.join(src, 'big.txt'), content);
    sb.ok(['create', src]);
    // The attacker: a pack holding the bomb under the chunk's id, and one index file pointing there.
    const id = new IdHasher(undefined).hash(content);
    const bomb = zstdBomb(2 ** 30);
    const header = encodePackHeader([{ id: asBlobId(id), type: BlobType.Data, codec: Codec.Zstd, offset: 0, storedLength: bomb.length, rawLength: content.length }]);
    const len = Buffer.alloc(4);
    len.writeUInt32LE(header.length);
    const pack = Buffer.concat([bomb, header, len]);
    const packId = objectName(pack);
    mkdirSync(path.dirname(path.join(sb.repo, packObjectName(packId))), { recursive: true });
    writeFileSync(path.join(sb.repo, packObjectName(packId)), pack);
    const indexDir = path.join(sb.repo, 'index');
    const packs = readdirSync(indexDir).flatMap((n) => decodeIndex(readFileSync(path.join(indexDir, n)), n));
    let replaced = 0;
    for (const p of packs) {
      const before = p.entries.length;
      p.entries = p.entries.filter((e) => !e.id.equals(id));
      replaced += before - p.entries.length;
    }
    expect(replaced).toBe(1);
    packs.push({ packId, entries: [{ id: asBlobId(id), type: BlobType.Data, codec: Codec.Zstd, offset: 0, storedLength: bomb.length, rawLength: content.length }] });
    for (const n of readdirSync(indexDir)) rmSync(path.join(indexDir, n));
    const index = encodeIndex(packs);
    writeFileSync(path.join(indexDir, objectName(index)), index);
  });
  afterAll(() => sb.cleanup());

  it('restore fails that file at once, naming its pack, with peak RSS far below the 1 GiB the blob says', () => {
    const target = sb.path('target');
    const t0 = Date.now();
    // /usr/bin/time -f %M: the child's peak resident set in KiB, on the last line of stderr.
    const r = spawnSync('/usr/bin/time', ['-f', 'peak_rss_kib=%M', process.execPath, BIN, 'restore', 'latest', target], {
      env: sb.baseEnv(), // the cache applies the new index file and drops the removed ones
      encoding: 'utf8',
    });
    const seconds = (Date.now() - t0) / 1000;
    const rssMiB = Number(/peak_rss_kib=(\d+)/.exec(r.stderr)![1]) / 1024;
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/does not decompress \(damaged\)/);
    expect(rssMiB).toBeLessThan(300);
    expect(seconds).toBeLessThan(10);
    console.log(`bomb restore: ${seconds.toFixed(2)} s, peak RSS ${rssMiB.toFixed(0)} MiB`);
    const restored = path.join(target, src, 'big.txt');
    if (existsSync(restored)) expect(readFileSync(restored).equals(content)).toBe(false);
  });
});
