// Unreadable lock objects (issue 11): garbage bytes, or a sealed object that is not a lock record,
// are read again and then refused by exclusive commands, naming them (exit 11); shared commands run
// beside them; `unlock` leaves a fresh one with a warning, `--remove-all` removes it; one whose
// storage time is older than the stale time counts as stale.

import { writeFileSync, utimesSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { Sandbox } from './helpers.js';
import { locks, writeLock } from './lockHelpers.js';

const EXCLUSIVE = ['repair', 'index'];
const sandboxes: Sandbox[] = [];

function sandbox(): Sandbox {
  const sb = new Sandbox();
  sandboxes.push(sb);
  sb.init();
  writeFileSync(sb.path('f'), randomBytes(50_000));
  sb.ok(['create', sb.path('f')]);
  return sb;
}

afterEach(() => {
  for (const sb of sandboxes.splice(0)) sb.cleanup();
});

describe('unreadable lock objects', () => {
  it('garbage bytes: exclusive commands refuse naming it, shared ones run, unlock warns, --remove-all removes it', () => {
    const sb = sandbox();
    const name = 'b'.repeat(64);
    writeFileSync(path.join(sb.repo, 'locks', name), randomBytes(100));
    const r = sb.run([...EXCLUSIVE, '--json']);
    expect(r.code, r.stderr).toBe(11);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(`cannot read lock object locks/${name}`);
    expect(r.stderr).toContain("snap unlock --remove-all");
    expect(JSON.parse(r.stdout).error).toMatchObject({ code: 'repository_locked', exit_code: 11 });
    expect(sb.run(['list']).code).toBe(0);

    const u = sb.run(['unlock', '--json']);
    expect(u.code).toBe(0);
    expect(JSON.parse(u.stdout)).toMatchObject({ removed: 0, unreadable: [name] });
    expect(u.stderr).toContain(`cannot read lock locks/${name}`);
    expect(locks(sb)).toEqual([name]);
    expect(sb.json<{ removed: number }>(['unlock', '--remove-all']).removed).toBe(1);
    expect(sb.run(EXCLUSIVE).code).toBe(0);
  });

  it('a sealed object that is not a lock record is refused; one unwritten for longer than the stale time is stale', () => {
    const sb = sandbox();
    const name = 'c'.repeat(64);
    writeLock(sb, name, JSON.stringify({ host: 'h', pid: 'not a pid' }));
    const r = sb.run(EXCLUSIVE);
    expect(r.code, r.stderr).toBe(11);
    expect(r.stderr).toContain(`locks/${name}`);
    const t = (Date.now() - 31 * 60_000) / 1000;
    utimesSync(path.join(sb.repo, 'locks', name), t, t);
    expect(sb.run(EXCLUSIVE).code).toBe(0);
    expect(sb.json<{ removed: number }>(['unlock']).removed).toBe(1);
    expect(locks(sb)).toEqual([]);
  });
});
