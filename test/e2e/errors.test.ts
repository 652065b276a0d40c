// Bad input: the documented exit code, one clear line on stderr, a JSON error document with --json,
// and nothing lost.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, writeFileSync, mkdirSync, chmodSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { Sandbox, BIN } from './helpers.js';

function listFiles(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (e.isFile()) {
      const p = path.join(e.parentPath, e.name);
      out[p] = readFileSync(p).toString('hex');
    }
  }
  return out;
}

describe('errors and exit codes', () => {
  const sb = new Sandbox();
  let src: string;
  beforeAll(() => {
    sb.init();
    src = sb.path('src');
    mkdirSync(src);
    writeFileSync(path.join(src, 'a.txt'), 'a');
    sb.ok(['create', src]);
  });
  afterAll(() => sb.cleanup());

  it('missing repository: exit 10', () => {
    const r = sb.run(['list', '--json'], { env: { SNAP_REPO: sb.path('nope') } });
    expect(r.code).toBe(10);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(sb.path('nope'));
    expect(JSON.parse(r.stdout)).toEqual({ error: { code: 'repository_not_found', exit_code: 10, message: expect.stringContaining('no repository') } });
  });

  it('wrong password: exit 12', () => {
    const r = sb.run(['list', '--json'], { env: { SNAP_PASSWORD: 'wrong' } });
    expect(r.code).toBe(12);
    expect(JSON.parse(r.stdout).error.code).toBe('wrong_password');
  });

  it('init over an existing repository: exit 1, repository untouched', () => {
    const before = listFiles(sb.repo);
    const r = sb.run(['init', '--kdf', 'scrypt:1024,8,1', '--json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).error.code).toBe('repository_exists');
    const r2 = sb.run(['init', '--encryption', 'none']);
    expect(r2.code).toBe(1);
    expect(listFiles(sb.repo)).toEqual(before);
  });

  it('no password and no TTY fails at once, never waits on stdin', () => {
    const env = { ...sb.baseEnv() };
    delete env.SNAP_PASSWORD;
    const started = Date.now();
    const r = spawnSync(process.execPath, [BIN, 'list'], { env, stdio: ['pipe', 'pipe', 'pipe'], timeout: 20_000 });
    expect(r.status).toBe(1);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(r.stderr.toString()).toMatch(/password is needed/);
  });

  it('an unreadable password file is named with the option or variable that gave it', () => {
    const env = { ...sb.baseEnv() };
    delete env.SNAP_PASSWORD;
    const missing = sb.path('no-such-pwfile');
    const viaEnv = spawnSync(process.execPath, [BIN, 'list'], { env: { ...env, SNAP_PASSWORD_FILE: missing } });
    expect(viaEnv.status).toBe(1);
    expect(viaEnv.stderr.toString().trim()).toBe(`snap: SNAP_PASSWORD_FILE ${missing}: no such file`);
    const viaOption = spawnSync(process.execPath, [BIN, 'list', '--password-file', missing], { env });
    expect(viaOption.status).toBe(1);
    expect(viaOption.stderr.toString().trim()).toBe(`snap: --password-file ${missing}: no such file`);
  });

  it('password file is read, one trailing newline stripped', () => {
    const pw = sb.path('pwfile');
    writeFileSync(pw, 'correct horse\n');
    const env = { ...sb.baseEnv() };
    delete env.SNAP_PASSWORD;
    const r = spawnSync(process.execPath, [BIN, 'list', '--password-file', pw, '--json'], { env });
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout.toString())).toHaveLength(1);
  });

  it('bad arguments: exit 1 with invalid_argument', () => {
    for (const args of [['restore', 'latest'], ['create', '--json'], ['ls', 'zz'], ['ls', 'ab'], ['restore', 'latest', sb.path('x'), '--overwrite', 'sometimes'], ['init', '--compression', 'lz9']]) {
      const r = sb.run([...args, '--json']);
      expect(r.code, args.join(' ')).toBe(1);
      expect(JSON.parse(r.stdout).error.code).toMatch(/invalid_argument|repository_exists/);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });

  it('unknown snapshot: exit 1 not_found; dump --json refused', () => {
    const r = sb.run(['ls', 'abcdef12', '--json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).error.code).toBe('not_found');
    const d = sb.run(['dump', 'latest', `${src}/a.txt`, '--json']);
    expect(d.code).toBe(1);
  });

  it('an unreadable source file: snapshot made, file named, exit 3', (ctx) => {
    if (process.getuid?.() !== 0) return; // needs a second user to make a file unreadable for
    const dir = sb.path('src2');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'ok.txt'), 'fine');
    writeFileSync(path.join(dir, 'secret.txt'), 'hidden');
    writeFileSync(path.join(dir, 'big-secret.bin'), Buffer.alloc(2 * 1024 * 1024, 7));
    const repo = sb.path('repo-nobody');
    spawnSync('chmod', ['-R', 'a+rwX', sb.root]);
    chmodSync(path.join(dir, 'secret.txt'), 0o000);
    chmodSync(path.join(dir, 'big-secret.bin'), 0o000);
    // SNAP_CHUNK_WORKERS: the big file goes to a chunking worker, whose open error must come back the same way.
    const env = { ...sb.baseEnv(), SNAP_REPO: repo, SNAP_CACHE_DIR: sb.path('cache-nobody'), HOME: sb.root, SNAP_CHUNK_WORKERS: '2' };
    const asNobody = (args: string[]) => spawnSync(process.execPath, [BIN, ...args], { env, uid: 65534, gid: 65534 });
    // The checkout itself may be out of the second user's reach (cloned into a mode-700 temp dir).
    if (asNobody(['--version']).status !== 0) ctx.skip();
    expect(asNobody(['init', '--kdf', 'scrypt:1024,8,1']).status).toBe(0);
    const r = asNobody(['create', dir, '--json']);
    expect(r.status).toBe(3);
    const doc = JSON.parse(r.stdout.toString());
    expect(doc.snapshot_id).toMatch(/^[0-9a-f]{64}$/);
    const failed = [...doc.files_failed].sort((a: { path: string }, b: { path: string }) => a.path.localeCompare(b.path));
    expect(failed).toEqual([
      { path: path.join(dir, 'big-secret.bin'), error: 'permission denied' },
      { path: path.join(dir, 'secret.txt'), error: 'permission denied' },
    ]);
    expect(r.stderr.toString()).toContain(path.join(dir, 'secret.txt'));
    const ls = JSON.parse(asNobody(['ls', `latest:${dir}`, '--json']).stdout.toString());
    expect(ls.map((e: { name: string }) => e.name)).toEqual(['ok.txt']);
  });
});
