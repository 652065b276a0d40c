// `snap stats`: logical, stored and unique bytes, ratios, chunk count and cost, checked against the
// source files and the repository's pack files on disk.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Sandbox } from './helpers.js';
import { packBytesOnDisk, pseudoRandom } from './statsFixtures.js';

const GB = 2 ** 30;
const DEFAULT_PRICE = 0.023;

interface Stats {
  snapshots: number;
  logical_bytes: number;
  stored_bytes: number;
  unique_chunk_bytes: number;
  dedup_ratio: number;
  compression_ratio: number;
  chunks: number;
  monthly_cost_usd: number;
}

describe('stats (encrypted repository)', () => {
  const sb = new Sandbox();
  let src: string;
  let first: string;
  let second: string;
  // Below the minimum chunk size (16 KiB), so each distinct file is exactly one chunk.
  const SMALL = 10_000;
  const OTHER = 12_345;
  beforeAll(() => {
    sb.init();
    src = sb.path('src');
    mkdirSync(src);
    const data = pseudoRandom(SMALL, 1);
    for (let i = 0; i < 5; i++) writeFileSync(path.join(src, `copy-${i}.bin`), data);
    writeFileSync(path.join(src, 'empty'), '');
    first = sb.json(['create', src, '--time', '2026-01-01T00:00:00Z']).snapshot_id;
    writeFileSync(path.join(src, 'other.bin'), pseudoRandom(OTHER, 2));
    second = sb.json(['create', src, '--time', '2026-01-02T00:00:00Z']).snapshot_id;
  });
  afterAll(() => sb.cleanup());

  it('five identical files: dedup ratio 5, one chunk, exact sizes', () => {
    const s = sb.json<Stats>(['stats', first]);
    expect(Object.keys(s).sort()).toEqual(
      ['chunks', 'compression_ratio', 'dedup_ratio', 'logical_bytes', 'monthly_cost_usd', 'snapshots', 'stored_bytes', 'unique_chunk_bytes'],
    );
    expect(s.snapshots).toBe(1);
    expect(s.logical_bytes).toBe(5 * SMALL);
    expect(s.unique_chunk_bytes).toBe(SMALL);
    expect(s.chunks).toBe(1);
    expect(s.dedup_ratio).toBe(5);
    // Random bytes do not compress: stored raw, plus the 16-byte GCM tag of the encrypted blob.
    expect(s.compression_ratio).toBe(SMALL / (SMALL + 16));
    const onDisk = packBytesOnDisk(sb.repo);
    expect(s.stored_bytes).toBe(onDisk);
    expect(s.monthly_cost_usd).toBe((onDisk / GB) * DEFAULT_PRICE);
  });

  it('all snapshots by default; selectors choose; a snapshot named twice counts once', () => {
    const all = sb.json<Stats>(['stats']);
    expect(all.snapshots).toBe(2);
    expect(all.logical_bytes).toBe(5 * SMALL + (5 * SMALL + OTHER));
    expect(all.unique_chunk_bytes).toBe(SMALL + OTHER);
    expect(all.chunks).toBe(2);
    expect(all.dedup_ratio).toBe((10 * SMALL + OTHER) / (SMALL + OTHER));
    expect(all.compression_ratio).toBe((SMALL + OTHER) / (SMALL + OTHER + 32));
    const latest = sb.json<Stats>(['stats', 'latest', second.slice(0, 8)]);
    expect(latest.snapshots).toBe(1);
    expect(latest.logical_bytes).toBe(5 * SMALL + OTHER);
    expect(latest.chunks).toBe(2);
    expect(latest.stored_bytes).toBe(packBytesOnDisk(sb.repo));
  });

  it('--price-per-gb-month sets the price; a bad price is refused', () => {
    const s = sb.json<Stats>(['stats', '--price-per-gb-month', '0.05']);
    expect(s.monthly_cost_usd).toBe((packBytesOnDisk(sb.repo) / GB) * 0.05);
    const bad = sb.run(['stats', '--price-per-gb-month', 'cheap', '--json']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("--price-per-gb-month: expected a price in USD like 0.023, got 'cheap'");
    expect(JSON.parse(bad.stdout).error.code).toBe('invalid_argument');
  });

  it('the help states the default price', () => {
    const h = sb.ok(['stats', '--help']).stdout;
    expect(h).toContain('--price-per-gb-month');
    expect(h).toContain('default 0.023');
  });

  it('text output: aligned labels and values, human sizes', () => {
    const out = sb.ok(['stats', first]).stdout.trimEnd().split('\n');
    const rows = out.filter((l) => /^[A-Z][a-z ]+:/.test(l));
    expect(rows.map((l) => l.split(':')[0])).toEqual([
      'Snapshots', 'Logical size', 'Stored size', 'Unique chunk bytes', 'Chunks', 'Deduplication ratio', 'Compression ratio', 'Monthly cost',
    ]);
    // Right-aligned values: every row ends in the same column.
    expect(new Set(rows.map((l) => l.length)).size).toBe(1);
    expect(out.find((l) => l.startsWith('Logical size:'))).toMatch(/48\.8 KiB$/);
    expect(out.find((l) => l.startsWith('Deduplication ratio:'))).toMatch(/ 5\.00x$/);
    expect(out.find((l) => l.startsWith('Chunks:'))).toMatch(/ 1$/);
    // A few KiB cost less than a millionth of a dollar a month.
    expect(out.find((l) => l.startsWith('Monthly cost:'))).toMatch(/ < \$0\.000001$/);
  });
});

describe('stats (unencrypted, compressible data)', () => {
  const sb = new Sandbox();
  afterAll(() => sb.cleanup());

  it('compression ratio is unique raw bytes over what they take in the packs', () => {
    sb.init(['--encryption', 'none']);
    const src = sb.path('src');
    mkdirSync(src);
    writeFileSync(path.join(src, 'random.bin'), pseudoRandom(12_000, 3));
    sb.json(['create', src]);
    const s1 = sb.json<Stats>(['stats']);
    // Incompressible and unencrypted: stored exactly as it is.
    expect(s1.unique_chunk_bytes).toBe(12_000);
    expect(s1.compression_ratio).toBe(1);
    const text = 'all work and no play makes jack a dull boy\n'.repeat(300);
    writeFileSync(path.join(src, 'text.txt'), text);
    const b = sb.json(['create', src]);
    const s2 = sb.json<Stats>(['stats', 'latest']);
    expect(s2.logical_bytes).toBe(12_000 + text.length);
    expect(s2.unique_chunk_bytes).toBe(12_000 + text.length);
    expect(s2.chunks).toBe(2);
    // The text chunk's stored size is what create said it stored.
    expect(s2.compression_ratio).toBe((12_000 + text.length) / (12_000 + b.bytes_stored));
    expect(s2.compression_ratio).toBeGreaterThan(1.8);
    expect(s2.stored_bytes).toBe(packBytesOnDisk(sb.repo));
  });

  it('an empty repository: zeros, ratios 1', () => {
    const empty = new Sandbox();
    try {
      empty.init(['--encryption', 'none']);
      expect(empty.json<Stats>(['stats'])).toEqual({
        snapshots: 0, logical_bytes: 0, stored_bytes: 0, unique_chunk_bytes: 0, dedup_ratio: 1, compression_ratio: 1, chunks: 0, monthly_cost_usd: 0,
      });
    } finally {
      empty.cleanup();
    }
  });
});
