// Helpers shared by the lock tests: a lock-holding child process, waiting for output and exits,
// and writing a lock object by hand (as another host, or another clock, would have written it).

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Sandbox } from './helpers.js';

export const DIST = fileURLToPath(new URL('../../dist', import.meta.url));

/** A process that opens the repository, takes a lock, prints "locked", and holds it until SIGTERM or HOLD_MS. */
const HOLDER = `
const { openRepository } = await import(process.env.DIST + '/repository/openRepository.js');
const repo = await openRepository({ location: process.env.SNAP_REPO, password: async () => Buffer.from(process.env.SNAP_PASSWORD), cacheDir: process.env.SNAP_CACHE_DIR });
const lock = await repo.lock(process.env.EXCLUSIVE === '1');
process.stdout.write('locked\\n');
const end = async () => { await lock.release(); await repo.close(); process.exit(0); };
process.on('SIGTERM', end);
setTimeout(end, Number(process.env.HOLD_MS));
`;

/** Seal RECORD (JSON) as a lock object named locks/NAME. */
const WRITER = `
const { openRepository } = await import(process.env.DIST + '/repository/openRepository.js');
const repo = await openRepository({ location: process.env.SNAP_REPO, password: async () => Buffer.from(process.env.SNAP_PASSWORD), cacheDir: process.env.SNAP_CACHE_DIR });
await repo.backend.put('locks/' + process.env.NAME, repo.crypt.seal('lock', Buffer.from(process.env.RECORD)));
await repo.close();
`;

export async function waitFor(what: string, cond: () => boolean, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function collectOutput(c: ChildProcess): { stdout: string; stderr: string } {
  const out = { stdout: '', stderr: '' };
  c.stdout?.on('data', (d: Buffer) => (out.stdout += d.toString()));
  c.stderr?.on('data', (d: Buffer) => (out.stderr += d.toString()));
  return out;
}

export const exited = (c: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> =>
  c.exitCode !== null || c.signalCode !== null
    ? Promise.resolve({ code: c.exitCode, signal: c.signalCode })
    : new Promise((resolve) => c.once('exit', (code, signal) => resolve({ code, signal })));

export async function holdLock(sb: Sandbox, exclusive: boolean, holdMs: number, children: ChildProcess[]): Promise<ChildProcess> {
  const c = spawn(process.execPath, ['--input-type=module', '-e', HOLDER], {
    env: { ...sb.baseEnv(), DIST, EXCLUSIVE: exclusive ? '1' : '0', HOLD_MS: String(holdMs) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(c);
  const out = collectOutput(c);
  await waitFor('the holder to take its lock', () => out.stdout.includes('locked') || c.exitCode !== null);
  if (!out.stdout.includes('locked')) throw new Error(`lock holder failed: ${out.stderr}`);
  return c;
}

/** Write a lock object with the given plaintext (a record, or garbage) under locks/<name>. */
export function writeLock(sb: Sandbox, name: string, plaintext: string): void {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', WRITER], { env: { ...sb.baseEnv(), DIST, NAME: name, RECORD: plaintext } });
  if (r.status !== 0) throw new Error(`writing lock failed: ${r.stderr}`);
}

export const locks = (sb: Sandbox): string[] => {
  try {
    // Not the temp file of a lock still being written (a process killed right then leaves it behind).
    return readdirSync(path.join(sb.repo, 'locks')).filter((n) => !n.startsWith('.tmp-'));
  } catch {
    return [];
  }
};
