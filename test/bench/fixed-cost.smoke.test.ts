// Smoke test of the fixed-cost benchmark: `node bench/fixed-cost.mjs --smoke` times start-up,
// `snap list` on empty repositories, key derivation, a warm index open and the parent search.
// No wall-clock asserts: each figure must exist, and the steps must have done their work.
import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const finite = (v: unknown) => typeof v === 'number' && Number.isFinite(v) && v > 0;

describe('bench/fixed-cost.mjs --smoke', () => {
  it('measures start-up, list, key derivation at the default cost, index open and parent search', () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'snap-fixed-cost-smoke-'));
    try {
      const out = path.join(tmp, 'res.json');
      const r = spawnSync(process.execPath, [path.join(ROOT, 'bench', 'fixed-cost.mjs'), '--smoke', '--no-docs', '--out', out, '--workdir', path.join(tmp, 'work')], {
        cwd: ROOT,
        encoding: 'utf8',
        timeout: 170_000,
      });
      expect(r.status, r.stderr).toBe(0);
      const res = JSON.parse(fs.readFileSync(out, 'utf8'));
      const now = res.cli.find((c: { label: string }) => c.label === 'now');
      expect(now.version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
      for (const k of ['version', 'listPlain', 'listEnc']) expect(finite(now[k].ms), k).toBe(true);
      // The default key derivation stays scrypt N=2^17 (OWASP).
      expect(res.kdf.defaultKdf).toBe('scrypt:131072,8,1');
      expect(finite(res.kdf.defaultMs) && finite(res.kdf.testMs)).toBe(true);
      expect(res.repo.snapshots).toBe(10);
      expect(finite(res.repo.warmIndexMs) && Number.isFinite(res.repo.findParentMs)).toBe(true);
      expect(res.packages.find((p: { name: string }) => p.name === 'lmdb').ms).toBeGreaterThan(0);
      expect(r.stdout).toContain('snap --version');
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  }, 180_000);
});
