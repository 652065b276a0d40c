// The crash tests' interface to the program, read from the environment once at start-up (the core
// reads none: repository/crashPoint.ts and backend/local.ts only offer the seams):
//  - SNAP_CRASH_AT=<name>:<n>: the process kills itself with SIGKILL the n-th time crash point
//    <name> is reached: no cleanup runs, no lock is released, exactly like a power cut or `kill -9`;
//  - SNAP_PAUSE_AT=<name>:<ms>: sleep at pause point <name> (first visit only), so a test can act on
//    the repository while a command is in the middle of its work (e.g. remove its lock);
//    SNAP_PAUSE_RELEASE=<file>: stop sleeping early once that file exists;
//  - SNAP_FAULT_DIR_FSYNC=<errno>: every directory fsync fails with that errno.

import { existsSync } from 'node:fs';
import { setDirFsyncFault } from '../backend/local.js';
import { setFaultHooks } from '../repository/crashPoint.js';

const PAUSE_POLL_MS = 50;

function parseSpec(spec: string | undefined): { name: string; n: number } | undefined {
  if (!spec) return undefined;
  const i = spec.lastIndexOf(':');
  const name = i < 0 ? spec : spec.slice(0, i);
  const n = i < 0 ? 1 : Number(spec.slice(i + 1));
  return Number.isInteger(n) && n > 0 ? { name, n } : undefined;
}

export function installFaultHooks(env: NodeJS.ProcessEnv): void {
  const crashAt = parseSpec(env.SNAP_CRASH_AT);
  const pauseAt = parseSpec(env.SNAP_PAUSE_AT);
  const release = env.SNAP_PAUSE_RELEASE;
  setDirFsyncFault(env.SNAP_FAULT_DIR_FSYNC || undefined);
  if (!crashAt && !pauseAt) return;
  let crashVisits = 0;
  let paused = false;
  setFaultHooks({
    crash: (name) => {
      if (!crashAt || name !== crashAt.name) return;
      if (++crashVisits === crashAt.n) process.kill(process.pid, 'SIGKILL');
    },
    pause: async (name) => {
      if (!pauseAt || name !== pauseAt.name || paused) return;
      paused = true;
      // Tests wait for this line before acting on the repository.
      process.stderr.write(`snap: paused at ${name} for ${pauseAt.n} ms (SNAP_PAUSE_AT)\n`);
      const until = Date.now() + pauseAt.n;
      while (Date.now() < until) {
        if (release && existsSync(release)) return;
        await new Promise((resolve) => setTimeout(resolve, release ? Math.min(PAUSE_POLL_MS, until - Date.now()) : until - Date.now()));
      }
    },
  });
}
