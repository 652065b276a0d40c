// Repository locks across processes (DESIGN.md "Locks"): an exclusive holder makes prune exit 11
// naming it, --retry-lock waits it out, a lock left by a killed process is stale and `unlock`
// removes it (and only it), two backups run side by side, and a command whose lock is removed
// while it works stops with an error before deleting anything.

import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { diffTrees, Sandbox, snapshotTree } from './helpers.js';
import { collectOutput, exited, holdLock as holdLockWith, locks, waitFor } from './lockHelpers.js';

const sandboxes: Sandbox[] = [];
const children: ChildProcess[] = [];

function sandbox(): Sandbox {
  const sb = new Sandbox();
  sandboxes.push(sb);
  sb.init();
  return sb;
}

afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const sb of sandboxes.splice(0)) sb.cleanup();
});

const holdLock = (sb: Sandbox, exclusive: boolean, holdMs: number) => holdLockWith(sb, exclusive, holdMs, children);

/** Every file of the repository except locks, with its size. */
function repoFiles(sb: Sandbox): string[] {
  return (readdirSync(sb.repo, { recursive: true, withFileTypes: true }) as import('node:fs').Dirent[])
    .filter((e) => e.isFile() && !e.parentPath.includes(`${path.sep}locks`))
    .map((e) => `${path.relative(sb.repo, path.join(e.parentPath, e.name))}:${statSync(path.join(e.parentPath, e.name)).size}`)
    .sort();
}

