import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { IntegrityError, UnsupportedFormatError } from '../../src/errors.js';
import { asBlobId } from '../../src/ids.js';
import { decodeEntry, encodeEntry, EntryType, Tag, type TreeEntry } from '../../src/tree/index.js';
import { deviceEntry, fileEntry, GOLDEN, xattrEntry } from './fixtures.js';

describe('entry golden bytes', () => {
  test.each(GOLDEN)('%s', (_what, entry, hex) => {
    expect(encodeEntry(entry).toString('hex')).toBe(hex);
    expect(decodeEntry(Buffer.from(hex, 'hex'))).toEqual(entry);
  });
});

// ---- property tests ----

const u64 = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n });
const i64 = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const id = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((a) => asBlobId(Buffer.from(a)));
const bytes = (min: number, max: number) => fc.uint8Array({ minLength: min, maxLength: max }).map((a) => Buffer.from(a));
const name = bytes(1, 40)
  .map((b) => b.map((x) => (x === 0 || x === 0x2f ? 0x61 : x)))
  .filter((b) => !b.equals(Buffer.from('.')) && !b.equals(Buffer.from('..')));
const xattrs = fc
  .uniqueArray(fc.record({ name: bytes(1, 20).map((b) => b.map((x) => x || 1)), value: bytes(0, 40) }), {
    minLength: 1, maxLength: 5, selector: (x) => x.name.toString('hex'),
  })
  .map((xs) => xs.map(({ name, value }) => ({ name, value })).sort((a, b) => Buffer.compare(a.name, b.name)));
const content = fc.oneof(
  fc.constant({}),
  fc.record({ chunks: fc.array(id, { minLength: 1, maxLength: 6 }) }),
  fc.record({ chunkList: fc.array(id, { minLength: 1, maxLength: 3 }) }),
);
const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });

const entryArb: fc.Arbitrary<TreeEntry> = fc
  .record({
    name, type: fc.integer({ min: 1, max: 7 }) as fc.Arbitrary<EntryType>, mode: u32, uid: u32, gid: u32,
    user: opt(fc.string({ unit: 'grapheme', maxLength: 12 })), group: opt(fc.string({ unit: 'binary', maxLength: 12 })),
    size: u64, mtimeNs: i64, ctimeNs: i64, dev: u64, inode: u64, nlink: u64, rdev: opt(u64), linkTarget: opt(bytes(0, 60)),
    xattrs: opt(xattrs), subtree: opt(id), content,
  })
  .map(({ content: c, ...e }) => ({ ...e, ...c }) as TreeEntry)
  // the decoder reports every field; absent ones as undefined
  .map((e) => ({ user: undefined, group: undefined, rdev: undefined, linkTarget: undefined, xattrs: undefined, chunks: undefined, chunkList: undefined, subtree: undefined, ...e }));

/** Splits encoded bytes into [tag, whole field bytes]. */
function fields(buf: Buffer): Array<[number, Buffer]> {
  const out: Array<[number, Buffer]> = [];
  let p = 0;
  while (p < buf.length) {
    const start = p++;
    let len = 0;
    for (let shift = 0; ; shift += 7) {
      const b = buf[p++];
      len += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) break;
    }
    p += len;
    out.push([buf[start], buf.subarray(start, p)]);
  }
  return out;
}

