// Fault injection for crash tests. Destructive and multi-step operations call crashPoint(name)
// right after each step that an invariant orders (a pack written, an index written, an old index
// or pack deleted). With SNAP_CRASH_AT=<name>:<n> the process kills itself with SIGKILL the n-th
// time that point is reached: no cleanup runs, no lock is released, exactly like a power cut or
// `kill -9`. SNAP_PAUSE_AT=<name>:<ms> sleeps there instead (lets a test act on the repository
// while a command is in the middle of its work, e.g. remove its lock). Unset, both cost one Map
// lookup per call.

import { existsSync } from 'node:fs';

const reached = new Map<string, number>();
const PAUSE_POLL_MS = 50;

function parseSpec(spec: string | undefined): { name: string; n: number } | undefined {
  if (!spec) return undefined;
  const i = spec.lastIndexOf(':');
  const name = i < 0 ? spec : spec.slice(0, i);
  const n = i < 0 ? 1 : Number(spec.slice(i + 1));
  return Number.isInteger(n) && n > 0 ? { name, n } : undefined;
}

/** Kill the process here if SNAP_CRASH_AT names this point and this is its n-th visit. */
export function crashPoint(name: string): void {
  const spec = parseSpec(process.env.SNAP_CRASH_AT);
  if (!spec || spec.name !== name) return;
  const count = (reached.get(name) ?? 0) + 1;
  reached.set(name, count);
  if (count === spec.n) process.kill(process.pid, 'SIGKILL');
}

/** Wait here for SNAP_PAUSE_AT=<name>:<ms> milliseconds (first visit only). */
export async function pausePoint(name: string): Promise<void> {
  const spec = parseSpec(process.env.SNAP_PAUSE_AT);
  if (!spec || spec.name !== name || reached.has(`pause:${name}`)) return;
  reached.set(`pause:${name}`, 1);
  // Tests wait for this line before acting on the repository.
  process.stderr.write(`snap: paused at ${name} for ${spec.n} ms (SNAP_PAUSE_AT)\n`);
  // SNAP_PAUSE_RELEASE=<file>: stop waiting early once that file exists (tests that act on the
  // repository meanwhile release the command when done, however slow the machine).
  const release = process.env.SNAP_PAUSE_RELEASE;
  const until = Date.now() + spec.n;
  while (Date.now() < until) {
    if (release && existsSync(release)) return;
    await new Promise((resolve) => setTimeout(resolve, release ? Math.min(PAUSE_POLL_MS, until - Date.now()) : until - Date.now()));
  }
}
