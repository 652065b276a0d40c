// The --json contract of CLI.md, command by command, on a real repository: stdout is exactly one
// JSON document, every field name is snake_case, the documented fields are there with the right
// types; failures print only { error: { code, exit_code, message } } with the documented code.
// And the human side: tables aligned, sizes in binary units, times in local time.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { openRepository } from '../../src/repository/openRepository.js';
import { Sandbox, TEST_KDF, type RunResult } from './helpers.js';

// ---- a small type language for the documented shapes ----

type Spec = string | Spec[] | { [field: string]: Spec };

const HEX64 = /^[0-9a-f]{64}$/;
const ISO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/;
const SNAKE = /^[a-z][a-z0-9]*(_[a-z0-9]+)*$/;

function matchesType(v: unknown, t: string): boolean {
  switch (t) {
    case 'int': return Number.isSafeInteger(v) && (v as number) >= 0;
    case 'number': return typeof v === 'number' && Number.isFinite(v) && v >= 0;
    case 'string': return typeof v === 'string';
    case 'bool': return typeof v === 'boolean';
    case 'null': return v === null;
    case 'hex64': return typeof v === 'string' && HEX64.test(v);
    case 'iso': return typeof v === 'string' && ISO_TIME.test(v) && !Number.isNaN(Date.parse(v));
    case 'object': return typeof v === 'object' && v !== null && !Array.isArray(v);
    case 'array': return Array.isArray(v);
    default:
      if (t.startsWith('=')) return v === JSON.parse(t.slice(1));
      throw new Error(`unknown type ${t}`);
  }
}

