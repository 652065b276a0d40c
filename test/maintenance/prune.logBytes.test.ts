// A two-phase prune that repacks writes the new packs now and only condemns the old ones, so it
// frees fewer bytes than it writes. Its audit log entry must still hold a byte count (never
// negative): a negative bytes_freed made the entry unreadable, and `check` then reported it damaged
// and every later entry sealing it as a gap (found by the torture test).

import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Sandbox } from '../e2e/helpers.js';

const sandboxes: Sandbox[] = [];
afterAll(() => {
  for (const sb of sandboxes) sb.cleanup();
});

describe('prune: audit log byte counts', () => {
  it('a two-phase prune that repacks logs bytes_freed 0, and check stays clean', () => {
    const sb = new Sandbox();
    sandboxes.push(sb);
    sb.init(['--pack-size', String(64 * 1024), '--chunk-size', '4096,16384,65536']);
    const dir = sb.path('data');
    mkdirSync(dir);
    for (const f of ['a', 'b', 'c']) writeFileSync(path.join(dir, f), randomBytes(150_000));
    const first = sb.json<{ snapshot_id: string }>(['create', dir]).snapshot_id;
    rmSync(path.join(dir, 'b'));
    sb.ok(['create', dir]);
    sb.ok(['forget', first]);
    const prune = sb.json<{ packs_rewritten: number; bytes_freed: number }>(['prune', '--max-unused', '0']);
    expect(prune.packs_rewritten).toBeGreaterThan(0);
    expect(prune.bytes_freed).toBe(0);
    const log = sb.json<Array<{ operation: string; bytes_freed: number }>>(['log']);
    expect(log.filter((e) => e.operation === 'prune').map((e) => e.bytes_freed)).toEqual([0]);
    const check = sb.run(['check']);
    expect(check.code, check.stdout + check.stderr).toBe(0);
  });
});
