// `snap stats --growth`: one row per snapshot, from the create summaries, and --exact recomputed from
// the trees (which differs once a snapshot is gone).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Sandbox } from './helpers.js';
import { pseudoRandom } from './statsFixtures.js';

const GB = 2 ** 30;

interface Row {
  snapshot_id: string;
  time: string;
  logical_bytes: number;
  bytes_added: number;
  bytes_stored: number;
  total_stored_bytes: number;
  monthly_cost_usd: number;
}

describe('stats --growth', () => {
  const sb = new Sandbox();
  let src: string;
  const creates: Array<{ snapshot_id: string; bytes_added: number; bytes_stored: number }> = [];
  const logical: number[] = [];
  const times = ['2026-03-01T02:00:00+01:00', '2026-03-02T02:00:00+01:00', '2026-03-03T02:00:00+01:00'];
  beforeAll(() => {
    sb.init();
    src = sb.path('src');
    mkdirSync(src);
    writeFileSync(path.join(src, 'a.bin'), pseudoRandom(100_000, 1));
    logical.push(100_000);
    // Created out of time order on purpose: rows are by snapshot time.
    creates[1] = sb.json(['create', src, '--time', times[0]!]);
    writeFileSync(path.join(src, 'b.bin'), pseudoRandom(50_000, 2));
    writeFileSync(path.join(src, 'b-copy.bin'), pseudoRandom(50_000, 2));
    logical.push(200_000);
    creates[2] = sb.json(['create', src, '--time', times[1]!]);
    writeFileSync(path.join(src, 'c.txt'), 'compressible line of text\n'.repeat(2000));
    logical.push(200_000 + 52_000);
    creates[3] = sb.json(['create', src, '--time', times[2]!]);
    creates.shift();
  });
  afterAll(() => sb.cleanup());

  it('one row per snapshot, oldest first, with the numbers create recorded and a running stored total', () => {
    const rows = sb.json<Row[]>(['stats', '--growth']);
    const list = sb.json<Array<{ id: string; summary: Record<string, number> }>>(['list']);
    expect(rows).toHaveLength(3);
    let total = 0;
    rows.forEach((r, i) => {
      expect(Object.keys(r)).toEqual(['snapshot_id', 'time', 'logical_bytes', 'bytes_added', 'bytes_stored', 'total_stored_bytes', 'monthly_cost_usd']);
      const c = creates[i]!;
      expect(r.snapshot_id).toBe(c.snapshot_id);
      expect(r.time).toBe(times[i]);
      expect(r.logical_bytes).toBe(logical[i]);
      expect(r.bytes_added).toBe(c.bytes_added);
      expect(r.bytes_stored).toBe(c.bytes_stored);
      const summary = list.find((s) => s.id === c.snapshot_id)!.summary;
      total += c.bytes_stored + summary.tree_bytes_stored!;
      expect(r.total_stored_bytes).toBe(total);
      expect(r.monthly_cost_usd).toBe((total / GB) * 0.023);
    });
    // Random data added in full; the copy of b deduplicated; the text compressed.
    expect(rows.map((r) => r.bytes_added)).toEqual([100_000, 50_000, 52_000]);
    expect(rows[2]!.bytes_stored).toBeLessThan(52_000 / 10);
    const priced = sb.json<Row[]>(['stats', '--growth', '--price-per-gb-month', '0.1']);
    expect(priced.map((r) => r.monthly_cost_usd)).toEqual(rows.map((r) => (r.total_stored_bytes / GB) * 0.1));
  });

  it('--exact recomputes the same rows from the trees while every snapshot is there', () => {
    expect(sb.json<Row[]>(['stats', '--growth', '--exact'])).toEqual(sb.json<Row[]>(['stats', '--growth']));
  });

  it('text output: one aligned row per snapshot with human sizes and costs', () => {
    const out = sb.ok(['stats', '--growth']).stdout.trimEnd().split('\n');
    const table = out.slice(0, 4);
    expect(table[0]).toMatch(/^ID\s+Time\s+Logical\s+Added\s+Stored\s+Total stored\s+Cost\/month$/);
    // The numeric columns are right-aligned and the last one is: every line has the same length.
    expect(new Set(table.map((l) => l.length)).size).toBe(1);
    expect(table[1]).toContain(creates[0]!.snapshot_id.slice(0, 8));
    expect(table[1]).toMatch(/97\.7 KiB\s+97\.7 KiB/);
    expect(table[3]).toContain('50.8 KiB'); // 52 000 bytes of text added
    expect(out[4]).toContain('3 snapshots; as recorded by create');
  });

  it('after a snapshot is removed, the recorded rows understate and --exact charges chunks to the oldest remaining snapshot', () => {
    rmSync(path.join(sb.repo, 'snapshots', creates[0]!.snapshot_id));
    const recorded = sb.json<Row[]>(['stats', '--growth']);
    expect(recorded.map((r) => r.bytes_added)).toEqual([50_000, 52_000]);
    const exact = sb.json<Row[]>(['stats', '--growth', '--exact']);
    expect(exact.map((r) => r.snapshot_id)).toEqual([creates[1]!.snapshot_id, creates[2]!.snapshot_id]);
    // a.bin is now charged to the first remaining snapshot.
    expect(exact.map((r) => r.bytes_added)).toEqual([150_000, 52_000]);
    const unique = sb.json<{ unique_chunk_bytes: number }>(['stats', creates[1]!.snapshot_id]).unique_chunk_bytes;
    expect(exact[0]!.bytes_added).toBe(unique);
    expect(exact[1]!.bytes_stored).toBe(creates[2]!.bytes_stored);
    expect(exact[1]!.total_stored_bytes).toBeGreaterThan(recorded[1]!.total_stored_bytes);
    expect(sb.json(['stats']).snapshots).toBe(2);
    const bad = sb.run(['stats', '--exact']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('--exact goes with --growth');
  });
});
