// A holder that loses its lock stops (issue 11): removed while a create works, the create exits 1
// with one line and writes no snapshot record; a refresh that fails for a moment (locks/ made
// immutable) is retried and the create succeeds; one that keeps failing stops the create the same
// way, before its lock could look stale to others. Fast lock timing via SNAP_LOCK_REFRESH/STALE.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN, Sandbox } from './helpers.js';
import { collectOutput, exited, locks, sleep, waitFor } from './lockHelpers.js';

const FAST = { SNAP_LOCK_REFRESH: '200ms', SNAP_LOCK_STALE: '1500ms' };

const sandboxes: Sandbox[] = [];
const children: ChildProcess[] = [];
const immutable: string[] = [];

function sandbox(): Sandbox {
  const sb = new Sandbox();
  sandboxes.push(sb);
  sb.init();
  const src = sb.path('src');
  mkdirSync(src);
  for (let i = 0; i < 4; i++) writeFileSync(path.join(src, `f${i}`), randomBytes(300_000));
  return sb;
}

afterEach(() => {
  for (const d of immutable.splice(0)) spawnSync('chattr', ['-i', d]);
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const sb of sandboxes.splice(0)) sb.cleanup();
});

async function pausedCreate(sb: Sandbox, pauseMs: number) {
  const c = spawn(process.execPath, [BIN, 'create', sb.path('src'), '--json'], {
    env: { ...sb.baseEnv(), SNAP_PAUSE_AT: `create-before-snapshot:${pauseMs}`, ...FAST },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(c);
  const out = collectOutput(c);
  await waitFor('create to pause', () => out.stderr.includes('paused at create-before-snapshot') || c.exitCode !== null);
  if (c.exitCode !== null) throw new Error(`create ended early: ${out.stderr}`);
  return { c, out };
}

const snapshotFiles = (sb: Sandbox): string[] => {
  try {
    return readdirSync(path.join(sb.repo, 'snapshots'));
  } catch {
    return [];
  }
};

/** stderr without the pause notice. */
const errorLines = (stderr: string) => stderr.trim().split('\n').filter((l) => l && !l.includes('SNAP_PAUSE_AT'));

/** Staged (temp) files anywhere in the repository. */
const staged = (sb: Sandbox) => (readdirSync(sb.repo, { recursive: true }) as string[]).filter((n) => path.basename(n).startsWith('.tmp-'));

/** Make locks/ immutable (even root cannot create files in it); skip the test where chattr cannot. */
function freezeLocks(sb: Sandbox): boolean {
  const dir = path.join(sb.repo, 'locks');
  if (spawnSync('chattr', ['+i', dir]).status !== 0) return false;
  immutable.push(dir);
  return true;
}
function thawLocks(sb: Sandbox): void {
  spawnSync('chattr', ['-i', path.join(sb.repo, 'locks')]);
}

describe('a holder that loses its lock', () => {
  it('a create whose lock is removed exits 1 with one line and writes no snapshot record', async () => {
    const sb = sandbox();
    const { c, out } = await pausedCreate(sb, 3000);
    expect(locks(sb)).toHaveLength(1);
    rmSync(path.join(sb.repo, 'locks', locks(sb)[0]!));
    const end = await exited(c);
    expect(end.code, out.stderr).toBe(1);
    const lines = errorLines(out.stderr);
    expect(lines, out.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(/^snap: the repository lock locks\/[0-9a-f]{64} was removed while this command held it; stopping$/);
    expect(JSON.parse(out.stdout).error).toMatchObject({ code: 'repository_locked', exit_code: 1 });
    expect(snapshotFiles(sb)).toEqual([]);
    expect(staged(sb)).toEqual([]);
    expect(locks(sb)).toEqual([]);
  });

  it('a refresh that fails for a moment is retried and the create succeeds', async (t) => {
    const sb = sandbox();
    const { c, out } = await pausedCreate(sb, 3000);
    const lock = path.join(sb.repo, 'locks', locks(sb)[0]!);
    if (!freezeLocks(sb)) t.skip();
    const frozenAt = statSync(lock).mtimeMs;
    await sleep(600); // three refreshes fail (EPERM) meanwhile
    expect(statSync(lock).mtimeMs).toBe(frozenAt);
    thawLocks(sb);
    await waitFor('a refresh to succeed', () => statSync(lock).mtimeMs > frozenAt, 5_000);
    const end = await exited(c);
    expect(end.code, out.stderr).toBe(0);
    expect(errorLines(out.stderr)).toEqual([]);
    const id = JSON.parse(out.stdout).snapshot_id as string;
    expect(sb.json<Array<{ id: string }>>(['list']).map((s) => s.id)).toEqual([id]);
    expect(locks(sb)).toEqual([]);
  });

  it('a refresh that keeps failing stops the create before its lock could look stale', async (t) => {
    const sb = sandbox();
    const { c, out } = await pausedCreate(sb, 4000);
    if (!freezeLocks(sb)) t.skip();
    // Stale after 1.5 s without a refresh; the holder gives up one refresh interval before that
    // (it exits when the pause ends: a pause is not a loop that watches the signal).
    const end = await exited(c);
    expect(end.code, out.stderr).toBe(1);
    const lines = errorLines(out.stderr);
    expect(lines, out.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(/^snap: the repository lock locks\/[0-9a-f]{64} could not be refreshed in time \(\d+ failed attempt\(s\), last: .*\); stopping before other commands judge it stale$/);
    thawLocks(sb);
    expect(snapshotFiles(sb)).toEqual([]);
    expect(staged(sb)).toEqual([]);
  });
});