describe('locks', () => {
  it('prune exits 11 naming the holder of an exclusive lock; with --retry-lock it waits and succeeds', async () => {
    const sb = sandbox();
    writeFileSync(sb.path('f'), randomBytes(100_000));
    sb.ok(['create', sb.path('f')]);

    const holder = await holdLock(sb, true, 60_000);
    const r = sb.run(['prune', '--instant-delete', '--json']);
    expect(r.code).toBe(11);
    expect(r.stderr).toContain(`pid ${holder.pid}`);
    expect(r.stderr).toContain(`on ${os.hostname()}`);
    expect(JSON.parse(r.stdout).error).toMatchObject({ code: 'repository_locked', exit_code: 11 });
    // A shared-lock command is also kept out by an exclusive holder; forget like prune.
    expect(sb.run(['list']).code).toBe(11);
    expect(sb.run(['forget', '--keep-last', '1']).code).toBe(11);
    holder.kill('SIGTERM');
    await exited(holder);
    expect(locks(sb)).toEqual([]);

    const brief = await holdLock(sb, true, 1_500);
    const started = Date.now();
    const waited = sb.run(['prune', '--instant-delete', '--json', '--retry-lock', '5s']);
    expect(waited.code, waited.stderr).toBe(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(800);
    expect(JSON.parse(waited.stdout).dry_run).toBe(false);
    await exited(brief);
  });

  it('unlock removes the stale lock of a killed create, and only stale locks unless --remove-all', async () => {
    const sb = sandbox();
    const create = spawn(process.execPath, [fileURLToPath(new URL('../../bin/snap.js', import.meta.url)), 'create', '--stdin', '--stdin-filename', 'big'], {
      env: sb.baseEnv(),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    children.push(create);
    create.stdin!.on('error', () => undefined); // the write may still be in flight when the process is killed
    create.stdin!.write(randomBytes(1 << 20));
    await waitFor('the create to take its lock', () => locks(sb).length === 1);
    create.kill('SIGKILL');
    expect((await exited(create)).signal).toBe('SIGKILL');
    expect(locks(sb).length).toBe(1);
    // The stale shared lock does not keep an exclusive command out.
    expect(sb.run(['prune', '--instant-delete', '--dry-run']).code).toBe(0);

    // A live holder's lock is not stale: plain unlock leaves it, --remove-all takes it too.
    const live = await holdLock(sb, false, 60_000);
    expect(locks(sb).length).toBe(2);
    const u = sb.json<{ ok: boolean; removed: number; locks: Array<{ pid: number }> }>(['unlock']);
    expect(u).toMatchObject({ ok: true, removed: 1 });
    expect(u.locks[0]!.pid).toBe(create.pid);
    expect(locks(sb).length).toBe(1);
    expect(sb.json<{ removed: number }>(['unlock']).removed).toBe(0);
    const all = sb.json<{ removed: number; locks: Array<{ pid: number }> }>(['unlock', '--remove-all']);
    expect(all.removed).toBe(1);
    expect(all.locks[0]!.pid).toBe(live.pid);
    expect(locks(sb)).toEqual([]);
    live.kill('SIGTERM');
    await exited(live);
  });

  it('two creates at once both succeed and both restore', async () => {
    const sb = sandbox();
    const dirs = ['one', 'two'].map((d) => {
      const dir = sb.path(d);
      mkdirSync(dir);
      for (let i = 0; i < 6; i++) writeFileSync(path.join(dir, `f${i}`), randomBytes(150_000));
      return dir;
    });
    const bin = fileURLToPath(new URL('../../bin/snap.js', import.meta.url));
    const runs = dirs.map((d) => {
      const c = spawn(process.execPath, [bin, 'create', d, '--json'], { env: sb.baseEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
      children.push(c);
      return { c, out: collectOutput(c) };
    });
    const codes = await Promise.all(runs.map((r) => exited(r.c)));
    expect(codes.map((c) => c.code), runs.map((r) => r.out.stderr).join('\n')).toEqual([0, 0]);
    const ids = runs.map((r) => JSON.parse(r.out.stdout).snapshot_id as string);
    expect(sb.json<Array<{ id: string }>>(['list']).map((s) => s.id).sort()).toEqual([...ids].sort());
    dirs.forEach((dir, i) => {
      const target = sb.path(`restore-${i}`);
      sb.ok(['restore', `${ids[i]}:${dir}`, target]);
      expect(diffTrees(snapshotTree(dir), snapshotTree(target))).toEqual([]);
    });
    expect(locks(sb)).toEqual([]);
  });

  it('a prune whose lock is removed while it works stops with an error before deleting anything', async () => {
    const sb = sandbox();
    const src = sb.path('src');
    mkdirSync(src);
    writeFileSync(path.join(src, 'old'), randomBytes(200_000));
    sb.ok(['create', src]);
    rmSync(path.join(src, 'old'));
    writeFileSync(path.join(src, 'new'), randomBytes(200_000));
    const keep = sb.json<{ snapshot_id: string }>(['create', src]).snapshot_id;
    sb.ok(['forget', '--keep-last', '1']);
    const before = repoFiles(sb);

    const prune = spawn(process.execPath, [fileURLToPath(new URL('../../bin/snap.js', import.meta.url)), 'prune', '--instant-delete', '--json'], {
      env: { ...sb.baseEnv(), SNAP_PAUSE_AT: 'prune-start:3000' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(prune);
    const out = collectOutput(prune);
    await waitFor('prune to pause', () => out.stderr.includes('paused at prune-start') || prune.exitCode !== null);
    const removed = sb.json<{ removed: number }>(['unlock', '--remove-all']);
    expect(removed.removed).toBe(1);
    const end = await exited(prune);
    expect(end.code, out.stderr).toBe(1);
    expect(out.stderr).toMatch(/lock .* was removed while this command held it/);
    expect(JSON.parse(out.stdout).error.code).toBe('repository_locked');
    // Nothing changed but the audit log entry of the `unlock --remove-all` itself.
    const after = repoFiles(sb);
    expect(after.filter((f) => !before.includes(f))).toEqual([expect.stringMatching(/^log\//)]);
    expect(after.filter((f) => !f.startsWith('log/'))).toEqual(before.filter((f) => !f.startsWith('log/')));

    // The repository is as it was: the kept snapshot restores, and a prune now does the work.
    const target = sb.path('restored');
    sb.ok(['restore', `${keep}:${src}`, target]);
    expect(diffTrees(snapshotTree(src), snapshotTree(target))).toEqual([]);
    expect(sb.json<{ packs_deleted: number }>(['prune', '--instant-delete']).packs_deleted).toBeGreaterThan(0);
  });

  it('every lock wrapper takes --retry-lock the same way: waits out a holder, refuses a bad value (key, copy target, forget, create)', async () => {
    const sb = sandbox();
    writeFileSync(sb.path('f'), randomBytes(50_000));
    sb.ok(['create', sb.path('f')]);
    const target = new Sandbox();
    sandboxes.push(target);
    target.init();
    const pw = sb.path('pw');
    writeFileSync(pw, 'second password');
    const commands: Array<{ args: string[]; env?: Record<string, string> }> = [
      { args: ['key', 'add', '--new-password-file', pw, '--kdf', 'scrypt:1024,8,1'] },
      { args: ['copy', '--to', target.repo], env: { SNAP_TO_PASSWORD: target.password! } },
      { args: ['forget', '--keep-last', '5'] },
      { args: ['create', sb.path('f')] },
    ];
    for (const c of commands) {
      const r = sb.run([...c.args, '--retry-lock', 'soon', '--json'], { env: c.env });
      expect(r.code, c.args.join(' ')).toBe(1);
      expect(JSON.parse(r.stdout).error.code).toBe('invalid_argument');
      expect(r.stderr).toContain("--retry-lock: expected a duration like 30s, 5m or 1h, got 'soon'");
    }
    // The copy target is locked by the holder; the others wait for an exclusive holder of their own repository.
    for (const c of commands) {
      const holder = await holdLock(c.args[0] === 'copy' ? target : sb, true, 1_200);
      const r = sb.run([...c.args, '--retry-lock', '10s'], { env: c.env });
      expect(r.code, `${c.args.join(' ')}: ${r.stderr}`).toBe(0);
      await exited(holder);
    }
  });
});