describe('entry codec properties', () => {
  test('round trip: decode(encode(e)) equals e, and encode(decode(x)) is x', () => {
    fc.assert(
      fc.property(entryArb, (e) => {
        const bytes = encodeEntry(e);
        const back = decodeEntry(bytes);
        expect(back).toStrictEqual(e);
        expect(encodeEntry(back).equals(bytes)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  test('an unknown tag in the middle is skipped', () => {
    fc.assert(
      fc.property(entryArb, fc.integer({ min: 20, max: 255 }), bytes(0, 300), (e, tag, value) => {
        const fs = fields(encodeEntry(e));
        // insert the unknown field after the last field whose tag is below it: tags stay increasing
        const at = fs.findIndex(([t]) => t > tag);
        const extra = Buffer.concat([Buffer.from([tag]), leb(value.length), value]);
        const parts = fs.map(([, b]) => b);
        parts.splice(at < 0 ? parts.length : at, 0, extra);
        expect(decodeEntry(Buffer.concat(parts))).toStrictEqual(e);
      }),
    );
    // and one truly in the middle: tag 14.5 does not exist, so use a tag between two known ones by
    // making the known later fields absent: name..nlink, then tag 200, nothing after.
    const e = { ...deviceEntry, rdev: undefined };
    const withUnknown = Buffer.concat([encodeEntry(e), Buffer.from([200, 2, 9, 9])]);
    expect(decodeEntry(withUnknown)).toEqual(e);
  });

  test('out-of-order or repeated tags are rejected', () => {
    fc.assert(
      fc.property(entryArb, fc.nat(), fc.nat(), (e, a, b) => {
        const fs = fields(encodeEntry(e)).map(([, f]) => f);
        const i = a % fs.length;
        const j = b % fs.length;
        if (i === j) fs.splice(i, 0, fs[i]); // repeat a field
        else [fs[i], fs[j]] = [fs[j], fs[i]]; // swap two
        expect(() => decodeEntry(Buffer.concat(fs))).toThrow(IntegrityError);
      }),
    );
  });

  test('malformed entries are IntegrityError, unknown types UnsupportedFormatError', () => {
    const good = encodeEntry(fileEntry);
    const fs = fields(good);
    const without = (tag: number) => Buffer.concat(fs.filter(([t]) => t !== tag).map(([, b]) => b));
    expect(() => decodeEntry(without(Tag.Inode))).toThrow(/required/);
    expect(() => decodeEntry(good.subarray(0, good.length - 1))).toThrow(IntegrityError);
    expect(() => decodeEntry(Buffer.concat([Buffer.from([0, 0]), good]))).toThrow(IntegrityError); // tag 0
    const badType = Buffer.from(good);
    badType[good.indexOf(Buffer.from([2, 1, 1])) + 2] = 99;
    expect(() => decodeEntry(badType)).toThrow(UnsupportedFormatError);
    const slash = encodeEntry({ ...fileEntry, name: Buffer.from('abcde') });
    slash[3] = 0x2f; // "ab/de"
    expect(() => decodeEntry(slash)).toThrow(/invalid entry name/);
    const nonMinimal = Buffer.concat([Buffer.from([1, 0x85, 0x00]), good.subarray(2)]); // length 5 in 2 bytes
    expect(() => decodeEntry(nonMinimal)).toThrow(/non-minimal/);
    expect(() => encodeEntry({ ...fileEntry, name: Buffer.from('..') })).toThrow(RangeError);
    expect(() => encodeEntry({ ...fileEntry, uid: -1 })).toThrow(RangeError);
    expect(() => encodeEntry({ ...fileEntry, chunkList: [fileEntry.chunks![0]] })).toThrow(RangeError);
  });

  test('canonical: xattrs given unsorted and empty lists encode like their canonical form', () => {
    const unsorted = { ...xattrEntry, xattrs: [...xattrEntry.xattrs!].reverse() };
    expect(encodeEntry(unsorted).equals(encodeEntry(xattrEntry))).toBe(true);
    const bare = { ...fileEntry, chunks: undefined };
    expect(encodeEntry({ ...fileEntry, chunks: [], xattrs: [] }).equals(encodeEntry(bare))).toBe(true);
  });
});

const leb = (v: number): Buffer => {
  const out: number[] = [];
  do {
    out.push((v & 0x7f) | (v >= 0x80 ? 0x80 : 0));
    v = Math.floor(v / 128);
  } while (v > 0);
  return Buffer.from(out);
};

test('encode and decode of 1,000,000 entries', () => {
  const e: TreeEntry = { ...fileEntry, chunks: [fileEntry.chunks![0]] };
  const N = 1_000_000;
  const entries = Array.from({ length: N }, (_, i) => ({ ...e, name: Buffer.from(`file-${i}.dat`), inode: BigInt(i) }));
  const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
  let t = performance.now();
  let c = cpu();
  const encoded = entries.map((x) => encodeEntry(x));
  const encodeMs = [performance.now() - t, cpu() - c];
  t = performance.now();
  c = cpu();
  let total = 0;
  for (const b of encoded) total += decodeEntry(b).name.length;
  const decodeMs = [performance.now() - t, cpu() - c];
  const ms = ([wall, cpuMs]: number[]) => `${wall.toFixed(0)} ms (cpu ${cpuMs.toFixed(0)} ms)`;
  console.log(`1M entries (${encoded[0].length} B each): encode ${ms(encodeMs)}, decode ${ms(decodeMs)}`);
  expect(total).toBeGreaterThan(N);
}, 300_000);