/** Every place where `value` does not fit `spec` (empty when it fits). Extra fields are allowed. */
function shapeErrors(value: unknown, spec: Spec, where = '$'): string[] {
  if (typeof spec === 'string') {
    return spec.split('|').some((t) => matchesType(value, t)) ? [] : [`${where}: expected ${spec}, got ${JSON.stringify(value)}`];
  }
  if (Array.isArray(spec)) {
    if (!Array.isArray(value)) return [`${where}: expected an array, got ${JSON.stringify(value)}`];
    return value.flatMap((v, i) => shapeErrors(v, spec[0]!, `${where}[${i}]`));
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [`${where}: expected an object, got ${JSON.stringify(value)}`];
  return Object.entries(spec).flatMap(([k, s]) =>
    k in value ? shapeErrors((value as Record<string, unknown>)[k], s, `${where}.${k}`) : [`${where}.${k}: missing`],
  );
}

/** Field names that are not snake_case, anywhere in the document. */
function nonSnakeKeys(v: unknown, where = '$'): string[] {
  if (Array.isArray(v)) return v.flatMap((x, i) => nonSnakeKeys(x, `${where}[${i}]`));
  if (typeof v !== 'object' || v === null) return [];
  return Object.entries(v).flatMap(([k, x]) => [...(SNAKE.test(k) ? [] : [`${where}.${k}`]), ...nonSnakeKeys(x, `${where}.${k}`)]);
}

// ---- the documented shapes (CLI.md) ----

const CREATE: Spec = {
  snapshot_id: 'hex64', parent_id: 'hex64|null', files_new: 'int', files_changed: 'int', files_unmodified: 'int', dirs: 'int',
  bytes_read: 'int', bytes_added: 'int', bytes_stored: 'int', duration_s: 'number', files_failed: [{ path: 'string', error: 'string' }],
};
const INIT: Spec = { repository_id: 'hex64', location: 'string', encryption: 'string', compression: 'string', chunker: { min: 'int', avg: 'int', max: 'int' }, object_lock: 'null' };
const LS_ENTRY: Spec = { path: 'string', name: 'string', type: 'string', size: 'int', mode: 'int', mtime: 'iso', uid: 'int', gid: 'int' };
const DIFF_ENTRY: Spec = { path: 'string', type: 'string', size: 'int' };
const DIFF: Spec = {
  added: [DIFF_ENTRY], removed: [DIFF_ENTRY], modified: [DIFF_ENTRY], type_changed: [DIFF_ENTRY], metadata_only: [DIFF_ENTRY],
  totals: { added: 'int', removed: 'int', modified: 'int', type_changed: 'int', metadata_only: 'int', bytes_added: 'int', bytes_removed: 'int' },
};
const VERIFY: Spec = { ok: 'bool', checked: 'int', differences: [{ path: 'string', kind: 'string', detail: 'string' }] };
const FORGET: Spec = { keep: [{ id: 'hex64', time: 'iso', reasons: ['string'] }], remove: [{ id: 'hex64', time: 'iso' }], held: [{ id: 'hex64', time: 'iso', retained_until: 'iso' }], dry_run: 'bool' };
const KEY_LIST: Spec = [{ id: 'hex64', current: 'bool', username: 'string', hostname: 'string', created: 'iso' }];
const KEY_CHANGE: Spec = { ok: '=true', key_id: 'hex64' };
const LOG: Spec = [{ time: 'iso', operation: 'string', username: 'string', hostname: 'string', snapshot_ids: ['hex64'], bytes_added: 'int', bytes_freed: 'int' }];
const COPY: Spec = { snapshots_copied: 'int', snapshots_skipped: 'int', blobs_copied: 'int', bytes_copied: 'int' };
const REPORT: Spec = { ok: '=true', file: 'string', snapshots: 'int' };
const OK: Spec = { ok: '=true' };
const LIST: Spec = [{
  id: 'hex64', short_id: 'string', time: 'iso', hostname: 'string', username: 'string', paths: ['string'], tags: ['string'],
  parent_id: 'hex64|null', summary: 'object|null',
}];
const RESTORE: Spec = {
  files: 'int', dirs: 'int', bytes_written: 'int', duration_s: 'number', verified: 'bool', skipped: 'int', failed_files: [{ path: 'string', reason: 'string' }],
};
const PRUNE: Spec = {
  snapshots_removed: 'int', packs_deleted: 'int', packs_rewritten: 'int', bytes_freed: 'number', bytes_after: 'int', dry_run: 'bool',
  packs: [{ id: 'hex64', action: 'string', reason: 'string', unused_bytes: 'int' }],
  retention: { snapshots_held: [{ id: 'hex64', time: 'iso', retained_until: 'iso' }], packs: 'int', bytes: 'int', unused_bytes: 'int', first_free: 'iso|null', last_free: 'iso|null' },
};
const CHECK: Spec = {
  ok: 'bool', errors: [{ kind: 'string', message: 'string', snapshot: 'string|null', pack: 'string|null', path: 'string|null' }],
  notes: ['string'], snapshots: 'int', packs: 'int', chunks_checked: 'int',
};
const STATS: Spec = {
  snapshots: 'int', logical_bytes: 'int', stored_bytes: 'int', unique_chunk_bytes: 'int', dedup_ratio: 'number', compression_ratio: 'number',
  chunks: 'int', monthly_cost_usd: 'number',
};
const GROWTH: Spec = [{
  snapshot_id: 'hex64', time: 'iso', logical_bytes: 'int', bytes_added: 'int', bytes_stored: 'int', total_stored_bytes: 'int', monthly_cost_usd: 'number',
}];
const ERROR_CODES = ['invalid_argument', 'repository_not_found', 'repository_exists', 'wrong_password', 'repository_locked', 'not_found', 'integrity', 'io', 'interrupted', 'internal'];

// ---- running ----

const sb = new Sandbox();
const src = sb.path('src');
const targetRepo = sb.path('target-repo');
const targetEnv = { SNAP_TO_PASSWORD: 'target pw' };

/** Run with --json; the whole of stdout must parse as one document with snake_case names. */
function runJson(args: string[], opts: { env?: Record<string, string> } = {}): RunResult & { doc: any } {
  const r = sb.run([...args, '--json'], opts);
  let doc: unknown;
  expect(() => (doc = JSON.parse(r.stdout)), `snap ${args.join(' ')} --json: stdout is not one JSON document:\n${r.stdout}\n${r.stderr}`).not.toThrow();
  expect(nonSnakeKeys(doc), `snap ${args.join(' ')}`).toEqual([]);
  return { ...r, doc };
}

/** A successful command: exit `code`, stdout one document of the documented shape. */
function expectDoc(args: string[], spec: Spec, opts: { env?: Record<string, string>; code?: number } = {}): any {
  const r = runJson(args, opts);
  expect(r.code, `snap ${args.join(' ')}: ${r.stderr}`).toBe(opts.code ?? 0);
  expect(shapeErrors(r.doc, spec), `snap ${args.join(' ')}`).toEqual([]);
  return r.doc;
}

/** A failing command: stdout is only the error document, stderr one line with the same message. */
function expectError(args: string[], code: string, exit: number, opts: { env?: Record<string, string> } = {}): void {
  const r = runJson(args, opts);
  const what = `snap ${args.join(' ')} --json`;
  expect(ERROR_CODES).toContain(code);
  expect(r.code, `${what}: ${r.stderr}`).toBe(exit);
  expect(r.doc, what).toEqual({ error: { code, exit_code: exit, message: expect.any(String) } });
  expect(r.doc.error.message.length, what).toBeGreaterThan(0);
  expect(r.stderr, what).toContain(`snap: ${r.doc.error.message}\n`);
  expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
}

let first: any;
let second: any;

beforeAll(() => {
  mkdirSync(path.join(src, 'sub'), { recursive: true });
  writeFileSync(path.join(src, 'a.txt'), 'alpha\n'.repeat(1000));
  writeFileSync(path.join(src, 'b.bin'), Buffer.alloc(300_000, 7));
  writeFileSync(path.join(src, 'sub', 'c.txt'), 'gamma\n');
});
afterAll(() => sb.cleanup());

describe('--json: every command prints one document of the documented shape', () => {
  it('init', () => {
    const doc = expectDoc(['init', '--kdf', TEST_KDF], INIT);
    expect(doc).toMatchObject({ location: sb.repo, encryption: 'aes-256-gcm', compression: 'zstd:3', chunker: { min: 32768, avg: 131072, max: 524288 } });
    expectDoc(['init', '--kdf', TEST_KDF], INIT, { env: { SNAP_REPO: targetRepo, SNAP_PASSWORD: targetEnv.SNAP_TO_PASSWORD } });
  });

  it('create (twice, the second with a parent)', () => {
    first = expectDoc(['create', src, '--tag', 'nightly', '--time', '2026-01-01T10:00:00+01:00'], CREATE);
    expect(first).toMatchObject({ parent_id: null, files_new: 3, files_changed: 0, files_unmodified: 0, files_failed: [] });
    writeFileSync(path.join(src, 'a.txt'), 'alpha changed\n');
    writeFileSync(path.join(src, 'new.txt'), 'new\n');
    second = expectDoc(['create', src, '--tag', 'nightly'], CREATE);
    expect(second).toMatchObject({ parent_id: first.snapshot_id, files_new: 1, files_changed: 1, files_unmodified: 2 });
  });

  it('list: the summary is the create document', () => {
    const doc = expectDoc(['list'], LIST);
    expect(doc.map((s: { id: string }) => s.id)).toEqual([first.snapshot_id, second.snapshot_id]);
    expect(doc[0]).toMatchObject({ short_id: first.snapshot_id.slice(0, 8), paths: [src], tags: ['nightly'], parent_id: null });
    expect(doc[1].parent_id).toBe(first.snapshot_id);
    expect(shapeErrors(doc[1].summary, CREATE)).toEqual([]);
    const { duration_s: _a, ...sum } = doc[1].summary;
    const { duration_s: _b, ...created } = second;
    expect(sum).toMatchObject(created);
  });

  it('ls (recursive, one streamed array)', () => {
    const doc = expectDoc(['ls', `latest:${src}`, '--recursive'], [LS_ENTRY]);
    expect(doc.map((e: { path: string }) => e.path).sort()).toEqual(
      ['a.txt', 'b.bin', 'new.txt', 'sub', 'sub/c.txt'].map((p) => `${src}/${p}`),
    );
    expect(doc.find((e: { name: string }) => e.name === 'b.bin')).toMatchObject({ type: 'file', size: 300_000 });
    expect(doc.find((e: { name: string }) => e.name === 'sub')).toMatchObject({ type: 'dir' });
    expectDoc(['ls', 'latest'], [LS_ENTRY]);
  });

  it('restore (with and without --verify)', () => {
    const doc = expectDoc(['restore', 'latest', sb.path('out1')], RESTORE);
    expect(doc).toMatchObject({ files: 4, bytes_written: 300_000 + 14 + 4 + 6, verified: false, failed_files: [] });
    expect(expectDoc(['restore', 'latest', sb.path('out2'), '--verify'], RESTORE).verified).toBe(true);
  });

  it('diff', () => {
    const doc = expectDoc(['diff', first.snapshot_id, second.snapshot_id], DIFF);
    expect(doc.added).toEqual([{ path: `${src}/new.txt`, type: 'file', size: 4 }]);
    expect(doc.modified).toEqual([{ path: `${src}/a.txt`, type: 'file', size: 14 }]);
    expect(doc.totals).toMatchObject({ added: 1, removed: 0, modified: 1, bytes_added: 4 });
  });

  it('verify: ok, and with differences its own document and exit 1', () => {
    expect(expectDoc(['verify', 'latest', src], VERIFY)).toMatchObject({ ok: true, differences: [] });
    const doc = expectDoc(['verify', first.snapshot_id, src], VERIFY, { code: 1 });
    expect(doc.ok).toBe(false);
    expect(doc.differences.length).toBeGreaterThan(0);
  });

  it('forget --dry-run', () => {
    const doc = expectDoc(['forget', '--keep-last', '1', '--dry-run'], FORGET);
    expect(doc).toMatchObject({ dry_run: true, keep: [{ id: second.snapshot_id, reasons: ['last snapshot'] }], remove: [{ id: first.snapshot_id }] });
  });

  it('prune --dry-run', () => {
    const doc = expectDoc(['prune', '--keep-last', '1', '--dry-run'], PRUNE);
    expect(doc).toMatchObject({ dry_run: true, snapshots_removed: 1 });
    for (const p of doc.packs) expect(['delete', 'repack', 'keep', 'condemn']).toContain(p.action);
    expect(expectDoc(['list'], LIST)).toHaveLength(2); // nothing was removed
  });

  it('check and check --read-data', () => {
    expect(expectDoc(['check'], CHECK)).toMatchObject({ ok: true, errors: [], snapshots: 2 });
    const doc = expectDoc(['check', '--read-data'], CHECK);
    expect(doc.ok).toBe(true);
    expect(doc.chunks_checked).toBeGreaterThan(0);
  });

  it('stats and stats --growth', () => {
    const st = expectDoc(['stats'], STATS);
    expect(st.snapshots).toBe(2);
    expect(st.logical_bytes).toBeGreaterThan(st.unique_chunk_bytes);
    const rows = expectDoc(['stats', '--growth'], GROWTH);
    expect(rows.map((r: { snapshot_id: string }) => r.snapshot_id)).toEqual([first.snapshot_id, second.snapshot_id]);
  });

  it('report --html', () => {
    const file = sb.path('report.html');
    expect(expectDoc(['report', '--html', file], REPORT)).toEqual({ ok: true, file, snapshots: 2 });
    expect(readFileSync(file, 'utf8')).toMatch(/^<!doctype html>/i);
  });

  it('demo', () => {
    const dir = sb.path('demo');
    const doc = expectDoc(['demo', dir], { ...OK, dir: 'string', snapshots: ['hex64'], verified: '=true' });
    expect(doc.dir).toBe(dir);
    expect(existsSync(path.join(dir, 'repo', 'config'))).toBe(true);
  });

  it('copy (and copying again sends nothing)', () => {
    expect(expectDoc(['copy', '--to', targetRepo], COPY, { env: targetEnv })).toMatchObject({ snapshots_copied: 2, snapshots_skipped: 0 });
    expect(expectDoc(['copy', '--to', targetRepo], COPY, { env: targetEnv })).toMatchObject({ snapshots_copied: 0, snapshots_skipped: 2, blobs_copied: 0, bytes_copied: 0 });
  });

  it('key list and key add', () => {
    const keys = expectDoc(['key', 'list'], KEY_LIST);
    expect(keys).toHaveLength(1);
    expect(keys[0].current).toBe(true);
    const added = expectDoc(['key', 'add', '--kdf', TEST_KDF], KEY_CHANGE, { env: { SNAP_NEW_PASSWORD: 'second password' } });
    const after = expectDoc(['key', 'list'], KEY_LIST);
    expect(after.map((k: { id: string }) => k.id)).toContain(added.key_id);
  });

  it('log', () => {
    const log = expectDoc(['log'], LOG);
    expect(log.map((e: { operation: string }) => e.operation)).toEqual(expect.arrayContaining(['create', 'key add']));
    expect(log.find((e: { operation: string }) => e.operation === 'create').snapshot_ids).toEqual([first.snapshot_id]);
  });

  it('repair index, repair snapshots --dry-run, unlock', () => {
    expectDoc(['repair', 'index'], OK);
    expect(expectDoc(['repair', 'snapshots', '--dry-run'], { ...OK, dry_run: '=true', snapshots: 'array' }).snapshots).toEqual([]);
    expectDoc(['unlock'], OK);
    expect(expectDoc(['check'], CHECK).ok).toBe(true);
  });

  it('dump refuses --json (exit 1, invalid_argument), and writes nothing else', () => {
    expectError(['dump', 'latest', `${src}/a.txt`], 'invalid_argument', 1);
  });
});

describe('--json failures: only the error document, with the documented code', () => {
  /** Each command with arguments that are fine, so only the repository or password is wrong. */
  const commands: string[][] = [
    ['create', '/nonexistent-but-never-read'], ['list'], ['ls', 'latest'], ['restore', 'latest', '/tmp/never'], ['diff', 'latest', 'latest'],
    ['verify', 'latest', '/tmp'], ['forget', '--keep-last', '1', '--dry-run'], ['prune', '--dry-run'], ['check'], ['stats'], ['stats', '--growth'],
    ['report', '--html', '/tmp/never.html'], ['copy', '--to', '/tmp/never-repo'], ['key', 'list'], ['log'], ['repair', 'index'],
    ['repair', 'snapshots', '--dry-run'], ['unlock'],
  ];

  it('bad arguments: invalid_argument, exit 1', () => {
    for (const cmd of [...commands, ['init'], ['demo'], ['dump', 'latest', 'x'], ['key', 'add']]) {
      expectError([...cmd, '--no-such-option'], 'invalid_argument', 1);
    }
    expectError(['restore', 'latest'], 'invalid_argument', 1); // missing target
    expectError(['no-such-command'], 'invalid_argument', 1);
    expectError(['forget', '--keep-last', 'many'], 'invalid_argument', 1);
    expectError(['prune', '--max-unused', 'lots'], 'invalid_argument', 1);
    expectError(['check', '--read-data-subset', '7/3'], 'invalid_argument', 1);
    expectError(['stats', '--price-per-gb-month', 'free'], 'invalid_argument', 1);
    expectError(['init', '--encryption', 'rot13'], 'invalid_argument', 1);
    expectError(['create', src, '--time', 'yesterday'], 'invalid_argument', 1);
    expectError(['list'], 'invalid_argument', 1, { env: { SNAP_REPO: '' } });
  });

  it('missing repository: repository_not_found, exit 10', () => {
    const env = { SNAP_REPO: sb.path('no-repo-here') };
    for (const cmd of commands) expectError(cmd, 'repository_not_found', 10, { env });
    expectError(['dump', 'latest', 'x'], 'invalid_argument', 1, { env }); // --json is refused first
  });

  it('wrong password: wrong_password, exit 12', () => {
    const env = { SNAP_PASSWORD: 'not the password' };
    for (const cmd of commands) expectError(cmd, 'wrong_password', 12, { env });
  });

  it('locked repository: repository_locked, exit 11, the message names the holder', async () => {
    const repo = await openRepository({ location: sb.repo, password: async () => Buffer.from(sb.password!), cacheDir: sb.cache });
    const lock = await repo.lock(true);
    try {
      for (const cmd of [['list'], ['create', src], ['check'], ['prune', '--dry-run']]) expectError(cmd, 'repository_locked', 11);
      const r = runJson(['list']);
      expect(r.doc.error.message).toContain(`pid ${process.pid}`);
    } finally {
      await lock.release();
      await repo.close();
    }
    expectDoc(['list'], LIST);
  });

  it('existing repository: repository_exists; unknown snapshot: not_found', () => {
    expectError(['init', '--kdf', TEST_KDF], 'repository_exists', 1);
    expectError(['ls', 'abcdef12'], 'not_found', 1);
    expectError(['restore', 'ffff', sb.path('never')], 'not_found', 1);
  });
});

describe('human output: aligned columns, binary units, local times', () => {
  // Five and a half hours east of UTC: local and UTC times differ, also in the minutes.
  const env = { TZ: 'Asia/Kolkata' };
  const local = (iso: string) => new Date(Date.parse(iso) + 5.5 * 3600_000).toISOString().slice(0, 19).replace('T', ' ');
  const SIZE_RE = /^\d+(\.\d+)? (B|KiB|MiB|GiB)$/;

  /** Each named column's cells start (left-aligned) or end (right-aligned) exactly where its header does. */
  function expectColumns(lines: string[], columns: Array<{ name: string; right?: boolean }>): string[][] {
    const header = lines[0]!;
    const cells: string[][] = lines.slice(1).map(() => []);
    for (const { name, right } of columns) {
      const start = header.indexOf(name);
      expect(start, `header ${header} lacks ${name}`).toBeGreaterThanOrEqual(0);
      const end = start + name.length;
      lines.slice(1).forEach((row, i) => {
        if (right) {
          expect(row[end - 1], `${name} not right-aligned in:\n${lines.join('\n')}`).not.toBe(' ');
          expect(row[end] ?? ' ', `${name} not right-aligned in:\n${lines.join('\n')}`).toBe(' ');
          cells[i]!.push(/(\S+(?: \S+)*)$/.exec(row.slice(0, end))![1]!);
        } else {
          expect(row[start], `${name} not left-aligned in:\n${lines.join('\n')}`).not.toBe(' ');
          if (start > 0) expect(row.slice(start - 2, start), `${name} not left-aligned in:\n${lines.join('\n')}`).toBe('  ');
          cells[i]!.push(/^(\S+(?: \S+)*)/.exec(row.slice(start))![1]!);
        }
      });
    }
    return cells;
  }

  it('list', () => {
    const snaps = expectDoc(['list'], LIST);
    const lines = sb.ok(['list'], { env }).stdout.trimEnd().split('\n');
    expect(lines[lines.length - 1]).toBe('2 snapshots');
    const cells = expectColumns(lines.slice(0, -1), [
      { name: 'ID' }, { name: 'Time' }, { name: 'Host' }, { name: 'Tags' }, { name: 'Paths' }, { name: 'Size', right: true }, { name: 'Added', right: true },
    ]);
    cells.forEach((c, i) => {
      expect(c[0]).toBe(snaps[i].short_id);
      expect(c[1]).toBe(local(snaps[i].time));
      expect(c[5]).toMatch(SIZE_RE);
      expect(c[6]).toMatch(SIZE_RE);
    });
  });

  it('stats --growth, stats, log, key list', () => {
    const rows = expectDoc(['stats', '--growth'], GROWTH);
    const g = sb.ok(['stats', '--growth'], { env }).stdout.trimEnd().split('\n');
    const cells = expectColumns(g.slice(0, rows.length + 1), [
      { name: 'ID' }, { name: 'Time' }, { name: 'Logical', right: true }, { name: 'Added', right: true }, { name: 'Stored', right: true },
      { name: 'Total stored', right: true }, { name: 'Cost/month', right: true },
    ]);
    cells.forEach((c, i) => {
      expect(c[1]).toBe(local(rows[i].time));
      for (const k of [2, 3, 4, 5]) expect(c[k]).toMatch(SIZE_RE);
    });

    const stats = sb.ok(['stats'], { env }).stdout.trimEnd().split('\n');
    const valueEnds = stats.filter((l) => l.includes(':  ')).map((l) => l.length);
    expect(new Set(valueEnds).size).toBe(1); // values right-aligned to one column
    expect(stats.find((l) => l.startsWith('Logical size:'))).toMatch(/ \d+(\.\d+)? (B|KiB|MiB)$/);

    const log = expectDoc(['log'], LOG);
    const l = sb.ok(['log'], { env }).stdout.trimEnd().split('\n');
    const logCells = expectColumns(l.slice(0, -1), [{ name: 'Time' }, { name: 'Operation' }, { name: 'User' }, { name: 'Host' }]);
    logCells.forEach((c, i) => expect(c[0]).toBe(local(log[i].time)));

    const keys = expectDoc(['key', 'list'], KEY_LIST);
    const k = sb.ok(['key', 'list'], { env }).stdout.trimEnd().split('\n');
    const keyCells = expectColumns(k, [{ name: 'ID' }, { name: 'User' }, { name: 'Created' }, { name: 'KDF' }]);
    keyCells.forEach((c, i) => expect(c[2]).toBe(local(keys[i].created)));
  });

  it('prune --dry-run and forget --dry-run tables; sizes never in decimal units', () => {
    const p = sb.ok(['prune', '--dry-run'], { env }).stdout.split('\n');
    const start = p.findIndex((line) => /^\s+packs\s+size$/.test(line));
    const cells = expectColumns(p.slice(start, start + 4), [{ name: 'packs', right: true }, { name: 'size', right: true }]);
    for (const c of cells) expect(c[1]).toMatch(SIZE_RE);
    const f = sb.ok(['forget', '--keep-last', '1', '--dry-run'], { env }).stdout.split('\n');
    const snaps = expectDoc(['list'], LIST);
    expect(f.join('\n')).toContain(`${snaps[1].short_id}  ${local(snaps[1].time)}  last snapshot`);
    for (const args of [['list'], ['stats'], ['stats', '--growth'], ['log'], ['prune', '--dry-run'], ['diff', first.snapshot_id, second.snapshot_id]]) {
      expect(sb.ok(args, { env }).stdout, args.join(' ')).not.toMatch(/\d (kB|MB|GB|TB)\b/);
    }
  });
});
