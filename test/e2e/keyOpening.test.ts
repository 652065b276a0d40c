// Key opening is bounded (issue 15, item 5): forged key files with huge KDF parameters cost nothing
// (the hinted key is tried first and alone; oversized parameters are refused before scrypt runs), and
// a refused file is named. Runs the built CLI on a real repository.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { objectName } from '../../src/crypto/index.js';
import { Sandbox } from './helpers.js';

/** A key file in the format of crypto.md §3 whose scrypt would need 4 GiB and ~13 s (the old limit). */
function forgedKeyFile(N = 2 ** 22): Buffer {
  return Buffer.from(
    JSON.stringify({
      version: 1,
      created: '2026-01-01T00:00:00.000Z',
      username: 'mallory',
      hostname: 'evil',
      kdf: { name: 'scrypt', N, r: 8, p: 1 },
      salt: randomBytes(32).toString('base64'),
      nonce: randomBytes(12).toString('base64'),
      data: randomBytes(112).toString('base64'),
    }),
  );
}

function plant(repo: string, file: Buffer): string {
  const name = objectName(file);
  writeFileSync(path.join(repo, 'keys', name), file);
  return name;
}

function timed(sb: Sandbox, args: string[], env: Record<string, string> = {}) {
  const t0 = process.hrtime.bigint();
  const r = sb.run(args, { env });
  return { ...r, seconds: Number(process.hrtime.bigint() - t0) / 1e9 };
}

describe('key opening', () => {
  let sb: Sandbox;
  let forged: string[];
  let baseline: number;
  beforeEach(() => {
    sb = new Sandbox('the password');
    sb.init();
    const warm = timed(sb, ['list']);
    expect(warm.code).toBe(0);
    baseline = Math.min(warm.seconds, timed(sb, ['list']).seconds);
    forged = [0, 1, 2].map(() => plant(sb.repo, forgedKeyFile()));
  });
  afterEach(() => sb.cleanup());

  it('three forged key files with huge KDF parameters do not slow `list` (hinted key first; no hint: refused unrun)', () => {
    const hinted = timed(sb, ['list']);
    expect(hinted.code, hinted.stderr).toBe(0);
    expect(hinted.seconds).toBeLessThan(baseline + 1);
    expect(hinted.stderr).not.toMatch(/ignored key file/); // with the hint, the forged files are not even read

    const fresh = timed(sb, ['list'], { SNAP_CACHE_DIR: sb.path('fresh-cache') });
    expect(fresh.code, fresh.stderr).toBe(0);
    expect(fresh.seconds).toBeLessThan(baseline + 1);
    for (const name of forged) expect(fresh.stderr).toContain(`ignored key file keys/${name}: malformed key file: scrypt parameters scrypt:4194304,8,1`);
  });

  it('an oversized KDF is refused naming the file, when it is the only key', () => {
    for (const n of readdirSync(path.join(sb.repo, 'keys'))) if (!forged.includes(n)) rmSync(path.join(sb.repo, 'keys', n));
    for (const n of forged.slice(1)) rmSync(path.join(sb.repo, 'keys', n));
    const r = timed(sb, ['list', '--json'], { SNAP_CACHE_DIR: sb.path('fresh-cache') });
    expect(r.code).toBe(1);
    expect(r.seconds).toBeLessThan(baseline + 1);
    expect(JSON.parse(r.stdout).error.code).toBe('integrity');
    expect(r.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(new RegExp(`^snap: no key file of .* could be tried: keys/${forged[0]}: malformed key file: scrypt parameters .* above the limit of 1073741824$`)),
    ]);
  });

  it('`key list` shows the real key and names each forged one in a warning, instead of failing', () => {
    const r = sb.run(['key', 'list', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const rows = JSON.parse(r.stdout) as Array<{ id: string; current: boolean }>;
    expect(rows).toHaveLength(1);
    expect(rows[0]!.current).toBe(true);
    for (const name of forged) expect(r.stderr).toContain(`key file keys/${name} is not listed: malformed key file`);
  });

  it('key files whose names are not hex, or do not match their content, are ignored with a warning', () => {
    writeFileSync(path.join(sb.repo, 'keys', 'KEY.bak'), forgedKeyFile(1024));
    const liar = objectName(Buffer.from('something else'));
    writeFileSync(path.join(sb.repo, 'keys', liar), forgedKeyFile(1024));
    const r = sb.run(['list'], { env: { SNAP_CACHE_DIR: sb.path('fresh-cache') } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('ignored 1 object(s) in keys/ whose names are not 64 lower-case hex (not written by snap): "KEY.bak"');
    expect(r.stderr).toContain(`ignored key file keys/${liar} does not match its name`);
  });
});
