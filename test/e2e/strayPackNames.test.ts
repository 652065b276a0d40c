// Names in data/ are untrusted input too (issue 15, item 2): only data/<xx>/<64 hex> whose first two
// digits are <xx> is a pack. A stray file there (a sync tool's conflict copy, an attacker's file) is
// never read by check, counted by stats, or deleted by prune; the repository's own packs still are.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Sandbox } from './helpers.js';
import { packIdOf } from '../../src/pack/packFormat.js';

const REAL_FILES = fileURLToPath(new URL('../../node_modules/commander/lib', import.meta.url));
const HEX = 'ab'.repeat(32);

describe('stray names in data/', () => {
  const sb = new Sandbox('pw');
  const strays = [`data/ab/${HEX}.conflict`, `data/cd/${HEX}`, 'data/ab/README', `data/${HEX}`];
  beforeAll(() => {
    sb.init();
    cpSync(REAL_FILES, sb.path('src'), { recursive: true });
    sb.ok(['create', sb.path('src')]);
    for (const s of strays) {
      mkdirSync(path.dirname(path.join(sb.repo, s)), { recursive: true });
      writeFileSync(path.join(sb.repo, s), 'not a pack');
    }
  });
  afterAll(() => sb.cleanup());

  it('packIdOf takes only data/<xx>/<64 hex> with matching <xx>', () => {
    expect(packIdOf(`data/ab/${HEX}`)).toBe(HEX);
    for (const s of strays) expect(packIdOf(s)).toBeUndefined();
  });

  it('check --read-data is clean and stats counts only packs', () => {
    const r = sb.run(['check', '--read-data']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const stats = sb.json<{ stored_bytes: number }>(['stats']);
    const packBytes = readdirSync(path.join(sb.repo, 'data'), { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => path.relative(sb.repo, path.join(e.parentPath, e.name)))
      .filter((n) => packIdOf(n) !== undefined)
      .reduce((sum, n) => sum + statSync(path.join(sb.repo, n)).size, 0);
    expect(packBytes).toBeGreaterThan(0);
    expect(stats.stored_bytes).toBe(packBytes);
  });

  it('prune --instant-delete leaves them alone, and the snapshot still restores', () => {
    sb.ok(['prune', '--instant-delete']);
    for (const s of strays) expect(readFileSync(path.join(sb.repo, s), 'utf8')).toBe('not a pack');
    sb.ok(['restore', 'latest', sb.path('out'), '--verify']);
    expect(existsSync(path.join(sb.path('out'), sb.path('src'), 'command.js'))).toBe(true);
  });
});
