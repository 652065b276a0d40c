// Prune beside a running backup, at the backup's commit point. A create deduplicates against the
// packs of a snapshot that is then forgotten, and pauses just before it writes its snapshot record
// (SNAP_PAUSE_AT=create-commit); meanwhile forget and prune run. Whatever prune does, the create
// either exits 0 with a snapshot that restores bit-identical and checks clean, or fails with one
// clear line and writes no snapshot. (Before the commit-point check, the instant-delete case ended
// with exit 0 and a snapshot whose data was gone.)

import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { diffTrees, Sandbox, snapshotTree } from '../e2e/helpers.js';

// The create pauses at its commit point until the test creates the release file (SNAP_PAUSE_RELEASE)
// once forget and prune are done, or at most this long.
const PAUSE_MS = 50_000;
const sandboxes: Sandbox[] = [];
afterEach(() => {
  for (const sb of sandboxes.splice(0)) sb.cleanup();
});

interface Setup { sb: Sandbox; src: string; old: string }

/** A repository whose only snapshot (`old`) holds the file the paused create will deduplicate against. */
function setup(): Setup {
  const sb = new Sandbox();
  sandboxes.push(sb);
  sb.init(['--pack-size', String(64 * 1024), '--chunk-size', '4096,16384,65536']);
  const src = sb.path('src');
  mkdirSync(src);
  writeFileSync(path.join(src, 'shared'), randomBytes(600_000));
  const old = sb.json<{ snapshot_id: string }>(['create', src]).snapshot_id;
  writeFileSync(path.join(src, 'new'), randomBytes(50_000));
  return { sb, src, old };
}

type Ended = Promise<{ code: number | null; stdout: string; stderr: string }>;

/**
 * Start `snap args` that pauses at pause point `point`; resolves once it is paused (or has ended
 * without pausing: `paused` false), with a resume function.
 */
async function pausedRun(s: Setup, args: string[], point: string, env: Record<string, string> = {}): Promise<{ paused: boolean; resume: () => Ended }> {
  const release = s.sb.path(`release-${point}`);
  const child = s.sb.spawn(args, { SNAP_PAUSE_AT: `${point}:${PAUSE_MS}`, SNAP_PAUSE_RELEASE: release, ...env });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  const paused = new Promise<boolean>((resolve) => {
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (stderr.includes(`paused at ${point}`)) resolve(true);
    });
  });
  const ended = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on('exit', (code) => resolve({ code, stdout, stderr })),
  );
  return {
    paused: await Promise.race([paused, ended.then(() => false)]),
    resume: () => {
      writeFileSync(release, '');
      return ended;
    },
  };
}

/** Start a create that pauses at its commit point; resolves once it is paused, with a resume function. */
function pausedCreate(s: Setup, point = 'create-commit'): Promise<{ resume: () => Ended }> {
  // Its own cache folder, as another host would have (a stopped process must not hold the LMDB
  // cache the others use); it finds the old snapshot's blobs through the index files and dedups.
  return pausedRun(s, ['create', s.src, '--json'], point, { SNAP_CACHE_DIR: s.sb.path('cache-create') });
}

function outcomeIsSound(s: Setup, r: { code: number | null; stdout: string; stderr: string }, tree: ReturnType<typeof snapshotTree>): 'saved' | 'refused' {
  const ids = s.sb.json<Array<{ id: string }>>(['list']).map((x) => x.id);
  if (r.code === 0) {
    const id = (JSON.parse(r.stdout) as { snapshot_id: string }).snapshot_id;
    expect(ids).toContain(id);
    const target = s.sb.path('restored');
    s.sb.ok(['restore', `${id}:${s.src}`, target]);
    expect(diffTrees(tree, snapshotTree(target))).toEqual([]);
    rmSync(target, { recursive: true, force: true });
    const check = s.sb.run(['check', '--read-data']);
    expect(check.code, check.stdout + check.stderr).toBe(0);
    return 'saved';
  }
  expect(r.code).toBe(1);
  expect(r.stderr.trim().split('\n').filter((l) => l.startsWith('snap:') && !l.includes('SNAP_PAUSE_AT'))).toHaveLength(1);
  // Refused at the commit point, or stopped by its lock's loss (repository/lock.ts) before it.
  expect(r.stderr).toMatch(/no snapshot was written|lock .* was removed while this command held it/);
  expect(r.stderr).not.toMatch(/at .*\.js:\d+/); // no stack trace
  expect(ids).toEqual([]); // the old snapshot was forgotten; nothing new
  const check = s.sb.run(['check']);
  expect(check.code, check.stdout + check.stderr).toBe(0);
  return 'refused';
}

