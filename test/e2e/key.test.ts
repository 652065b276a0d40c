// `snap key list|add|remove|passwd` end to end: several passwords per repository, the refusal rules,
// and that changing passwords rewrites nothing but keys/ (and the audit log).

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { BIN, Sandbox, TEST_KDF } from './helpers.js';

/** name → sha256 of every file below the given repository folders. */
function hashFolders(repo: string, folders: string[]): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: string) => {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    for (const n of names) {
      const p = path.join(dir, n);
      if (statSync(p).isDirectory()) walk(p);
      else out.set(path.relative(repo, p), createHash('sha256').update(readFileSync(p)).digest('hex'));
    }
  };
  for (const f of folders) walk(path.join(repo, f));
  return out;
}

interface KeyRow {
  id: string;
  current: boolean;
  username: string;
  hostname: string;
  created: string;
}

describe('snap key', () => {
  let sb: Sandbox;
  beforeEach(() => {
    sb = new Sandbox('first password');
    sb.init();
    mkdirSync(sb.path('src'));
    writeFileSync(sb.path('src', 'f.txt'), 'some content\n'.repeat(1000));
    sb.ok(['create', sb.path('src')]);
  });
  afterEach(() => sb.cleanup());

  const withPw = (pw: string) => ({ env: { SNAP_PASSWORD: pw } });

  it('list shows one current key with its owner and time', () => {
    const keys = sb.json<KeyRow[]>(['key', 'list']);
    expect(keys).toHaveLength(1);
    const k = keys[0]!;
    expect(k.id).toMatch(/^[0-9a-f]{64}$/);
    expect(k.current).toBe(true);
    expect(typeof k.username).toBe('string');
    expect(k.hostname.length).toBeGreaterThan(0);
    expect(Date.now() - Date.parse(k.created)).toBeLessThan(10 * 60_000);
    expect(readdirSync(path.join(sb.repo, 'keys'))).toEqual([k.id]);
    const text = sb.ok(['key', 'list']).stdout;
    expect(text).toContain(k.id.slice(0, 8));
    expect(text).toMatch(/^\*\s+[0-9a-f]{8}/m);
  });

  it('add makes a second password that opens the repository; current follows the password used', () => {
    const pwFile = sb.path('new-pw');
    writeFileSync(pwFile, 'second password\n');
    const added = sb.json<{ ok: boolean; key_id: string }>(['key', 'add', '--new-password-file', pwFile, '--kdf', TEST_KDF]);
    expect(added.ok).toBe(true);
    expect(added.key_id).toMatch(/^[0-9a-f]{64}$/);
    const stored = JSON.parse(readFileSync(path.join(sb.repo, 'keys', added.key_id), 'utf8'));
    expect(stored.kdf).toEqual({ name: 'scrypt', N: 1024, r: 8, p: 1 });

    const asFirst = sb.json<KeyRow[]>(['key', 'list']);
    expect(asFirst.map((k) => k.id).sort()).toEqual(readdirSync(path.join(sb.repo, 'keys')).sort());
    expect(asFirst.find((k) => k.current)!.id).not.toBe(added.key_id);
    // The file's trailing newline is not part of the password.
    const asSecond = sb.json<KeyRow[]>(['key', 'list'], withPw('second password'));
    expect(asSecond.find((k) => k.current)!.id).toBe(added.key_id);
    expect(sb.run(['list'], withPw('second password\n')).code).toBe(12);
    // Both passwords read the same data.
    const a = sb.ok(['dump', 'latest', `${sb.path('src')}/f.txt`]).stdoutBuf;
    const b = sb.ok(['dump', 'latest', `${sb.path('src')}/f.txt`], withPw('second password')).stdoutBuf;
    expect(a.equals(b)).toBe(true);
    expect(a.toString()).toBe('some content\n'.repeat(1000));
  });

  it('add takes SNAP_NEW_PASSWORD; the default KDF cost is scrypt N=2^17', () => {
    const added = sb.json<{ key_id: string }>(['key', 'add'], { env: { SNAP_NEW_PASSWORD: 'env password' } });
    const stored = JSON.parse(readFileSync(path.join(sb.repo, 'keys', added.key_id), 'utf8'));
    expect(stored.kdf).toEqual({ name: 'scrypt', N: 131072, r: 8, p: 1 });
    expect(sb.run(['list'], withPw('env password')).code).toBe(0);
  });

  it('without a new password source and without a terminal it fails at once (exit 1), writing nothing', () => {
    const r = sb.run(['key', 'add', '--kdf', TEST_KDF, '--json']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/new password is needed.*--new-password-file.*SNAP_NEW_PASSWORD/);
    expect(JSON.parse(r.stdout).error.code).toBe('invalid_argument');
    expect(readdirSync(path.join(sb.repo, 'keys'))).toHaveLength(1);
    expect(sb.run(['key', 'add', '--kdf', TEST_KDF], { env: { SNAP_NEW_PASSWORD: '' } }).stderr).toMatch(/empty/);
    expect(sb.run(['key', 'add', '--kdf', 'scrypt:1000,8,1'], { env: { SNAP_NEW_PASSWORD: 'x' } }).stderr).toMatch(/power of two/);
    expect(readdirSync(path.join(sb.repo, 'keys'))).toHaveLength(1);
  });

  it('remove refuses the key in use and the last key, removes another by prefix', () => {
    const [first] = sb.json<KeyRow[]>(['key', 'list']);
    const second = sb.json<{ key_id: string }>(['key', 'add', '--kdf', TEST_KDF], { env: { SNAP_NEW_PASSWORD: 'pw2' } }).key_id;

    const inUse = sb.run(['key', 'remove', first!.id, '--json']);
    expect(inUse.code).toBe(1);
    expect(inUse.stderr).toMatch(/refusing to remove key .*opened the repository with/);
    expect(JSON.parse(inUse.stdout).error.code).toBe('invalid_argument');
    expect(readdirSync(path.join(sb.repo, 'keys'))).toHaveLength(2);

    expect(sb.run(['key', 'remove', 'ffffffffff']).code).toBe(1);
    expect(sb.run(['key', 'remove', 'ffffffffff']).stderr).toMatch(/no key with id ffffffffff/);
    expect(sb.run(['key', 'remove', 'zz']).stderr).toMatch(/not a key id/);

    // Opened with the second password, the first key can go (by prefix).
    const removed = sb.json<{ ok: boolean; key_id: string }>(['key', 'remove', first!.id.slice(0, 10)], withPw('pw2'));
    expect(removed).toEqual({ ok: true, key_id: first!.id });
    expect(readdirSync(path.join(sb.repo, 'keys'))).toEqual([second]);
    expect(sb.run(['list']).code).toBe(12); // the first password is gone

    const last = sb.run(['key', 'remove', second], withPw('pw2'));
    expect(last.code).toBe(1);
    expect(last.stderr).toMatch(/last key/);
    expect(readdirSync(path.join(sb.repo, 'keys'))).toEqual([second]);
  });

  it('passwd replaces the password in use and rewrites no data, index or snapshot', () => {
    const before = hashFolders(sb.repo, ['data', 'index', 'snapshots', 'config']);
    const configBefore = readFileSync(path.join(sb.repo, 'config'));
    const [old] = sb.json<KeyRow[]>(['key', 'list']);
    const r = sb.json<{ ok: boolean; key_id: string }>(['key', 'passwd', '--kdf', TEST_KDF], { env: { SNAP_NEW_PASSWORD: 'new password' } });
    expect(r.ok).toBe(true);
    expect(r.key_id).not.toBe(old!.id);
    expect(readdirSync(path.join(sb.repo, 'keys'))).toEqual([r.key_id]);

    expect(sb.run(['list']).code).toBe(12);
    const keys = sb.json<KeyRow[]>(['key', 'list'], withPw('new password'));
    expect(keys.map((k) => [k.id, k.current])).toEqual([[r.key_id, true]]);
    const after = hashFolders(sb.repo, ['data', 'index', 'snapshots']);
    expect(after.size).toBeGreaterThan(2);
    expect(after).toEqual(new Map([...before].filter(([k]) => !k.startsWith('config'))));
    expect(readFileSync(path.join(sb.repo, 'config')).equals(configBefore)).toBe(true);
    const dumped = sb.ok(['dump', 'latest', `${sb.path('src')}/f.txt`], withPw('new password')).stdout;
    expect(dumped).toBe('some content\n'.repeat(1000));
  });

  it('refuses an unencrypted repository with a clear message', () => {
    const plain = new Sandbox(undefined);
    try {
      plain.init(['--encryption', 'none']);
      for (const args of [['key', 'list'], ['key', 'add'], ['key', 'remove', 'abcd'], ['key', 'passwd']]) {
        const r = plain.run(args, { env: { SNAP_NEW_PASSWORD: 'x' } });
        expect(r.code).toBe(1);
        expect(r.stderr).toMatch(/not encrypted/);
      }
    } finally {
      plain.cleanup();
    }
  });

  it('wrong password: exit 12; no repository: exit 10', () => {
    expect(sb.run(['key', 'list'], withPw('nope')).code).toBe(12);
    expect(sb.run(['key', 'list'], { env: { SNAP_REPO: sb.path('none') } }).code).toBe(10);
  });

  it('changes take an exclusive lock: while a backup runs, key add exits 11; list (shared) works', async () => {
    const backup = spawn(process.execPath, [BIN, 'create', '--stdin', '--stdin-filename', 'slow'], { env: sb.baseEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((r) => backup.on('exit', r));
    let stderr = '';
    backup.stderr.on('data', (d) => (stderr += d));
    try {
      const lockDir = path.join(sb.repo, 'locks');
      for (let i = 0; i < 600 && !(existsSync(lockDir) && readdirSync(lockDir).length > 0); i++) await new Promise((r) => setTimeout(r, 50));
      expect(readdirSync(lockDir).length, stderr).toBeGreaterThan(0);
      const r = sb.run(['key', 'add', '--kdf', TEST_KDF], { env: { SNAP_NEW_PASSWORD: 'x' } });
      expect(r.code).toBe(11);
      expect(r.stderr).toMatch(/locked/);
      expect(sb.run(['key', 'list']).code).toBe(0);
      expect(readdirSync(path.join(sb.repo, 'keys'))).toHaveLength(1);
    } finally {
      backup.stdin.end('streamed\n');
    }
    expect(await exited).toBe(0);
    expect(sb.run(['key', 'add', '--kdf', TEST_KDF], { env: { SNAP_NEW_PASSWORD: 'x' } }).code).toBe(0);
  });
});
