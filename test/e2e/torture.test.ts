// Concurrency torture (slow: ~90 s per backend). Four simulated hosts back up changing trees in
// loops, each with its own cache folder and hostname:
//   host0  plain;
//   host1  in its own PID namespace (unshare, where available): its lock's pid means nothing outside;
//   host2  suspended with SIGSTOP past the lock stale time: every other create is stopped for
//          STOP_MS (> SNAP_LOCK_STALE) and then continued; it must either fail cleanly (exit 1, one
//          line on stderr, no snapshot) or save a snapshot that restores;
//   host3  with a clock an hour ahead (libfaketime through LD_PRELOAD, where installed; without it
//          the host runs on the true clock and the summary says so). Every other two-phase prune
//          also runs on that clock: with grace periods judged by the storage's time, an hour-fast
//          prune must not delete what a running backup uses.
// All processes run with short lock times (SNAP_LOCK_REFRESH 1s, SNAP_LOCK_STALE 4s), so the
// suspended host's lock goes stale and others may take it away. Beside the hosts a maintenance
// loop runs forget + two-phase prune (short grace, so deletions happen during the run) and now and
// then an --instant-delete prune, and random SIGKILLs hit every running process. Afterwards `check
// --read-data` is clean and every snapshot a create reported as saved (exit 0) and no forget
// removed restores bit-identical.
// It prints: creates (saved / refused at the commit point / lock lost), prunes, SIGKILLs, SIGSTOPs,
// whether the skewed and PID-namespace hosts ran, and how the stale-suspended creates ended.
// With SNAP_S3_ENDPOINT, AWS_* credentials and S3_BUCKET set (test/s3/with-rgw.sh), the same runs
// against S3.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, diffTrees, Sandbox, snapshotTree, type TreeFact } from './helpers.js';

const RUN_MS = 60_000;
const HOSTS = 4;
const KILL_EVERY_MS = 3500;
/** Short, so deletions happen during the run; above the 2 s minimum commit margin. */
const GRACE_S = 5;
const LOCK_REFRESH = '1s';
const LOCK_STALE_MS = 4000;
/** A suspension longer than the stale time, so the stopped create's lock is judged stale meanwhile. */
const STOP_MS = LOCK_STALE_MS + 2000;
const SKEW = '+1h';
const SKEW_MS = 3_600_000;
const canUnshare = spawnSync('unshare', ['--pid', '--fork', '--mount-proc', 'true']).status === 0;

/** The environment that puts a process an hour ahead, when libfaketime is installed and works on Node. */
function skewEnv(): Record<string, string> | undefined {
  const libs = ['x86_64-linux-gnu', 'aarch64-linux-gnu', ''].flatMap((a) =>
    ['libfaketimeMT.so.1', 'libfaketime.so.1'].map((f) => path.join('/usr/lib', a, 'faketime', f)));
  const lib = libs.find((l) => existsSync(l));
  if (!lib) return undefined;
  // Only the wall clock moves: timers and performance.now() (the monotonic clock) stay true.
  const env = { LD_PRELOAD: lib, FAKETIME: SKEW, FAKETIME_DONT_FAKE_MONOTONIC: '1' };
  const probe = spawnSync(process.execPath, ['-e', 'console.log(Date.now())'], { env: { ...process.env, ...env }, encoding: 'utf8' });
  const offset = Number(probe.stdout.trim()) - Date.now();
  return Math.abs(offset - SKEW_MS) < 60_000 ? env : undefined;
}
const skew = skewEnv();

interface Saved { id: string; host: number; tree: Map<string, TreeFact> }
interface Counters {
  creates: number; saved: number; refused: number; lockLost: number; prunes: number; skewedPrunes: number; instant: number;
  kills: number; stops: number; staleFailed: number; staleSaved: number; rollbackWarnings: number; pruneStopped: number;
}
interface Outcome { code: number | null; signal: string | null; out: string; err: string }

const sandboxes: Sandbox[] = [];
afterAll(() => {
  for (const sb of sandboxes) sb.cleanup();
});

function backends(): Array<{ name: string; repo?: string }> {
  const list: Array<{ name: string; repo?: string }> = [{ name: 'local' }];
  const e = process.env;
  if (e.SNAP_S3_ENDPOINT && e.S3_BUCKET && e.AWS_ACCESS_KEY_ID) list.push({ name: 's3', repo: `s3://${e.S3_BUCKET}/torture-${randomBytes(6).toString('hex')}` });
  return list;
}

/** Change a host's tree a little: rewrite one file, add one, sometimes remove one. */
function mutate(dir: string, round: number): void {
  writeFileSync(path.join(dir, `f${round % 4}`), randomBytes(30_000 + (round % 7) * 9_000));
  writeFileSync(path.join(dir, `n${round}`), randomBytes(20_000));
  if (round > 2) rmSync(path.join(dir, `n${round - 3}`), { force: true });
}

