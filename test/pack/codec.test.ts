// Codec choice: random-looking small blobs skip zstd (stored raw), everything else is compressed
// when that makes it smaller, and every codec decodes to the exact bytes.
import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { boundedZstdFrame, Codec, decodeBlob, encodeBlob, looksRandom, MAX_BLOB_RAW_BYTES } from '../../src/pack/codec.js';

const ZSTD = { codec: 'zstd', level: 3 } as const;
const text = (n: number) => Buffer.from('{"id": 42, "text": "a sentence of words, some repeated, some not", "url": "https://example.org/x"}\n'.repeat(Math.ceil(n / 100))).subarray(0, n);

describe('the randomness check', () => {
  it('says random for random bytes at every size it looks at, and not for text, base64, zeros or floats', () => {
    for (const n of [1024, 1500, 4096, 8192, 65536]) expect(looksRandom(randomBytes(n)), `random ${n}`).toBe(true);
    expect(looksRandom(text(8192))).toBe(false);
    expect(looksRandom(Buffer.from(randomBytes(6144).toString('base64')))).toBe(false);
    expect(looksRandom(Buffer.alloc(8192))).toBe(false);
    const floats = Buffer.from(Float32Array.from({ length: 4096 }, (_, i) => Math.sin(i) * 0.02).buffer);
    expect(looksRandom(floats)).toBe(false);
    expect(looksRandom(randomBytes(1000))).toBe(false); // too small to tell
  });

  it('random small blobs are stored raw without trying zstd; text is compressed; both decode exactly', async () => {
    const rnd = randomBytes(8192);
    const r = await encodeBlob(rnd, ZSTD);
    expect(r.codec).toBe(Codec.Raw);
    expect(r.bytes.equals(rnd)).toBe(true);
    const t = text(8192);
    const c = await encodeBlob(t, ZSTD);
    expect(c.codec).toBe(Codec.Zstd);
    expect(c.bytes.length).toBeLessThan(t.length / 4);
    expect((await decodeBlob(c.codec, c.bytes, t.length)).equals(t)).toBe(true);
  });

  it('a large high-entropy blob with repeats inside is still compressed (the check is for small blobs only)', async () => {
    const block = Buffer.concat(Array.from({ length: 32 }, (_, i) => createHash('sha256').update(String(i)).digest())); // 1 KiB
    const repeated = Buffer.concat(Array.from({ length: 128 }, () => block)); // 128 KiB of one random KiB
    const e = await encodeBlob(repeated, ZSTD);
    expect(e.codec).toBe(Codec.Zstd);
    expect(e.bytes.length).toBeLessThan(4096);
  });
});

describe('decoding is bounded by the recorded raw length (issue 15, item 4)', () => {
  /** A zstd frame (no content size) of RLE blocks that says `total` bytes. */
  const rleBomb = (total: number) => {
    const n = Math.ceil(total / 131072);
    const out = Buffer.alloc(6 + n * 4);
    out.writeUInt32LE(0xfd2fb528, 0);
    out[5] = 0x50;
    for (let i = 0; i < n; i++) {
      out.writeUIntLE((131072 << 3) | 2 | (i === n - 1 ? 1 : 0), 6 + i * 4, 3);
      out[9 + i * 4] = 0x41;
    }
    return out;
  };

  it('a frame that says 1 GiB where 1000 bytes are recorded fails at once, without the allocation', async () => {
    const before = process.memoryUsage().rss;
    const t0 = Date.now();
    await expect(decodeBlob(Codec.Zstd, rleBomb(2 ** 30), 1000)).rejects.toThrow();
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(process.memoryUsage().rss - before).toBeLessThan(100 * 1024 * 1024);
  });

  it('refuses a declared size other than the recorded one, dictionaries, and recorded lengths beyond the limit', async () => {
    const t = text(5000);
    const { bytes } = await encodeBlob(t, ZSTD);
    await expect(decodeBlob(Codec.Zstd, bytes, t.length - 1)).rejects.toThrow();
    await expect(decodeBlob(Codec.Zstd, bytes, t.length + 1)).rejects.toThrow();
    expect((await decodeBlob(Codec.Zstd, bytes, t.length)).equals(t)).toBe(true);
    const sized = boundedZstdFrame(bytes, t.length);
    expect(() => boundedZstdFrame(sized, t.length + 1)).toThrow(`declares ${t.length} bytes, the index ${t.length + 1}`);
    const dict = Buffer.from(bytes);
    dict[4] |= 0x01;
    expect(() => boundedZstdFrame(dict, t.length)).toThrow(/dictionary/);
    await expect(decodeBlob(Codec.Raw, t, MAX_BLOB_RAW_BYTES + 1)).rejects.toThrow(/beyond the limit/);
    await expect(decodeBlob(Codec.Raw, t, t.length + 1)).rejects.toThrow(`raw blob is ${t.length} bytes`);
  });
});

describe('compression slots', () => {
  it('never run more zstd calls at once than the slots allow, and every blob still decodes', async () => {
    const { Limiter } = await import('../../src/pool.js');
    const limiter = new Limiter(2);
    let active = 0;
    let most = 0;
    const slots = {
      acquire: async () => {
        await limiter.acquire();
        most = Math.max(most, ++active);
      },
      release: () => {
        active--;
        limiter.release();
      },
    };
    const blobs = Array.from({ length: 12 }, (_, i) => text(200_000 + i * 1000));
    const encoded = await Promise.all(blobs.map((b) => encodeBlob(b, ZSTD, slots)));
    expect(most).toBe(2);
    expect(active).toBe(0);
    for (const [i, e] of encoded.entries()) {
      expect(e.codec).toBe(Codec.Zstd);
      expect((await decodeBlob(e.codec, e.bytes, blobs[i]!.length)).equals(blobs[i]!)).toBe(true);
    }
  });
});

describe('two zstd paths, one format', () => {
  it('small blobs (synchronous, sized frames) and large ones (pool) decode exactly, and each path reads the other\'s frames', async () => {
    const { createRequire } = await import('node:module');
    const { SYNC_ZSTD_MAX_BYTES } = await import('../../src/pack/codec.js');
    const pool = createRequire(import.meta.url)('@mongodb-js/zstd/bindings.js') as { compress(b: Buffer, l: number): Promise<Buffer>; decompress(b: Buffer): Promise<Buffer> };
    for (const size of [100, 2048, SYNC_ZSTD_MAX_BYTES, SYNC_ZSTD_MAX_BYTES + 1, 200_000]) {
      const t = Buffer.concat([text(size), Buffer.alloc(size)]).subarray(0, size);
      const n = t.length;
      const e = await encodeBlob(t, ZSTD);
      expect(e.codec, `${n}`).toBe(Codec.Zstd);
      expect((await decodeBlob(e.codec, e.bytes, n)).equals(t), `${n}`).toBe(true);
      // What this build writes, the pool binding reads (what older builds wrote for every size) ...
      expect((await pool.decompress(e.bytes)).equals(t), `pool reads ${n}`).toBe(true);
      // ... and a frame of the pool binding (no content size in its header) decodes on either path.
      const old = await pool.compress(t, 3);
      expect((await decodeBlob(Codec.Zstd, old, n)).equals(t), `reads pool frame ${n}`).toBe(true);
    }
  });
});
