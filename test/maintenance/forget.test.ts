// `snap forget` end to end, over snapshots with fixed times (`create --time`): by policy (the kept
// set and every reason worked out by hand from the calendar), by id and prefix, --dry-run, the
// refusals, and the audit log entry. 2026-03-01 is a Sunday, so ISO week 10 is Mar 2–8 and
// week 11 is Mar 9–15.

import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Sandbox } from '../e2e/helpers.js';

interface ForgetDoc {
  keep: Array<{ id: string; time: string; reasons: string[] }>;
  remove: Array<{ id: string; time: string }>;
  dry_run: boolean;
}

const TIMES: Record<string, string> = {
  A: '2026-03-02T02:00:00+01:00', // Mon, week 10
  B: '2026-03-04T02:00:00+01:00', // Wed, week 10
  C: '2026-03-08T02:00:00+01:00', // Sun, week 10
  D: '2026-03-09T02:00:00+01:00', // Mon, week 11
  E: '2026-03-10T02:00:00+01:00', // Tue, week 11
  F: '2026-03-10T14:00:00+01:00', // Tue, week 11 (the later one represents the day)
  G: '2026-03-11T02:00:00+01:00', // Wed, week 11
};

let sb: Sandbox;
const ids: Record<string, string> = {};
let otherHost: string;

beforeAll(() => {
  sb = new Sandbox();
  sb.init();
  const src = sb.path('src');
  mkdirSync(src);
  for (const [name, time] of Object.entries(TIMES)) {
    writeFileSync(sb.path('src', 'file'), `night ${name}\n`);
    ids[name] = sb.json<{ snapshot_id: string }>(['create', src, '--time', time, '--host', 'nas']).snapshot_id;
  }
  otherHost = sb.json<{ snapshot_id: string }>(['create', src, '--time', '2026-03-01T02:00:00+01:00', '--host', 'laptop']).snapshot_id;
});

afterAll(() => sb.cleanup());

/** The pack files with their sizes. */
const dataFiles = (): string[] =>
  readdirSync(path.join(sb.repo, 'data'), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => `${e.name}:${statSync(path.join(e.parentPath, e.name)).size}`)
    .sort();

const name = (id: string) => Object.entries(ids).find(([, v]) => v === id)?.[0] ?? (id === otherHost ? 'laptop' : id);

describe('snap forget', () => {
  it('by policy: keeps per group with every reason, removes the rest (dry run first, then for real)', () => {
    const args = ['forget', '--keep-daily', '3', '--keep-weekly', '2'];
    // Newest first. G: daily (Mar 11) + weekly (week 11). F: daily (Mar 10). E: same day as F.
    // D: daily (Mar 9), the third day. C: weekly (week 10), the second week. B, A: week 10 again,
    // and no count is left for the oldest. The laptop is its own group: its only snapshot is the
    // newest of its day and week.
    const expectedKeep = {
      G: ['daily snapshot', 'weekly snapshot'],
      F: ['daily snapshot'],
      D: ['daily snapshot'],
      C: ['weekly snapshot'],
      laptop: ['daily snapshot', 'weekly snapshot'],
    };
    const dry = sb.json<ForgetDoc>([...args, '--dry-run']);
    expect(dry.dry_run).toBe(true);
    expect(Object.fromEntries(dry.keep.map((k) => [name(k.id), k.reasons]))).toEqual(expectedKeep);
    expect(dry.remove.map((r) => name(r.id))).toEqual(['E', 'B', 'A']);
    expect(dry.remove.map((r) => r.time)).toEqual([TIMES.E, TIMES.B, TIMES.A]);
    expect(sb.json<unknown[]>(['list']).length).toBe(8);

    const text = sb.ok([...args, '--dry-run']).stdout;
    expect(text).toMatch(/snapshots of host nas, paths \[.*src\]:/);
    expect(text).toMatch(new RegExp(`${ids.G!.slice(0, 8)}\\s+\\S+ \\S+\\s+daily snapshot, weekly snapshot`));
    expect(text).toMatch(/would remove 3 snapshots/);

    const real = sb.json<ForgetDoc>(args);
    expect(real.dry_run).toBe(false);
    expect(real.remove.map((r) => name(r.id))).toEqual(['E', 'B', 'A']);
    const left = sb.json<Array<{ id: string }>>(['list']).map((s) => name(s.id)).sort();
    expect(left).toEqual(['C', 'D', 'F', 'G', 'laptop']);

    const log = sb.json<Array<{ operation: string; snapshot_ids: string[]; bytes_freed: number }>>(['log']);
    const last = log[log.length - 1]!;
    expect(last.operation).toBe('forget');
    expect(last.snapshot_ids.map(name).sort()).toEqual(['A', 'B', 'E']);
    expect(last.bytes_freed).toBe(0);
  });

  it('--host narrows the policy to one host', () => {
    const doc = sb.json<ForgetDoc>(['forget', '--keep-last', '1', '--host', 'laptop', '--dry-run']);
    expect(doc.keep.map((k) => [name(k.id), k.reasons])).toEqual([['laptop', ['last snapshot']]]);
    expect(doc.remove).toEqual([]);
  });

  it('by id and by unique prefix; the records go, their data stays until prune', () => {
    const dataBefore = dataFiles();
    expect(dataBefore.length).toBeGreaterThan(0);
    const doc = sb.json<ForgetDoc>(['forget', ids.C!, ids.D!.slice(0, 10)]);
    expect(doc.keep).toEqual([]);
    expect(doc.remove).toEqual([
      { id: ids.D, time: TIMES.D },
      { id: ids.C, time: TIMES.C },
    ]);
    expect(sb.json<Array<{ id: string }>>(['list']).map((s) => name(s.id)).sort()).toEqual(['F', 'G', 'laptop']);
    expect(dataFiles()).toEqual(dataBefore);
  });

  it('refuses without ids or policy, with both, and with an unknown id (exit 1, nothing removed)', () => {
    const none = sb.run(['forget', '--json']);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/no policy was given/);
    expect(JSON.parse(none.stdout).error.code).toBe('invalid_argument');

    const both = sb.run(['forget', ids.G!, '--keep-last', '1']);
    expect(both.code).toBe(1);
    expect(both.stderr).toMatch(/not both/);

    const unknown = sb.run(['forget', 'ffffffff']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/no snapshot with id ffffffff/);

    const badCount = sb.run(['forget', '--keep-daily', 'x']);
    expect(badCount.code).toBe(1);
    expect(badCount.stderr).toMatch(/--keep-daily "x"/);

    expect(sb.json<unknown[]>(['list']).length).toBe(3);
  });
});
