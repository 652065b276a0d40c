import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { IntegrityError, UnsupportedFormatError } from '../../src/errors.js';
import { asBlobId, type BlobId } from '../../src/ids.js';
import {
  buildTree, decodeTreeNode, encodeEntry, encodeIndirect, encodeLeaf, NodeKind, readTree, sortEntries, splitEntries,
  TREE_INLINE_LIMIT, TREE_PART_MAX, TREE_PART_MIN, TreeWriter, type TreeEntry,
} from '../../src/tree/index.js';
import { dirEntry, fileEntry, fill, GOLDEN, symlinkEntry } from './fixtures.js';

/** An in-memory blob store: ids are SHA-256 of the bytes (any 32-byte hash does for these tests). */
function memoryStore() {
  const blobs = new Map<string, Buffer>();
  return {
    blobs,
    store: (bytes: Buffer): BlobId => {
      const id = asBlobId(createHash('sha256').update(bytes).digest());
      blobs.set(id.toString('hex'), Buffer.from(bytes));
      return id;
    },
    load: async (id: BlobId): Promise<Buffer> => {
      const b = blobs.get(id.toString('hex'));
      if (!b) throw new Error(`missing blob ${id.toString('hex')}`);
      return b;
    },
  };
}

async function collect(root: Buffer, load: (id: BlobId) => Promise<Buffer>): Promise<TreeEntry[]> {
  const out: TreeEntry[] = [];
  for await (const e of readTree(root, load)) out.push(e);
  return out;
}

const noStore = (): BlobId => {
  throw new Error('a small tree stores nothing');
};

