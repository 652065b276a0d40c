// Smoke test of the comparison benchmark: `node bench/compare.mjs --smoke` runs every installed tool
// (snap once dist/cli/main.js is built; restic, borg, tar + zstd, rsync when present) on tiny
// datasets for two nights, and every restored tree must match its source. The harness picks its own
// work dir (in /dev/shm when it can) and removes it.
import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const SNAP_BUILT = fs.existsSync(path.join(ROOT, 'dist', 'cli', 'main.js'));

interface Row {
  tool: string;
  ok: boolean;
  error: string | null;
  verify: { ok: boolean; checked: number; missing: number; extra: number; differ: number; examples: string[] } | null;
  nights: { repoBytes: number; s: number }[];
  [k: string]: unknown;
}
interface Results {
  meta: { tools: { name: string }[]; skipped: { tool: string; reason: string }[]; nights: number };
  datasets: { id: string; nights: { logicalBytes: number; files: number }[]; rows: Row[] }[];
}

describe('bench/compare.mjs --smoke', () => {
  it('backs up, re-backs up and restores two nights of each dataset with every installed tool, and the restores verify', () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'snap-bench-smoke-'));
    try {
      const out = path.join(tmp, 'out');
      const r = spawnSync(process.execPath, [path.join(ROOT, 'bench', 'compare.mjs'), '--smoke', '--no-docs', '--out', out], {
        cwd: ROOT,
        encoding: 'utf8',
        timeout: 170_000,
      });
      const file = path.join(out, 'compare-latest.json');
      expect(fs.existsSync(file), `no results JSON; stderr:\n${r.stderr}`).toBe(true);
      const res = JSON.parse(fs.readFileSync(file, 'utf8')) as Results;

      const ran = res.meta.tools.map((t) => t.name);
      if (SNAP_BUILT) expect(ran, 'snap is built, so it must take part').toContain('snap');
      else expect(res.meta.skipped.map((s) => s.tool)).toContain('snap');
      if (ran.length === 0) {
        // nothing installed to compare (no zstd, rsync, restic, borg, and snap not built)
        expect(res.datasets).toEqual([]);
        return;
      }

      expect(res.datasets.map((d) => d.id)).toEqual(['a', 'b', 'c']);
      for (const ds of res.datasets) {
        expect(ds.nights).toHaveLength(2);
        for (const n of ds.nights) expect(n.logicalBytes).toBeGreaterThan(0);
        expect(ds.rows.map((x) => x.tool)).toEqual(ran);
        for (const row of ds.rows) {
          const where = `${ds.id}/${row.tool}`;
          expect(row.error, `${where} failed`).toBeNull();
          expect(row.verify?.ok, `${where} restore differs from the source: ${JSON.stringify(row.verify)}`).toBe(true);
          expect(row.verify!.checked).toBeGreaterThan(0);
          expect(row.ok).toBe(true);
          expect(row.nights).toHaveLength(2);
          for (const k of ['firstBackupS', 'firstBackupMBps', 'incrementalMeanS', 'unchangedS', 'restoreS', 'restoreMBps', 'repoBytes', 'storedOverLogical', 'storedOverLatest', 'usdPerMonth']) {
            const v = row[k];
            expect(typeof v === 'number' && Number.isFinite(v) && v > 0, `${where}.${k} = ${String(v)}`).toBe(true);
          }
          for (const n of row.nights) {
            expect(n.repoBytes).toBeGreaterThan(0);
            expect(n.s).toBeGreaterThan(0);
          }
          if (fs.existsSync('/usr/bin/time')) expect(typeof row.peakRssBackupMiB, `${where}.peakRssBackupMiB`).toBe('number');
        }
      }
      expect(r.status, r.stderr).toBe(0);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  }, 180_000);
});
