// SIGINT and SIGTERM in the middle of create, restore, check --read-data and prune: each command
// stops promptly with exit 130 and "snap: interrupted", releases its lock, and leaves a repository
// that checks clean and in which every earlier snapshot restores byte for byte (CLI.md, exit 130).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { diffTrees, Sandbox, snapshotTree } from './helpers.js';

/** A command that stops later than this after the signal does not "stop promptly" (2 busy cores included). */
const STOP_WITHIN_MS = 5_000;
const MiB = 1024 * 1024;

interface Interrupted {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** From the signal to the exit; undefined when the command ended before it was signalled. */
  stopMs?: number;
}

function filesUnder(dir: string): string[] {
  try {
    return readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
  } catch {
    return []; // not made yet
  }
}

/** Pack files under data/ (a staged pack, still being filled, has a temporary name). */
const packsUnder = (dir: string) => filesUnder(dir).filter((f) => /^[0-9a-f]{64}$/.test(path.basename(f)));

const bytesUnder = (dir: string) => filesUnder(dir).reduce((n, f) => n + (statSync(f, { throwIfNoEntry: false })?.size ?? 0), 0);

describe('interrupting long commands (SIGINT, SIGTERM)', () => {
  const sb = new Sandbox();
  const base = sb.path('base');
  const big = sb.path('big');
  const locks = path.join(sb.repo, 'locks');
  const snapshotIds = () => readdirSync(path.join(sb.repo, 'snapshots')).sort();
  let first: string;
  let full: string;

  /** Start snap, send `signal` once `ready()` holds, and wait for the exit. */
  function interrupt(args: string[], signal: NodeJS.Signals, ready: (stderr: string) => boolean, env: Record<string, string> = {}): Promise<Interrupted> {
    return new Promise((resolve, reject) => {
      const child = sb.spawn(args, env);
      let stdout = '';
      let stderr = '';
      let sentAt: number | undefined;
      child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
      child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
      const poll = setInterval(() => {
        if (sentAt === undefined && ready(stderr)) {
          sentAt = Date.now();
          child.kill(signal);
        }
      }, 10);
      child.on('error', reject);
      child.on('close', (code, sig) => {
        clearInterval(poll);
        resolve({ code, signal: sig, stdout, stderr, stopMs: sentAt === undefined ? undefined : Date.now() - sentAt });
      });
    });
  }

  /** Exit 130 soon after the signal, one line on stderr, no lock left, and a repository that checks clean. */
  function expectCleanStop(r: Interrupted, what: string): void {
    expect(r.stopMs, `${what} ended before it was signalled: ${r.stderr}`).toBeDefined();
    expect(r.code, `${what}: ${r.stderr}`).toBe(130);
    expect(r.stopMs!, what).toBeLessThan(STOP_WITHIN_MS);
    expect(r.stderr.trimEnd().split('\n').pop(), what).toBe('snap: interrupted');
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(readdirSync(locks), `${what} left its lock`).toEqual([]);
    const data = path.join(sb.repo, 'data');
    expect(filesUnder(data).length - packsUnder(data).length, `${what} left staged packs: ${filesUnder(data).join(' ')}`).toBe(0);
    const check = sb.run(['check', '--json']);
    expect(check.code, `check after ${what}: ${check.stdout}`).toBe(0);
    expect(JSON.parse(check.stdout)).toMatchObject({ ok: true, errors: [] });
  }

  /** Every snapshot named restores to exactly its source tree. */
  function expectRestorable(snapshots: Array<[string, string]>, tag: string): void {
    for (const [id, source] of snapshots) {
      const out = sb.path(`verify-${tag}-${id.slice(0, 8)}`);
      sb.ok(['restore', id, out]);
      expect(diffTrees(snapshotTree(source), snapshotTree(path.join(out, source))), `${id} after ${tag}`).toEqual([]);
      rmSync(out, { recursive: true, force: true });
    }
  }

  beforeAll(() => {
    sb.init();
    mkdirSync(path.join(base, 'docs'), { recursive: true });
    for (let i = 0; i < 20; i++) writeFileSync(path.join(base, i % 2 ? 'docs' : '', `f${i}.dat`), randomBytes(50_000 + i));
    first = sb.json(['create', base]).snapshot_id;
    // ~300 MB of incompressible data: every long step takes seconds, not milliseconds.
    mkdirSync(big);
    for (let i = 0; i < 12; i++) writeFileSync(path.join(big, `part-${String(i).padStart(2, '0')}.bin`), randomBytes(25 * MiB));
  }, 300_000);
  afterAll(() => sb.cleanup());

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`create: ${signal} while packs are being written; no snapshot, no lock, repository clean`, async () => {
      const before = snapshotIds();
      const packsBefore = packsUnder(path.join(sb.repo, 'data')).length;
      // With --json (SIGTERM run) stdout holds only the error document.
      const json = signal === 'SIGTERM' ? ['--json'] : [];
      const r = await interrupt(['create', big, ...json], signal, () => packsUnder(path.join(sb.repo, 'data')).length > packsBefore);
      expectCleanStop(r, `create (${signal})`);
      if (json.length) expect(JSON.parse(r.stdout)).toEqual({ error: { code: 'interrupted', exit_code: 130, message: 'interrupted' } });
      else expect(r.stdout).toBe('');
      expect(snapshotIds()).toEqual(before);
      expectRestorable([[first, base]], `create-${signal}`);
    }, 300_000);
  }

  it('after the interrupted runs, create completes', () => {
    const doc = sb.json(['create', big]);
    expect(doc.files_new).toBe(12);
    full = doc.snapshot_id;
  }, 300_000);

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`restore: ${signal} while files are being written; no lock, repository clean`, async () => {
      const target = sb.path(`restore-${signal}`);
      const json = signal === 'SIGTERM' ? ['--json'] : [];
      const r = await interrupt(['restore', full, target, ...json], signal, () => bytesUnder(target) > 20 * MiB);
      expectCleanStop(r, `restore (${signal})`);
      if (json.length) expect(JSON.parse(r.stdout)).toEqual({ error: { code: 'interrupted', exit_code: 130, message: 'interrupted' } });
      else expect(r.stdout).toBe('');
      expect(bytesUnder(target)).toBeLessThan(300 * MiB);
    }, 300_000);
  }

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`check --read-data: ${signal} while packs are being read; no lock`, async () => {
      let lockSeen: number | undefined;
      const r = await interrupt(['check', '--read-data'], signal, () => {
        if (lockSeen === undefined && readdirSync(locks).length > 0) lockSeen = Date.now();
        return lockSeen !== undefined && Date.now() - lockSeen > 100;
      });
      expectCleanStop(r, `check --read-data (${signal})`);
    }, 300_000);
  }

  it('every snapshot made so far restores', () => {
    expectRestorable([[first, base], [full, big]], 'restore-and-check');
  }, 300_000);

  it('prune: SIGINT while repacking, SIGTERM at the start; both stop clean, the next prune completes', async () => {
    full ??= sb.json(['create', big]).snapshot_id; // when run alone (-t prune)
    // Half of the big files go: the packs of the full snapshot are then partly used (repacked).
    for (let i = 0; i < 12; i += 2) rmSync(path.join(big, `part-${String(i).padStart(2, '0')}.bin`));
    const half = sb.json(['create', big]).snapshot_id as string;
    const pause = { SNAP_PAUSE_AT: 'prune-start:1' };
    const started = (stderr: string) => stderr.includes('paused at prune-start');

    // The policy removes `full` first (forget), then the data goes: interrupted 0.2 s into repacking.
    let startedAt: number | undefined;
    const a = await interrupt(['prune', '--instant-delete', '--keep-last', '1', '--max-unused', '0'], 'SIGINT', (stderr) => {
      if (startedAt === undefined && started(stderr)) startedAt = Date.now();
      return startedAt !== undefined && Date.now() - startedAt > 200;
    }, pause);
    expectCleanStop(a, 'prune (SIGINT)');
    expect(snapshotIds()).toEqual([first, half].sort());
    expectRestorable([[first, base], [half, big]], 'prune-SIGINT');

    const b = await interrupt(['prune', '--instant-delete', '--max-unused', '0'], 'SIGTERM', started, pause);
    expectCleanStop(b, 'prune (SIGTERM)');
    expectRestorable([[first, base], [half, big]], 'prune-SIGTERM');

    const done = sb.json(['prune', '--instant-delete', '--max-unused', '0']);
    expect(done.dry_run).toBe(false);
    expect(done.bytes_freed).toBeGreaterThan(100 * MiB);
    const check = sb.run(['check', '--read-data', '--json']);
    expect(check.code, check.stdout).toBe(0);
    expect(JSON.parse(check.stdout).ok).toBe(true);
    expectRestorable([[first, base], [half, big]], 'prune-done');
  }, 600_000);
});