/** Warnings on stderr; rollback warnings are counted (see the summary), the rest is the error. */
const errorLines = (r: Outcome): string[] => r.err.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('warning: '));
const rollbackWarnings = (r: Outcome): number => r.err.split('\n').filter((l) => /^warning: .*rolled back or deleted behind/.test(l)).length;
/** A clean failure: exit 1 and one error line on stderr. */
const oneLine = (r: Outcome): boolean => r.code === 1 && errorLines(r).length === 1;
const wasKilled = (r: Outcome): boolean => r.signal === 'SIGKILL' || r.code === 137;
const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms));

if (!skew) console.log('torture: libfaketime not installed or not effective on Node: the skewed-clock host runs on the true clock (apt-get install faketime)');

for (const backend of backends()) {
  describe(`torture (${backend.name})`, () => {
    it(`hosts back up while forget, prune, SIGSTOP and SIGKILL run (slow: ~${Math.round(RUN_MS / 1000) + 30} s)`, async () => {
      const sb = new Sandbox();
      sandboxes.push(sb);
      if (backend.repo) sb.env.SNAP_REPO = backend.repo;
      sb.env.SNAP_LOCK_REFRESH = LOCK_REFRESH;
      sb.env.SNAP_LOCK_STALE = `${LOCK_STALE_MS}ms`;
      sb.init(['--pack-size', String(64 * 1024), '--chunk-size', '4096,16384,65536']);
      const shared = randomBytes(200_000); // the same file on every host: cross-host dedup
      const dirs = Array.from({ length: HOSTS }, (_, h) => {
        const d = sb.path(`host${h}`, 'data');
        mkdirSync(d, { recursive: true });
        writeFileSync(path.join(d, 'shared'), shared);
        return d;
      });
      const live = new Set<ChildProcess>();
      const stopped = new Set<ChildProcess>();
      const saved: Saved[] = [];
      const n: Counters = { creates: 0, saved: 0, refused: 0, lockLost: 0, prunes: 0, skewedPrunes: 0, instant: 0, kills: 0, stops: 0, staleFailed: 0, staleSaved: 0, rollbackWarnings: 0, pruneStopped: 0 };
      const unexpected: string[] = [];
      const deadline = Date.now() + RUN_MS;

      const run = (args: string[], env: Record<string, string>, wrap: string[] = [], onSpawn?: (c: ChildProcess) => void): Promise<Outcome> =>
        new Promise((resolve) => {
          const cmd = wrap.length ? wrap[0]! : process.execPath;
          const argv = wrap.length ? [...wrap.slice(1), process.execPath, BIN, ...args] : [BIN, ...args];
          const child = spawn(cmd, argv, { env: { ...sb.baseEnv(), ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
          live.add(child);
          let out = '';
          let err = '';
          child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
          child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
          child.on('exit', (code, signal) => {
            live.delete(child);
            n.rollbackWarnings += rollbackWarnings({ code, signal, out, err });
            resolve({ code, signal, out, err });
          });
          onSpawn?.(child);
        });

      // How long host2's creates take when left alone: a suspension lands inside the locked part of a
      // create (after start-up, before the end) rather than before it took its lock.
      let typicalCreateMs = 800;
      /** SIGSTOP a create partway through (holding its lock, mostly) for longer than the stale time. */
      const suspend = (c: ChildProcess, marked: Set<ChildProcess>): void => {
        setTimeout(() => {
          if (!live.has(c) || Date.now() >= deadline) return;
          n.stops++;
          marked.add(c);
          stopped.add(c);
          c.kill('SIGSTOP');
          setTimeout(() => {
            stopped.delete(c);
            c.kill('SIGCONT');
          }, STOP_MS);
        }, typicalCreateMs * (0.4 + Math.random() * 0.5));
      };

      const hostLoop = async (h: number): Promise<void> => {
        const env: Record<string, string> = { SNAP_CACHE_DIR: sb.path(`host${h}`, 'cache'), ...(h === 3 && skew ? skew : {}) };
        // The PID-namespace host: killing `unshare` kills the namespace, and the create with it.
        const wrap = h === 1 && canUnshare ? ['unshare', '--pid', '--fork', '--mount-proc', '--kill-child'] : [];
        for (let round = 0; Date.now() < deadline; round++) {
          mutate(dirs[h]!, round);
          const tree = snapshotTree(dirs[h]!);
          n.creates++;
          const suspended = new Set<ChildProcess>();
          const onSpawn = h === 2 && round % 2 === 1 ? (c: ChildProcess) => suspend(c, suspended) : undefined;
          const began = Date.now();
          const r = await run(['create', dirs[h]!, '--host', `host${h}`, '--json'], env, wrap, onSpawn);
          if (h === 2 && !onSpawn && r.code === 0) typicalCreateMs = (typicalCreateMs + Date.now() - began) / 2;
          const stale = suspended.size > 0 && !wasKilled(r);
          if (r.code === 0) {
            n.saved++;
            if (stale) n.staleSaved++;
            saved.push({ id: (JSON.parse(r.out) as { snapshot_id: string }).snapshot_id, host: h, tree });
          } else if (stale && oneLine(r) && !/snapshot_id/.test(r.out)) n.staleFailed++;
          else if (oneLine(r) && /no snapshot was written/.test(r.err)) n.refused++;
          // Any host may miss a 1 s refresh on a loaded machine: losing the lock then is a clean failure.
          else if (oneLine(r) && /lock .* (could not be refreshed in time|was removed)/.test(r.err)) n.lockLost++;
          else if (!wasKilled(r) && r.code !== 11) unexpected.push(`create host${h}${stale ? ' (suspended)' : ''}: exit ${r.code} ${r.signal}: ${r.err.trim()}`);
        }
      };

      const maintenanceLoop = async (): Promise<void> => {
        const env = { SNAP_CACHE_DIR: sb.path('maint-cache') };
        for (let i = 0; Date.now() < deadline; i++) {
          const instant = i % 3 === 2;
          const skewed = !instant && i % 2 === 1 && skew !== undefined;
          const args = instant ? ['prune', '--instant-delete', '--keep-last', '2', '--json'] : ['prune', '--grace', `${GRACE_S}s`, '--keep-last', '2', '--json'];
          const r = await run(args, skewed ? { ...env, ...skew } : env);
          if (r.code === 0) {
            if (instant) n.instant++;
            else if (skewed) n.skewedPrunes++;
            else n.prunes++;
          } else if (oneLine(r) && /lock .* (could not be refreshed in time|was removed)/.test(r.err)) n.lockLost++;
          // A record a create stores and then takes back (its commit check failed after the write)
          // may name data already gone: a prune listing it then stops before deleting anything.
          else if (oneLine(r) && /is not in the index \(missing data\)/.test(r.err)) n.pruneStopped++;
          else if (!wasKilled(r) && r.code !== 11) unexpected.push(`${args.join(' ')}${skewed ? ' (skewed)' : ''}: exit ${r.code} ${r.signal}: ${r.err.trim()}`);
          await sleep(300);
        }
      };

      const chaos = async (): Promise<void> => {
        while (Date.now() < deadline) {
          await sleep(KILL_EVERY_MS * (0.5 + Math.random()));
          // A stopped create is left to its suspension: it is there to come back after the stale time.
          const victims = [...live].filter((c) => !stopped.has(c));
          if (victims.length === 0) continue;
          // Maintenance runs longest: kill it half as often as a create, or it rarely finishes.
          const weighted = victims.flatMap((c) => (c.spawnargs.includes('prune') ? [c] : [c, c]));
          n.kills++;
          weighted[Math.floor(Math.random() * weighted.length)]!.kill('SIGKILL');
        }
      };

      await Promise.all([...dirs.map((_, h) => hostLoop(h)), maintenanceLoop(), chaos()]);
      console.log(
        `torture (${backend.name}): ${n.creates} creates (${n.saved} saved, ${n.refused} refused at the commit point, ${n.lockLost} lost their lock), ` +
          `${n.prunes + n.skewedPrunes} two-phase prunes (${n.skewedPrunes} on the skewed clock), ${n.instant} instant prunes, ${n.pruneStopped} prunes stopped by a withdrawn record, ` +
          `${n.kills} SIGKILLs, ${n.stops} SIGSTOPs past the stale time (${n.staleFailed} failed cleanly, ${n.staleSaved} saved); ` +
          `skewed host (${SKEW}): ${skew ? 'yes' : 'no (libfaketime unavailable)'}; PID namespace host: ${canUnshare ? 'yes' : 'no (unshare unavailable)'}; ` +
          `${n.rollbackWarnings} rollback warnings (false: index files a prune removed, judged by log names, i.e. writers' clocks)`,
      );
      // Checked first: when an operation failed unexpectedly, whether the repository is sound says what kind of failure it was.
      const check = sb.run(['check', '--read-data']);
      expect(unexpected, `unexpected outcomes:\n${unexpected.join('\n')}\ncheck --read-data: exit ${check.code}\n${check.stdout}${check.stderr}`).toEqual([]);
      expect(check.code, check.stdout + check.stderr).toBe(0);
      expect(n.saved).toBeGreaterThan(0);
      expect(n.kills).toBeGreaterThan(0);
      expect(n.staleFailed + n.staleSaved).toBeGreaterThan(0);
      if (skew) expect(saved.some((s) => s.host === 3)).toBe(true);
      const listed = new Set(sb.json<Array<{ id: string }>>(['list']).map((s) => s.id));
      const kept = saved.filter((s) => listed.has(s.id));
      expect(kept.length).toBeGreaterThan(0);
      for (const s of kept) {
        const target = sb.path(`restore-${s.id.slice(0, 8)}`);
        sb.ok(['restore', `${s.id}:${dirs[s.host]}`, target]);
        expect(diffTrees(s.tree, snapshotTree(target)), `snapshot ${s.id.slice(0, 8)} of host${s.host}`).toEqual([]);
        rmSync(target, { recursive: true, force: true });
      }
    }, RUN_MS + 240_000);
  });
}
