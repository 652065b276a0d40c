// Prune on a full repository (issue 12): the lock object cannot be written, so a plain prune fails
// with one line; `prune --unsafe-recover-no-free-space <repository id>` makes room by deleting only
// what is provably unreferenced (staged files, then packs with no used blob), takes its lock and
// prunes; check is clean and the kept snapshot restores. A live lock still keeps it out.
// Needs a small tmpfs (mount as root); skipped where that is not possible.

import { spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { diffTrees, Sandbox, snapshotTree, TEST_KDF } from './helpers.js';
import { exited, holdLock } from './lockHelpers.js';

const mounts: string[] = [];
const sandboxes: Sandbox[] = [];
const children: ChildProcess[] = [];

afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const sb of sandboxes.splice(0)) sb.cleanup();
  for (const m of mounts.splice(0)) {
    spawnSync('umount', [m]);
    rmSync(m, { recursive: true, force: true });
  }
});

/** A sandbox whose repository lives on an 8 MiB tmpfs, or undefined when one cannot be mounted. */
function fullableSandbox(): Sandbox | undefined {
  const mnt = mkdtempSync(path.join(os.tmpdir(), 'snap-full-'));
  if (spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', mnt]).status !== 0) {
    rmSync(mnt, { recursive: true, force: true });
    return undefined;
  }
  mounts.push(mnt);
  const sb = new Sandbox();
  sandboxes.push(sb);
  Object.defineProperty(sb, 'repo', { value: path.join(mnt, 'repo') });
  return sb;
}

const mountable = (() => {
  const probe = mkdtempSync(path.join(os.tmpdir(), 'snap-probe-'));
  const ok = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', probe]).status === 0;
  if (ok) spawnSync('umount', [probe]);
  rmSync(probe, { recursive: true, force: true });
  return ok;
})();

/** Two snapshots, the first forgotten (its 3 MB pack is unused), then the filesystem filled to the last byte. */
function fullRepository(sb: Sandbox): { id: string; keep: string; src: string } {
  const id = sb.json<{ repository_id: string }>(['init', '--kdf', TEST_KDF]).repository_id;
  const src = sb.path('src');
  mkdirSync(src);
  writeFileSync(path.join(src, 'a'), randomBytes(3_000_000));
  sb.ok(['create', src]);
  writeFileSync(path.join(src, 'a'), randomBytes(2_000_000));
  const keep = sb.json<{ snapshot_id: string }>(['create', src]).snapshot_id;
  sb.ok(['forget', '--keep-last', '1']);
  spawnSync('dd', ['if=/dev/zero', `of=${path.join(path.dirname(sb.repo), 'filler')}`, 'bs=4k']);
  return { id, keep, src };
}

describe.skipIf(!mountable)('prune on a full repository', () => {
  it('plain prune cannot write its lock; --unsafe-recover-no-free-space <id> deletes an unused pack first, then prunes; check is clean', () => {
    const sb = fullableSandbox()!;
    const { id, keep, src } = fullRepository(sb);
    const plain = sb.run(['prune']);
    expect(plain.code).toBe(1);
    expect(plain.stderr).toMatch(/^snap: no space left on device: .*locks\/[0-9a-f]{64}\n$/);

    const wrongId = sb.run(['prune', '--unsafe-recover-no-free-space', 'nope']);
    expect(wrongId.code).toBe(1);
    expect(wrongId.stderr).toContain(`give this repository's id (${id}) to confirm`);

    const packsBefore = (readdirSync(path.join(sb.repo, 'data'), { recursive: true }) as string[]).filter((n) => /\/[0-9a-f]{64}$/.test(n)).length;
    const r = sb.json<{ no_space_recovery: { packs_deleted_first: string[] }; packs_deleted: number; packs_rewritten: number }>(
      ['prune', '--unsafe-recover-no-free-space', id],
    );
    expect(r.no_space_recovery.packs_deleted_first).toHaveLength(1);
    expect(r.packs_rewritten).toBe(0);
    const packsAfter = (readdirSync(path.join(sb.repo, 'data'), { recursive: true }) as string[]).filter((n) => /\/[0-9a-f]{64}$/.test(n)).length;
    expect(packsAfter).toBeLessThan(packsBefore);
    expect(sb.run(['check']).code).toBe(0);
    const target = sb.path('restored');
    sb.ok(['restore', `${keep}:${src}`, target]);
    expect(diffTrees(snapshotTree(src), snapshotTree(target))).toEqual([]);
  });

  it('a live lock still keeps the recovery out, and nothing is deleted', async () => {
    const sb = fullableSandbox()!;
    const { id } = fullRepository(sb);
    // The holder needs room for its own lock: empty the filler, take the lock, fill again.
    rmSync(path.join(path.dirname(sb.repo), 'filler'));
    const holder = await holdLock(sb, false, 60_000, children);
    spawnSync('dd', ['if=/dev/zero', `of=${path.join(path.dirname(sb.repo), 'filler')}`, 'bs=4k']);
    const before = readdirSync(sb.repo, { recursive: true }).sort();
    const r = sb.run(['prune', '--unsafe-recover-no-free-space', id, '--json']);
    expect(r.code, r.stderr).toBe(11);
    expect(r.stderr).toContain(`pid ${holder.pid}`);
    expect(readdirSync(sb.repo, { recursive: true }).sort()).toEqual(before);
    holder.kill('SIGTERM');
    await exited(holder);
  });
});
