// Smoke test of the index-scale benchmark: `node bench/index-scale.mjs --smoke` fills a real
// encrypted repository with 10 k synthetic index entries in 40 index files (enough for the bulk
// build of a cold cache), opens it cold, warm and with one new index file, looks ids up, runs
// `snap create` twice on a small tree, and times re-backups with 5 and 20 snapshots. No wall-clock
// asserts: what is checked is that every step did what it claims (files read, entries, lookups found).
import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

describe('bench/index-scale.mjs --smoke', () => {
  it('opens a cold cache by reading every index file, a warm one by reading none, and finds every present id', () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'snap-index-scale-smoke-'));
    try {
      const out = path.join(tmp, 'res.json');
      const r = spawnSync(process.execPath, [path.join(ROOT, 'bench', 'index-scale.mjs'), '--smoke', '--no-docs', '--out', out, '--workdir', path.join(tmp, 'work')], {
        cwd: ROOT,
        encoding: 'utf8',
        timeout: 170_000,
      });
      expect(r.status, r.stderr).toBe(0);
      const res = JSON.parse(fs.readFileSync(out, 'utf8'));

      expect(res.index).toHaveLength(1);
      const x = res.index[0];
      expect(x.entries).toBe(10_000);
      expect(x.indexFiles).toBe(40);
      // Cold: every index file read, every entry in the cache (built in bulk: ≥ 32 files).
      expect(x.cold.filesRead).toBe(40);
      expect(x.cold.entries).toBe(10_000);
      // Warm: nothing read; one new file: exactly that one.
      expect(x.warm.filesRead).toBe(0);
      expect(x.plusOne.filesRead).toBe(1);
      expect(x.plusOne.entries).toBe(10_000 + 256);
      // An index file gone: its 256 entries are dropped (through the bulk-built by_seq records).
      expect(x.minusOne.filesRead).toBe(0);
      expect(x.minusOne.entries).toBe(10_000);
      expect(x.lookups.present.n).toBe(10_000);
      expect(x.lookups.present.found).toBe(10_000);
      expect(x.lookups.absent.found).toBe(0);
      expect(x.create.files).toBe(121);
      expect(x.create.bytesAdded).toBeGreaterThan(3 << 20);
      for (const v of [x.create.peakAnonKiB, x.rebackup.peakAnonKiB, x.cold.peakAnonKiB]) expect(v).toBeGreaterThan(0);
      if (fs.existsSync('/usr/bin/time')) expect(x.create.maxRssKiB).toBeGreaterThan(0);
      expect(x.cacheBytes).toBeGreaterThan(0);

      expect(res.snapshots.map((s: { snapshots: number }) => s.snapshots)).toEqual([5, 20]);
      for (const s of res.snapshots) {
        expect(Number.isFinite(s.rebackupS) && s.rebackupS > 0).toBe(true);
        expect(Number.isFinite(s.findParentMs)).toBe(true);
      }
      expect(r.stdout).toContain('| chunks in index |');
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  }, 180_000);
});
