// Locks judged correctly (DESIGN.md "Locks"; issue 11): a pid is judged dead only within the same
// host, boot and PID namespace; staleness by time uses the storage's time of the lock object, not
// the time the holder wrote into it; a holder stopped past the stale time is stale, and when it
// resumes it stops without writing a snapshot. `repair index` is the exclusive command here.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN, Sandbox } from './helpers.js';
import { collectOutput, exited, locks, sleep, waitFor, writeLock } from './lockHelpers.js';

const EXCLUSIVE = ['repair', 'index'];
/** Fast lock timing for the tests that wait for staleness (parsed by the CLI; defaults 5m / 30m). */
const FAST = { SNAP_LOCK_REFRESH: '200ms', SNAP_LOCK_STALE: '1500ms' };

const sandboxes: Sandbox[] = [];
const children: ChildProcess[] = [];

function sandbox(): Sandbox {
  const sb = new Sandbox();
  sandboxes.push(sb);
  sb.init();
  const src = sb.path('src');
  mkdirSync(src);
  writeFileSync(path.join(src, 'f'), randomBytes(200_000));
  return sb;
}

afterEach(() => {
  for (const c of children.splice(0)) {
    if (c.exitCode === null && c.signalCode === null) {
      c.kill('SIGCONT');
      c.kill('SIGKILL');
    }
  }
  for (const sb of sandboxes.splice(0)) sb.cleanup();
});

/** Start `create src` paused just before its snapshot record for pauseMs; resolves once it is paused. */
async function pausedCreate(sb: Sandbox, pauseMs: number, env: Record<string, string> = {}, prefix: string[] = []) {
  const argv = [...prefix, process.execPath, BIN, 'create', sb.path('src'), '--json'];
  const c = spawn(argv[0]!, argv.slice(1), { env: { ...sb.baseEnv(), SNAP_PAUSE_AT: `create-before-snapshot:${pauseMs}`, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(c);
  const out = collectOutput(c);
  await waitFor('create to pause', () => out.stderr.includes('paused at create-before-snapshot') || c.exitCode !== null);
  if (c.exitCode !== null) throw new Error(`create ended early: ${out.stderr}`);
  return { c, out };
}

const unshareWorks = spawnSync('unshare', ['--pid', '--fork', '--mount-proc', 'true']).status === 0;

describe('locks are judged correctly', () => {
  it.skipIf(!unshareWorks)('a create in another PID namespace is not judged dead by an exclusive command', async () => {
    const sb = sandbox();
    const { c, out } = await pausedCreate(sb, 4000, {}, ['unshare', '--pid', '--fork', '--mount-proc']);
    expect(locks(sb).length).toBe(1);
    const r = sb.run([...EXCLUSIVE, '--json']);
    expect(r.code, r.stderr).toBe(11);
    expect(r.stderr).toContain(`on ${os.hostname()}`);
    expect(JSON.parse(r.stdout).error.code).toBe('repository_locked');
    // unlock does not take it either.
    expect(sb.json<{ removed: number }>(['unlock']).removed).toBe(0);
    expect((await exited(c)).code, out.stderr).toBe(0);
    expect(JSON.parse(out.stdout).snapshot_id).toMatch(/^[0-9a-f]{64}$/);
    expect(locks(sb)).toEqual([]);
  });

  it('a lock whose recorded time is 31 min old but which was just stored is live; stored 31 min ago it is stale', () => {
    const sb = sandbox();
    const old = new Date(Date.now() - 31 * 60_000).toISOString();
    const name = 'a'.repeat(64);
    // A backup host whose clock is 31 minutes behind ours, refreshing on time.
    writeLock(sb, name, JSON.stringify({
      host: 'skewed-host', pid: 4242, process_start: '1', boot_id: 'b', pid_namespace: 'pid:[1]', user: 'u', time: old, created: old, exclusive: false,
    }));
    const r = sb.run(EXCLUSIVE);
    expect(r.code, r.stderr).toBe(11);
    expect(r.stderr).toContain('pid 4242 on skewed-host');
    expect(sb.json<{ removed: number }>(['unlock']).removed).toBe(0);

    // The same object, not rewritten for 31 minutes by the storage's clock: stale.
    const t = (Date.now() - 31 * 60_000) / 1000;
    utimesSync(path.join(sb.repo, 'locks', name), t, t);
    expect(sb.run(EXCLUSIVE).code).toBe(0);
    const u = sb.json<{ removed: number; locks: Array<{ host: string; reason: string }> }>(['unlock']);
    expect(u.removed).toBe(1);
    expect(u.locks[0]).toMatchObject({ host: 'skewed-host', reason: 'not refreshed' });
  });

  it('a create stopped (SIGSTOP) past the stale time is stale; resumed, it stops with one line and writes no snapshot', async () => {
    const sb = sandbox();
    const { c, out } = await pausedCreate(sb, 5000, FAST);
    // Running, it refreshes its lock every 200 ms: live, though older than the stale time by now.
    await sleep(1800);
    expect(sb.run(EXCLUSIVE, { env: FAST }).code).toBe(11);
    c.kill('SIGSTOP');
    await sleep(2000);
    const r = sb.run(EXCLUSIVE, { env: FAST });
    expect(r.code, r.stderr).toBe(0);
    c.kill('SIGCONT');
    const end = await exited(c);
    expect(end.code, out.stderr).toBe(1);
    const lines = out.stderr.trim().split('\n').filter((l) => !l.includes('SNAP_PAUSE_AT'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^snap: the repository lock locks\/[0-9a-f]+ could not be refreshed in time .*stopping/);
    expect(JSON.parse(out.stdout).error).toMatchObject({ code: 'repository_locked', exit_code: 1 });
    expect(sb.json<unknown[]>(['list'])).toEqual([]);
    expect(locks(sb)).toEqual([]);
  });
});