describe('prune while a create is paused at its commit point', () => {
  it('--instant-delete after the create lock was removed: the create fails clearly, writes no snapshot', async () => {
    const s = setup();
    const tree = snapshotTree(s.src);
    const ended = await pausedCreate(s);
    s.sb.ok(['forget', s.old]);
    // A lock judged stale (another PID namespace, a skewed clock, a suspended host) is what lets
    // an exclusive prune in; removing it does the same here.
    for (const f of readdirSync(path.join(s.sb.repo, 'locks'))) rmSync(path.join(s.sb.repo, 'locks', f));
    const pruned = s.sb.json<{ packs_deleted: number }>(['prune', '--instant-delete']);

    expect(pruned.packs_deleted).toBeGreaterThan(0);
    expect(outcomeIsSound(s, await ended.resume(), tree)).toBe('refused');
  }, 60_000);

  it('two-phase prune (default): the create succeeds; its snapshot restores; the next prune recovers the condemned packs', async () => {
    const s = setup();
    const tree = snapshotTree(s.src);
    const ended = await pausedCreate(s);
    s.sb.ok(['forget', s.old]);
    const pruned = s.sb.json<{ packs_condemned: number; packs_deleted: number }>(['prune']);
    expect(pruned.packs_condemned).toBeGreaterThan(0);
    expect(pruned.packs_deleted).toBe(0);
    expect(outcomeIsSound(s, await ended.resume(), tree)).toBe('saved');
    const next = s.sb.json<{ packs: Array<{ action: string; reason: string }>; packs_condemned_waiting: number }>(['prune', '--grace', '0s']);
    expect(next.packs.filter((p) => /recovered/.test(p.reason)).length).toBeGreaterThan(0);
    // The old snapshot's trees stay condemned (the new snapshot does not use them).
    expect(next.packs_condemned_waiting).toBeGreaterThan(0);
    expect(outcomeIsSound(s, { code: 0, stdout: JSON.stringify({ snapshot_id: s.sb.json<Array<{ id: string }>>(['list'])[0]!.id }), stderr: '' }, tree)).toBe('saved');
  }, 60_000);

  it('two-phase prune whose grace period ends while the create runs: the create fails clearly', async () => {
    const s = setup();
    const tree = snapshotTree(s.src);
    const ended = await pausedCreate(s);
    s.sb.ok(['forget', s.old]);
    expect(s.sb.json<{ packs_condemned: number }>(['prune', '--grace', '1s']).packs_condemned).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 1500));
    expect(s.sb.json<{ packs_deleted: number }>(['prune']).packs_deleted).toBeGreaterThan(0);
    expect(outcomeIsSound(s, await ended.resume(), tree)).toBe('refused');
  }, 60_000);

  it('packs deleted after the commit check, before the record is written: the create takes its record back', async () => {
    const s = setup();
    const tree = snapshotTree(s.src);
    // Past the check (nothing condemned yet), held before the write, as a suspended host would be.
    const ended = await pausedCreate(s, 'create-record');
    s.sb.ok(['forget', s.old]);
    expect(s.sb.json<{ packs_condemned: number }>(['prune', '--grace', '1s']).packs_condemned).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 1500));
    expect(s.sb.json<{ packs_deleted: number }>(['prune']).packs_deleted).toBeGreaterThan(0);
    expect(outcomeIsSound(s, await ended.resume(), tree)).toBe('refused');
  }, 60_000);

  it.each(['create-commit', 'create-record'])('the packs the create wrote itself, condemned and deleted while it is held at %s: it fails clearly', async (point) => {
    // Nothing is forgotten: the old snapshot keeps its packs, and what prune finds unused are this
    // create's own packs (its new file, its trees), which no snapshot names until its record exists.
    // (Before the commit point covered them, the create exited 0 with a root tree no index named.)
    const s = setup();
    const ended = await pausedCreate(s, point);
    expect(s.sb.json<{ packs_condemned: number }>(['prune', '--grace', '1s']).packs_condemned).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 1500));
    expect(s.sb.json<{ packs_deleted: number }>(['prune']).packs_deleted).toBeGreaterThan(0);
    const r = await ended.resume();
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/were deleted while it ran.*no snapshot was written/);
    expect(s.sb.json<Array<{ id: string }>>(['list']).map((x) => x.id)).toEqual([s.old]);
    const check = s.sb.run(['check', '--read-data']);
    expect(check.code, check.stdout + check.stderr).toBe(0);
  }, 60_000);

  it('a whole backup between the two listings of a prune\'s scan: its snapshot stays indexed, restores and checks clean', async () => {
    // The prune pauses between its listing of index/ and of data/ (SNAP_PAUSE_AT=prune-scan-listed)
    // while another host's backup runs start to end. With data/ listed before index/, this backup's
    // packs looked "missing" (indexed, not listed), prune dropped them from the index file it
    // replaced, and the new snapshot's root tree was in no index (the torture test's tree_missing).
    const s = setup();
    const prune = await pausedRun(s, ['prune', '--json'], 'prune-scan-listed');
    expect(prune.paused).toBe(true);
    const tree = snapshotTree(s.src);
    const created = s.sb.json<{ snapshot_id: string }>(['create', s.src], { env: { SNAP_CACHE_DIR: s.sb.path('cache-create') } });
    const pruned = await prune.resume();
    expect(pruned.code, pruned.stderr).toBe(0);
    expect(JSON.parse(pruned.stdout)).toMatchObject({ packs_deleted: 0 });
    const saved = { code: 0, stdout: JSON.stringify(created), stderr: '' };
    expect(outcomeIsSound(s, saved, tree)).toBe('saved');
    // And after the grace period, the packs the scan saw as unindexed are recovered, not deleted.
    s.sb.ok(['prune', '--grace', '0s']);
    expect(outcomeIsSound(s, saved, tree)).toBe('saved');
  }, 60_000);

  it('a backup does not deduplicate against condemned packs: it stores the data again', () => {
    const s = setup();
    s.sb.ok(['forget', s.old]);
    expect(s.sb.json<{ packs_condemned: number }>(['prune']).packs_condemned).toBeGreaterThan(0);
    rmSync(path.join(s.src, 'new'));
    const again = s.sb.json<{ bytes_added: number; snapshot_id: string }>(['create', s.src]);
    expect(again.bytes_added).toBe(600_000);
    // Once the condemned packs are deleted the new snapshot still restores and checks clean.
    s.sb.ok(['prune', '--instant-delete']);
    expect(outcomeIsSound(s, { code: 0, stdout: JSON.stringify(again), stderr: '' }, snapshotTree(s.src))).toBe('saved');
  }, 60_000);
});