describe('tree nodes', () => {
  test('golden: a small leaf', async () => {
    const hex = (i: number) => GOLDEN[i][2];
    // file (168 bytes), dir (120), symlink (93): given out of order, stored sorted by name bytes
    const root = await buildTree([symlinkEntry, dirEntry, fileEntry], noStore);
    expect(root.toString('hex')).toBe('0100' + 'a801' + hex(0) + '78' + hex(1) + '5d' + hex(2));
    expect(await collect(root, async () => Buffer.alloc(0))).toEqual([fileEntry, dirEntry, symlinkEntry]);
  });

  test('golden: an indirect node, and an empty directory', async () => {
    expect(encodeIndirect([fill(1), fill(2)]).toString('hex')).toBe('010102' + '01'.repeat(32) + '02'.repeat(32));
    const empty = await buildTree([], noStore);
    expect(empty.toString('hex')).toBe('0100');
    expect(await collect(empty, async () => Buffer.alloc(0))).toEqual([]);
  });

  test('entries sort by raw name bytes, not JS string order', async () => {
    // U+1F600 is F0 9F 98 80 in UTF-8 but a surrogate pair (D83D …) in UTF-16, so JS puts it before
    // U+FFFD (EF BF BD); byte order puts it after. 0xFF (not UTF-8) sorts last.
    const names = ['\u{1F600}', '\uFFFD', 'z', 'Z', 'a'].map((s) => Buffer.from(s)).concat([Buffer.from([0xff]), Buffer.from([0x7a, 0x00 + 1])]);
    const entries = names.map((name) => ({ ...fileEntry, name }));
    const got = (await collect(await buildTree(entries, noStore), async () => Buffer.alloc(0))).map((e) => e.name);
    expect(got).toEqual([...names].sort(Buffer.compare));
    expect(got.map((n) => n.toString('hex'))).toEqual(['5a', '61', '7a', '7a01', 'efbfbd', 'f09f9880', 'ff']);
  });

  test('sortEntries agrees with Buffer.compare on arbitrary names', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.uint8Array({ minLength: 1, maxLength: 8 }), { selector: (a) => Buffer.from(a).toString('hex') }), (arrs) => {
        const names = arrs.map((a) => Buffer.from(a));
        const sorted = sortEntries(names.map((name) => ({ ...fileEntry, name }))).map((e) => e.name);
        expect(sorted).toEqual([...names].sort(Buffer.compare));
      }),
    );
  });

  test('duplicate names are refused', async () => {
    await expect(buildTree([fileEntry, { ...dirEntry, name: fileEntry.name }], noStore)).rejects.toThrow(RangeError);
  });

  test('bad nodes: unknown version, unknown kind, order across parts, truncation', async () => {
    const leaf = Buffer.from(encodeLeaf([encodeEntry(fileEntry)]));
    await expect(collect(Buffer.concat([Buffer.from([2]), leaf.subarray(1)]), noStore as never)).rejects.toThrow(UnsupportedFormatError);
    // version 1 has kinds 0 and 1 only: another kind byte is damage, not a newer format
    await expect(collect(Buffer.from([1, 7]), noStore as never)).rejects.toThrow(IntegrityError);
    await expect(collect(leaf.subarray(0, leaf.length - 1), noStore as never)).rejects.toThrow(IntegrityError);
    const twice = encodeLeaf([encodeEntry(fileEntry), encodeEntry(fileEntry)]);
    await expect(collect(twice, noStore as never)).rejects.toThrow(/strictly increasing/);
    // two parts in the wrong order: each is fine alone, together they are not sorted
    const m = memoryStore();
    const a = m.store(encodeLeaf([encodeEntry(fileEntry)]));
    const d = m.store(encodeLeaf([encodeEntry(dirEntry)]));
    expect((await collect(encodeIndirect([a, d]), m.load)).map((e) => e.name.toString())).toEqual(['a.txt', 'dir']);
    await expect(collect(encodeIndirect([d, a]), m.load)).rejects.toThrow(/strictly increasing/);
    await expect(collect(encodeIndirect([m.store(encodeIndirect([a]))]), m.load)).rejects.toThrow(/not a leaf/);
    expect(() => decodeTreeNode(Buffer.from([1, 1, 0]))).toThrow(IntegrityError);
    expect(() => decodeTreeNode(Buffer.concat([Buffer.from([1, 1, 2]), a]))).toThrow(/length/);
  });

  test('TreeWriter (streaming) and splitEntries give the same parts as buildTree', async () => {
    const entries = Array.from({ length: 5000 }, (_, i) => ({ ...fileEntry, name: Buffer.from(`n${i}`), inode: BigInt(i) }));
    const m1 = memoryStore();
    const root = await buildTree(entries, m1.store);
    const node = decodeTreeNode(root);
    expect(node.kind).toBe(NodeKind.Indirect);
    const parts = splitEntries(sortEntries(entries).map((e) => encodeEntry(e)));
    expect(node.kind === NodeKind.Indirect && node.parts.map((p) => p.toString('hex'))).toEqual(
      parts.map((p) => m1.store(encodeLeaf(p)).toString('hex')),
    );
    const w = new TreeWriter(memoryStore().store);
    for (const e of sortEntries(entries)) await w.add(encodeEntry(e)); // already-encoded input
    expect((await w.finish()).equals(root)).toBe(true);
    await expect(w.add({ ...fileEntry, name: Buffer.from('a') })).rejects.toThrow(/out of order/);
  });

  test('a leaf of exactly TREE_INLINE_LIMIT bytes stays inline; one byte more is split', async () => {
    const make = (n: number, lastPad: number) =>
      Array.from({ length: n }, (_, i) => ({
        ...fileEntry,
        name: Buffer.from(`${String(i).padStart(5, '0')}${'p'.repeat(i === n - 1 ? lastPad : 100)}`),
      }));
    const leafSize = (entries: TreeEntry[]) => encodeLeaf(entries.map((e) => encodeEntry(e))).length;
    // ~270-byte records: fill to just under the limit, then grow the last name until the leaf is exact
    const n = Math.floor(TREE_INLINE_LIMIT / leafSize(make(1, 100))) - 1;
    let pad = 100;
    while (leafSize(make(n, pad)) < TREE_INLINE_LIMIT) pad++;
    expect(leafSize(make(n, pad))).toBe(TREE_INLINE_LIMIT);
    const exact = await buildTree(make(n, pad), noStore);
    expect(exact.length).toBe(TREE_INLINE_LIMIT);
    expect(exact[1]).toBe(NodeKind.Leaf);
    const over = await buildTree(make(n, pad + 1), memoryStore().store);
    expect(over[1]).toBe(NodeKind.Indirect);
  });
});

