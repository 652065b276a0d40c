// Issue 15 items 12 and 6: the audit log is a chain (each entry seals the ids of the newest entries
// its writer saw), restores, dumps and `unlock --remove-all` are logged, check reports a deleted
// entry; the client remembers the snapshots, index files and log entries it has seen, and a
// snapshot that vanishes without a logged forget/prune is a warning in commands and an error in check.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdirSync, readdirSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Sandbox } from './helpers.js';

interface LogJson { operation: string; id: string; prev: string[] | null; snapshot_ids: string[] }

function setup(sb: Sandbox): string {
  sb.init();
  const src = sb.path('src');
  mkdirSync(src);
  writeFileSync(path.join(src, 'a.txt'), 'one');
  return src;
}

describe('the audit log chain', () => {
  const sb = new Sandbox();
  let src: string;
  beforeAll(() => {
    src = setup(sb);
    sb.ok(['create', src]);
    writeFileSync(path.join(src, 'a.txt'), 'two');
    sb.ok(['create', src]);
  });
  afterAll(() => sb.cleanup());

  it('restore, dump and unlock --remove-all are logged; every entry seals the one before; check is clean', () => {
    sb.ok(['restore', 'latest', sb.path('out')]);
    expect(sb.ok(['dump', 'latest', path.join(src, 'a.txt')]).stdout).toBe('two');
    writeFileSync(path.join(sb.repo, 'locks', 'ff'.repeat(32)), 'a lock of a process that is running');
    sb.ok(['unlock', '--remove-all']);
    const log = sb.json<LogJson[]>(['log']);
    expect(log.map((e) => e.operation)).toEqual(['create', 'create', 'restore', 'dump', 'unlock --remove-all']);
    expect(log[0]!.prev).toEqual([]);
    for (let i = 1; i < log.length; i++) expect(log[i]!.prev).toEqual([log[i - 1]!.id]);
    const c = sb.json(['check']);
    expect(c.ok).toBe(true);
    // Every log object is 0600 in the cache (the chain links and what the client has seen).
    const cacheDir = path.join(sb.cache, readdirSync(sb.cache)[0]!);
    for (const f of ['log-chain.json', 'seen.json']) expect(statSync(path.join(cacheDir, f)).mode & 0o777).toBe(0o600);
  });

  it('a deleted entry is a gap that check reports (exit 1), naming the entry that sealed it', () => {
    const names = readdirSync(path.join(sb.repo, 'log')).sort();
    const victim = names[1]!; // the second create
    unlinkSync(path.join(sb.repo, 'log', victim));
    const r = sb.run(['check', '--json']);
    expect(r.code).toBe(1);
    const gaps = JSON.parse(r.stdout).errors.filter((e: { kind: string }) => e.kind === 'log_gap');
    const victimId = victim.slice(victim.lastIndexOf('-') + 1);
    expect(gaps.map((g: { message: string }) => g.message)).toContainEqual(expect.stringContaining(`log/${names[2]} (restore`));
    expect(gaps.every((g: { message: string }) => g.message.includes(victimId))).toBe(true);
  });

  it('the newest entry deleted (nothing seals it) is found by the client that wrote it', () => {
    const names = readdirSync(path.join(sb.repo, 'log')).sort();
    unlinkSync(path.join(sb.repo, 'log', names[names.length - 1]!));
    const r = sb.run(['check', '--json']);
    expect(r.code).toBe(1);
    const last = names[names.length - 1]!;
    expect(JSON.parse(r.stdout).errors.map((e: { message: string }) => e.message)).toContainEqual(
      expect.stringContaining(`audit log entry ${last.slice(last.lastIndexOf('-') + 1)}, which this client wrote or saw, is not in log/`),
    );
  });
});

describe('rollback detection', () => {
  const sb = new Sandbox();
  let src: string;
  const ids: string[] = [];
  beforeAll(() => {
    src = setup(sb);
    for (const text of ['one', 'two', 'three']) {
      writeFileSync(path.join(src, 'a.txt'), text);
      ids.push(sb.json(['create', src]).snapshot_id);
    }
  });
  afterAll(() => sb.cleanup());

  it('the newest record deleted by hand: list warns naming it, check exits 1 naming it', () => {
    const newest = ids[2]!;
    const kept = sb.path('kept-record');
    copyFileSync(path.join(sb.repo, 'snapshots', newest), kept);
    unlinkSync(path.join(sb.repo, 'snapshots', newest));
    const list = sb.run(['list', '--json']);
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout)).toHaveLength(2);
    expect(list.stderr.split('\n').filter((l) => l.startsWith('warning:') && l.includes(newest))).toHaveLength(1);
    const c = sb.run(['check', '--json']);
    expect(c.code).toBe(1);
    expect(JSON.parse(c.stdout).errors).toContainEqual(expect.objectContaining({ kind: 'rollback', snapshot: newest }));
    // A client that never saw it cannot know (documented limit).
    expect(sb.run(['list'], { env: { SNAP_CACHE_DIR: sb.path('other-cache') } }).stderr).not.toContain(newest);
    // Put back: the warning stops.
    copyFileSync(kept, path.join(sb.repo, 'snapshots', newest));
    expect(sb.run(['list']).stderr).toBe('');
  });

  it('after a real forget nothing is reported; the forgotten record put back is an error in check', () => {
    const newest = ids[2]!;
    const kept = sb.path('kept-record');
    const f = sb.run(['forget', newest]);
    expect(f.code).toBe(0);
    const list = sb.run(['list']);
    expect(list.code).toBe(0);
    expect(list.stderr).toBe('');
    expect(sb.run(['check']).code).toBe(0);
    copyFileSync(kept, path.join(sb.repo, 'snapshots', newest));
    const c = sb.run(['check', '--json']);
    expect(c.code).toBe(1);
    expect(JSON.parse(c.stdout).errors).toContainEqual(expect.objectContaining({ kind: 'rollback', snapshot: newest, message: expect.stringContaining('is back') }));
    rmSync(path.join(sb.repo, 'snapshots', newest));
  });

  it('an index file deleted by hand is reported by check as a rollback of index/', () => {
    sb.ok(['ls', 'latest']); // opens the index: the client remembers the index files
    const dir = path.join(sb.repo, 'index');
    const victim = readdirSync(dir).sort()[0]!;
    unlinkSync(path.join(dir, victim));
    const c = sb.run(['check', '--json']);
    expect(c.code).toBe(1);
    expect(JSON.parse(c.stdout).errors.map((e: { message: string }) => e.message)).toContainEqual(expect.stringContaining(`index file index/${victim}`));
  });
});
