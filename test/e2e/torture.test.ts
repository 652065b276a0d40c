// Concurrency torture (slow: ~90 s per backend). Several simulated hosts back up changing trees in
// loops, each with its own cache folder and hostname: one in its own PID namespace (unshare, where
// available: its lock's pid means nothing outside), one that is suspended (SIGSTOP) now and then.
// Beside them a maintenance loop runs forget + two-phase prune (short grace, so deletions happen
// during the run) and now and then an --instant-delete prune, and random SIGKILLs hit every
// process. Afterwards `check --read-data` is clean and every snapshot a create reported as saved
// (exit 0) and no forget removed restores bit-identical.
//
// Not simulated: a clock skewed by an hour (the CLI has no clock setting; with two-phase prune the
// storage's clock counts, so a host clock does not enter the grace period) and a suspension past
// the 30-minute lock stale time (not a setting yet; the PID-namespace host is the lock judged dead).
// With SNAP_S3_ENDPOINT, AWS_* credentials and S3_BUCKET set, the same runs against S3.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, diffTrees, Sandbox, snapshotTree, type TreeFact } from './helpers.js';

const RUN_MS = 60_000;
const HOSTS = 3;
const KILL_EVERY_MS = 3500;
const STOP_MS = 3000;
const canUnshare = spawnSync('unshare', ['--pid', '--fork', '--mount-proc', 'true']).status === 0;

interface Saved { id: string; host: number; tree: Map<string, TreeFact> }
interface Counters { creates: number; saved: number; refused: number; prunes: number; instant: number; kills: number; stops: number }

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

for (const backend of backends()) {
  describe(`torture (${backend.name})`, () => {
    it(`hosts back up while forget, prune and SIGKILL run (slow: ~${Math.round(RUN_MS / 1000) + 30} s)`, async () => {
      const sb = new Sandbox();
      sandboxes.push(sb);
      if (backend.repo) sb.env.SNAP_REPO = backend.repo;
      sb.init(['--pack-size', String(64 * 1024), '--chunk-size', '4096,16384,65536']);
      const shared = randomBytes(200_000); // the same file on every host: cross-host dedup
      const dirs = Array.from({ length: HOSTS }, (_, h) => {
        const d = sb.path(`host${h}`, 'data');
        mkdirSync(d, { recursive: true });
        writeFileSync(path.join(d, 'shared'), shared);
        return d;
      });
      const live = new Set<ChildProcess>();
      const stoppable = new Set<ChildProcess>();
      const saved: Saved[] = [];
      const n: Counters = { creates: 0, saved: 0, refused: 0, prunes: 0, instant: 0, kills: 0, stops: 0 };
      const unexpected: string[] = [];
      const deadline = Date.now() + RUN_MS;

      const run = (args: string[], env: Record<string, string>, wrap: string[] = []): Promise<{ code: number | null; signal: string | null; out: string; err: string }> =>
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
            stoppable.delete(child);
            resolve({ code, signal, out, err });
          });
          if (env.TORTURE_STOPPABLE) stoppable.add(child);
        });

      const hostLoop = async (h: number): Promise<void> => {
        const env: Record<string, string> = { SNAP_CACHE_DIR: sb.path(`host${h}`, 'cache'), ...(h === 2 ? { TORTURE_STOPPABLE: '1' } : {}) };
        // The PID-namespace host: killing `unshare` kills the namespace, and the create with it.
        const wrap = h === 1 && canUnshare ? ['unshare', '--pid', '--fork', '--mount-proc', '--kill-child'] : [];
        for (let round = 0; Date.now() < deadline; round++) {
          mutate(dirs[h]!, round);
          const tree = snapshotTree(dirs[h]!);
          n.creates++;
          const r = await run(['create', dirs[h]!, '--host', `host${h}`, '--json'], env, wrap);
          if (r.code === 0) {
            n.saved++;
            saved.push({ id: (JSON.parse(r.out) as { snapshot_id: string }).snapshot_id, host: h, tree });
          } else if (r.code === 1 && /no snapshot was written/.test(r.err)) n.refused++;
          else if (r.signal !== 'SIGKILL' && r.code !== 137 && r.code !== 11) unexpected.push(`create host${h}: exit ${r.code} ${r.signal}: ${r.err.trim()}`);
        }
      };

      const maintenanceLoop = async (): Promise<void> => {
        const env = { SNAP_CACHE_DIR: sb.path('maint-cache') };
        for (let i = 0; Date.now() < deadline; i++) {
          const instant = i % 3 === 2;
          const args = instant ? ['prune', '--instant-delete', '--keep-last', '2', '--json'] : ['prune', '--grace', '3s', '--keep-last', '2', '--json'];
          const r = await run(args, env);
          if (r.code === 0) {
            if (instant) n.instant++;
            else n.prunes++;
          } else if (r.signal !== 'SIGKILL' && r.code !== 11) unexpected.push(`${args.join(' ')}: exit ${r.code} ${r.signal}: ${r.err.trim()}`);
          await new Promise((res) => setTimeout(res, 300));
        }
      };

      const chaos = async (): Promise<void> => {
        while (Date.now() < deadline) {
          await new Promise((res) => setTimeout(res, KILL_EVERY_MS * (0.5 + Math.random())));
          const victims = [...live];
          if (victims.length === 0) continue;
          // Maintenance runs longest: kill it half as often as a create, or it rarely finishes.
          const weighted = victims.flatMap((c) => (c.spawnargs.includes('prune') ? [c] : [c, c]));
          const v = weighted[Math.floor(Math.random() * weighted.length)]!;
          if (stoppable.has(v) && Math.random() < 0.5) {
            n.stops++;
            v.kill('SIGSTOP');
            setTimeout(() => v.kill('SIGCONT'), STOP_MS);
          } else {
            n.kills++;
            v.kill('SIGKILL');
          }
        }
      };

      await Promise.all([...dirs.map((_, h) => hostLoop(h)), maintenanceLoop(), chaos()]);
      for (const c of live) c.kill('SIGCONT');
      console.log(
        `torture (${backend.name}): ${n.creates} creates (${n.saved} saved, ${n.refused} refused at the commit point), ` +
          `${n.prunes} two-phase prunes, ${n.instant} instant prunes, ${n.kills} SIGKILLs, ${n.stops} SIGSTOPs; ` +
          `PID namespace host: ${canUnshare ? 'yes' : 'no (unshare unavailable)'}`,
      );
      expect(unexpected).toEqual([]);
      expect(n.saved).toBeGreaterThan(0);
      expect(n.kills).toBeGreaterThan(0);

      const check = sb.run(['check', '--read-data']);
      expect(check.code, check.stdout + check.stderr).toBe(0);
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
