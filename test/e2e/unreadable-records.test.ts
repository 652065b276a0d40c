// Issue 12: one undecodable snapshot record (what an interrupted upload over sftp/WebDAV/rclone
// leaves) is skipped with a one-line warning naming it by every command that lists snapshots; check
// reports it (exit 1); prune deletes nothing while it exists; `forget <id>` and `repair snapshots
// --forget` remove it. A junk file in log/ does not break `snap log`.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { blake3 } from '@napi-rs/blake-hash';
import { Sandbox } from './helpers.js';

/** The bad records: bytes, stored under the hash of those bytes (so they pass the name check and reach the decoder). */
const KINDS: Array<[string, Buffer]> = [
  ['0-byte', Buffer.alloc(0)],
  ['schema-less JSON', Buffer.from('{"hello":"world","tree":42}')],
  ['random bytes', randomBytes(300)],
];

function plant(repo: string, bytes: Buffer, name = blake3(bytes).toString('hex')): string {
  writeFileSync(path.join(repo, 'snapshots', name), bytes);
  return name;
}

function dataFiles(repo: string): string[] {
  return readdirSync(path.join(repo, 'data'), { recursive: true }).map(String).sort();
}

/** stderr has exactly one warning line about `id` and no stack trace or internal error. */
function expectOneWarning(stderr: string, id: string): void {
  const lines = stderr.split('\n').filter((l) => l.includes(id));
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^warning: snapshot record snapshots\/[0-9a-f]{64} is damaged: .*; skipped$/);
  expect(stderr).not.toMatch(/internal error|    at /);
}

describe.each(KINDS)('a %s snapshot record', (_kind, bytes) => {
  const sb = new Sandbox(undefined);
  let src: string;
  let bad: string;
  let latest: string;
  beforeAll(() => {
    sb.ok(['init', '--encryption', 'none']);
    src = sb.path('src');
    mkdirSync(src);
    writeFileSync(path.join(src, 'a.txt'), 'content of a');
    sb.ok(['create', src]);
    latest = sb.json(['create', src]).snapshot_id;
    bad = plant(sb.repo, bytes);
  });
  afterAll(() => sb.cleanup());

  it('list, stats and report skip it with one warning line naming it', () => {
    const list = sb.run(['list', '--json']);
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout).map((s: { id: string }) => s.id)).not.toContain(bad);
    expectOneWarning(list.stderr, bad);
    const stats = sb.run(['stats', '--json']);
    expect(stats.code).toBe(0);
    const doc = JSON.parse(stats.stdout);
    expect(doc.snapshots).toBe(2);
    expect(doc.warnings).toEqual([expect.objectContaining({ kind: 'snapshot_unreadable', object: `snapshots/${bad}` })]);
    expectOneWarning(stats.stderr, bad);
    const report = sb.run(['report', '--html', sb.path('report.html')]);
    expect(report.code).toBe(0);
    expectOneWarning(report.stderr, bad);
  });

  it('the nightly create finds its parent past it; latest restores', () => {
    const r = sb.run(['create', src, '--json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.parent_id).toBe(latest);
    expect(doc.warnings.map((w: { object: string }) => w.object)).toEqual([`snapshots/${bad}`]);
    latest = doc.snapshot_id;
    const out = sb.path('out');
    const restore = sb.run(['restore', 'latest', out]);
    expect(restore.code).toBe(0);
    expect(readFileSync(path.join(out, src, 'a.txt'), 'utf8')).toBe('content of a');
  });

  it('selecting it by id is a clear integrity error naming it (exit 1), not an internal error', () => {
    const r = sb.run(['ls', bad.slice(0, 12), '--json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).error.code).toBe('integrity');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(`snapshots/${bad}`);
  });

  it('forget with a policy skips it; check reports it (exit 1)', () => {
    const f = sb.run(['forget', '--keep-last', '10', '--dry-run', '--json']);
    expect(f.code).toBe(0);
    expectOneWarning(f.stderr, bad);
    const c = sb.run(['check', '--json']);
    expect(c.code).toBe(1);
    const doc = JSON.parse(c.stdout);
    expect(doc.ok).toBe(false);
    expect(doc.errors).toEqual([expect.objectContaining({ kind: 'snapshot_unreadable', snapshot: bad })]);
    expect(c.stderr).not.toMatch(/internal error/);
  });

  it('prune deletes nothing while it exists and says what to run; forget <id> removes it; then prune runs', () => {
    const before = dataFiles(sb.repo);
    sb.ok(['forget', latest]); // leaves unused data that a prune would delete
    const p = sb.run(['prune', '--json']);
    expect(p.code).toBe(1);
    const err = JSON.parse(p.stdout).error;
    expect(err.code).toBe('integrity');
    expect(err.message).toContain(`snap forget ${bad}`);
    expect(dataFiles(sb.repo)).toEqual(before);
    const f = sb.run(['forget', bad, '--json']);
    expect(f.code).toBe(0);
    expect(JSON.parse(f.stdout).remove).toEqual([{ id: bad, time: 'unknown (record unreadable)' }]);
    expect(existsSync(path.join(sb.repo, 'snapshots', bad))).toBe(false);
    const p2 = sb.run(['prune']);
    expect(p2.code).toBe(0);
    expect(p2.stderr).toBe('');
    expect(sb.run(['check']).code).toBe(0);
  });
});

describe('removing bad records and junk in log/', () => {
  const sb = new Sandbox();
  beforeAll(() => {
    sb.init();
    const src = sb.path('src');
    mkdirSync(src);
    writeFileSync(path.join(src, 'a.txt'), 'a');
    sb.ok(['create', src]);
  });
  afterAll(() => sb.cleanup());

  it('repair snapshots --forget removes a 0-byte record and a random-bytes one (encrypted repository)', () => {
    const empty = plant(sb.repo, Buffer.alloc(0), 'ab'.repeat(32));
    const junk = plant(sb.repo, randomBytes(200));
    const r = sb.run(['repair', 'snapshots', '--forget']);
    expect(r.code).toBe(0);
    expect(existsSync(path.join(sb.repo, 'snapshots', empty))).toBe(false);
    expect(existsSync(path.join(sb.repo, 'snapshots', junk))).toBe(false);
    expect(sb.run(['check']).code).toBe(0);
  });

  it('snap log skips a junk file, a 0-byte one and random bytes with one warning each', () => {
    const names = ['junk', '20261202T000000000Z-aaaaaaaaaaaa', '20261202T000000001Z-bbbbbbbbbbbb'];
    writeFileSync(path.join(sb.repo, 'log', names[0]!), 'not a log entry');
    writeFileSync(path.join(sb.repo, 'log', names[1]!), '');
    writeFileSync(path.join(sb.repo, 'log', names[2]!), randomBytes(100));
    const r = sb.run(['log', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).map((e: { operation: string }) => e.operation)).toContain('create');
    for (const n of names) expect(r.stderr.split('\n').filter((l) => l.includes(`log/${n} `))).toHaveLength(1);
    expect(r.stderr).not.toMatch(/internal error/);
    expect(sb.run(['log']).code).toBe(0);
  });
});
