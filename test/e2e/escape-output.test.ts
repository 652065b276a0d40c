// Issue 15 item 9: human output escapes control characters in every string that comes from a
// snapshot, a key file or the storage (one helper, cli/output.ts escapeControl): an ESC or BEL in a
// host name, tag, user name or file name reaches the terminal as \xNN, never raw. JSON keeps the
// exact strings (JSON itself escapes them).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, readdirSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { blake3 } from '@napi-rs/blake-hash';
import { objectName } from '../../src/crypto/index.js';
import { Sandbox } from './helpers.js';

const ESC = '\x1b';
const BEL = '\x07';
const HOST = `host${ESC}]0;owned${BEL}`;
const TAG = `tag${BEL}${ESC}[31m`;
const FILE = `file${ESC}[2J${BEL}.txt`;
const USER = `user${ESC}[8m`;

function expectClean(out: string): void {
  expect(out).not.toContain(ESC);
  expect(out).not.toContain(BEL);
}

describe('control characters from the repository are escaped in human output', () => {
  const sb = new Sandbox(undefined);
  let src: string;
  beforeAll(() => {
    sb.ok(['init', '--encryption', 'none']);
    src = sb.path('src');
    mkdirSync(src);
    writeFileSync(path.join(src, FILE), 'x');
    sb.ok(['create', src, '--host', HOST, '--tag', TAG]);
    // A record with a user name holding ESC, as someone with write access could store it.
    const dir = path.join(sb.repo, 'snapshots');
    const rec = JSON.parse(readFileSync(path.join(dir, readdirSync(dir)[0]!), 'utf8'));
    const forged = Buffer.from(JSON.stringify({ ...rec, username: USER, time: '2030-01-01T00:00:00.000+00:00' }));
    writeFileSync(path.join(dir, blake3(forged).toString('hex')), forged);
    // And an audit log entry with one (the pre-chain name format, which carries no hash).
    const entry = { time: '2030-01-01T00:00:00.000Z', operation: `create${ESC}[1A`, username: USER, hostname: HOST, snapshot_ids: [], bytes_added: 0, bytes_freed: 0 };
    writeFileSync(path.join(sb.repo, 'log', '20300101T000000000Z-0123456789ab'), JSON.stringify(entry));
  });
  afterAll(() => sb.cleanup());

  it('list shows host, tag and user escaped; --json keeps them exact', () => {
    const r = sb.run(['list']);
    expect(r.code).toBe(0);
    expectClean(r.stdout + r.stderr);
    expect(r.stdout).toContain('host\\x1b]0;owned\\x07');
    expect(r.stdout).toContain('tag\\x07\\x1b[31m');
    const json = sb.json<Array<{ hostname: string; tags: string[]; username: string }>>(['list']);
    expect(json.map((s) => s.hostname)).toEqual([HOST, HOST]);
    expect(json[0]!.tags).toEqual([TAG]);
    expect(json.map((s) => s.username)).toContain(USER);
  });

  it('ls escapes file names; log escapes operation, user and host', () => {
    const ls = sb.run(['ls', 'latest', '--recursive']);
    expect(ls.code).toBe(0);
    expectClean(ls.stdout);
    expect(ls.stdout).toContain('file\\x1b[2J\\x07.txt');
    const log = sb.run(['log']);
    expect(log.code).toBe(0);
    expectClean(log.stdout + log.stderr);
    expect(log.stdout).toContain('user\\x1b[8m');
    expect(log.stdout).toContain('create\\x1b[1A');
  });

  it('forget, stats and check output stay clean', () => {
    for (const args of [['forget', '--keep-last', '5', '--dry-run'], ['stats'], ['check'], ['stats', '--growth']]) {
      const r = sb.run(args);
      expectClean(r.stdout + r.stderr);
    }
  });
});

describe('key list escapes the unauthenticated key-file header', () => {
  const sb = new Sandbox();
  afterAll(() => sb.cleanup());

  it('user and host of a key file are shown escaped', () => {
    sb.init();
    const dir = path.join(sb.repo, 'keys');
    const file = path.join(dir, readdirSync(dir)[0]!);
    const key = JSON.parse(readFileSync(file, 'utf8'));
    // A key file is named by the hash of its bytes (forged ones under an old name are ignored), so
    // the edited header goes under its own name, as an attacker with write access would put it.
    const edited = Buffer.from(JSON.stringify({ ...key, username: USER, hostname: HOST }));
    unlinkSync(file);
    writeFileSync(path.join(dir, objectName(edited)), edited);
    const r = sb.run(['key', 'list']);
    expect(r.code).toBe(0);
    expectClean(r.stdout + r.stderr);
    expect(r.stdout).toContain('user\\x1b[8m');
    expect(r.stdout).toContain('host\\x1b]0;owned\\x07');
  });
});