describe('a directory of 1,000,000 entries', () => {
  const N = 1_000_000;
  const chunkIds = Buffer.alloc(32 * 1024);
  for (let i = 0; i < chunkIds.length; i++) chunkIds[i] = (i * 7919) & 0xff;
  const entries: TreeEntry[] = Array.from({ length: N }, (_, i) => ({
    ...fileEntry,
    name: Buffer.from(`file-${(i * 7_777_777) % 10_000_019}.dat`), // unique, not generated in order
    inode: BigInt(1_000_000 + i),
    size: BigInt(i * 100),
    chunks: [asBlobId(chunkIds.subarray((i % 1024) * 32, (i % 1024) * 32 + 32))],
  }));

  test('parts of ~64 KiB, streamed back in order, one edited entry changes one part', async () => {
    const m = memoryStore();
    const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
    const timed = async <T>(f: () => Promise<T>): Promise<[T, string]> => {
      const [w, c] = [performance.now(), cpu()];
      const r = await f();
      return [r, `${(performance.now() - w).toFixed(0)} ms (cpu ${(cpu() - c).toFixed(0)} ms)`];
    };
    const [root1, buildMs] = await timed(() => buildTree(entries, m.store));
    const node = decodeTreeNode(root1);
    if (node.kind !== NodeKind.Indirect) throw new Error('expected an indirect root');
    const sizes = node.parts.map((id) => m.blobs.get(id.toString('hex'))!.length - 2);
    const mean = sizes.reduce((a, b) => a + b, 0) / sizes.length;
    expect(Math.max(...sizes)).toBeLessThanOrEqual(TREE_PART_MAX);
    expect(Math.min(...sizes.slice(0, -1))).toBeGreaterThanOrEqual(TREE_PART_MIN);
    expect(mean).toBeGreaterThan(48 * 1024);
    expect(mean).toBeLessThan(80 * 1024);

    const sorted = sortEntries(entries);
    let i = 0;
    const [, readMs] = await timed(async () => {
      for await (const e of readTree(root1, m.load)) {
        if (!e.name.equals(sorted[i].name)) throw new Error(`entry ${i}: ${e.name} != ${sorted[i].name}`);
        i++;
      }
    });
    expect(i).toBe(N);
    let j = 0;
    for await (const e of readTree(root1, m.load)) {
      if (j % 9973 === 0) expect(e).toEqual({ ...sorted[j], ...undefinedOptionals(sorted[j]) });
      j++;
    }

    // touch one file in the middle: only the part holding it (and the root) change
    const k = Math.floor(N / 2) + 17;
    const edited = entries.slice();
    edited[k] = { ...entries[k], mtimeNs: entries[k].mtimeNs + 1_000_000_000n };
    const [root2, rebuildMs] = await timed(() => buildTree(edited, m.store));
    const node2 = decodeTreeNode(root2);
    if (node2.kind !== NodeKind.Indirect) throw new Error('expected an indirect root');
    expect(node2.parts.length).toBe(node.parts.length);
    const changed = node2.parts.filter((id, j) => !id.equals(node.parts[j])).length;
    expect(changed).toBe(1);
    expect(root2.equals(root1)).toBe(false);

    // insert one new entry: the parts around it change, nothing else (given sorted, as the archiver does)
    const inserted = [...sorted];
    inserted.splice(N / 2, 0, { ...fileEntry, name: Buffer.concat([sorted[N / 2 - 1].name, Buffer.from('-new')]) });
    const [root3, sortedBuildMs] = await timed(() => buildTree(inserted, m.store));
    const node3 = decodeTreeNode(root3);
    if (node3.kind !== NodeKind.Indirect) throw new Error('expected an indirect root');
    const before = new Set(node.parts.map((p) => p.toString('hex')));
    const newParts = node3.parts.filter((p) => !before.has(p.toString('hex'))).length;
    expect(newParts).toBeLessThanOrEqual(2);

    console.log(
      `1M entries: ${node.parts.length} parts, mean ${(mean / 1024).toFixed(1)} KiB, min ${(Math.min(...sizes) / 1024).toFixed(1)} KiB, ` +
        `max ${(Math.max(...sizes) / 1024).toFixed(1)} KiB, root ${root1.length} B; buildTree from shuffled entries ${buildMs}, ` +
        `again after one mtime edit ${rebuildMs} (${changed} part changed), from sorted entries with one insertion ` +
        `${sortedBuildMs} (${newParts} new part(s)); readTree ${readMs}`,
    );
  }, 600_000); // ~10 s on an idle machine; generous for loaded CI
});

/** The decoder reports absent optional fields as undefined. */
function undefinedOptionals(e: TreeEntry): Partial<TreeEntry> {
  const keys = ['user', 'group', 'rdev', 'linkTarget', 'xattrs', 'chunks', 'chunkList', 'subtree'] as const;
  return Object.fromEntries(keys.map((k) => [k, e[k]]));
}
