// Hostile storage (issue 15, items 1 and 2): whoever can write to the repository cannot downgrade it
// to plaintext, swap its config, or steer the client with fields it reads from storage. Every case
// runs the built CLI on real files and performs the attack as an attacker with write access would.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { Sandbox } from './helpers.js';

const MARKER = 'MARKER-7f3a-plaintext-must-not-reach-storage';

/** Every file below `dir` whose bytes contain `needle`. */
function filesContaining(dir: string, needle: string): string[] {
  const hits: string[] = [];
  const walk = (d: string) => {
    for (const n of readdirSync(d)) {
      const p = path.join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else if (readFileSync(p).includes(Buffer.from(needle))) hits.push(p);
    }
  };
  if (existsSync(dir)) walk(dir);
  return hits;
}

/** A client with no password at all (the same as `new Sandbox(undefined)`). */
class NoPasswordSandbox extends Sandbox {
  override baseEnv(): Record<string, string> {
    const env = super.baseEnv();
    delete env.SNAP_PASSWORD;
    return env;
  }
}

const errorLine = (stderr: string) => stderr.trim().split('\n').filter((l) => l.startsWith('snap:'));

describe('downgrade to plaintext (item 1)', () => {
  let sb: Sandbox;
  let src: string;
  beforeEach(() => {
    sb = new Sandbox('victim password');
    sb.init();
    src = sb.path('src');
    mkdirSync(src);
    writeFileSync(path.join(src, 'secret.txt'), `${MARKER}\n`.repeat(100));
    sb.ok(['create', src]);
  });
  afterEach(() => sb.cleanup());

  /** The attack as described: delete keys/, move the other objects aside, write a fresh unencrypted config. */
  function downgrade(): void {
    rmSync(path.join(sb.repo, 'keys'), { recursive: true });
    mkdirSync(sb.path('aside'));
    for (const d of ['data', 'index', 'snapshots', 'log', 'locks']) {
      if (existsSync(path.join(sb.repo, d))) renameSync(path.join(sb.repo, d), sb.path('aside', d));
    }
    const attacker = new Sandbox(undefined);
    try {
      attacker.ok(['init', '--encryption', 'none']);
      writeFileSync(path.join(sb.repo, 'config'), readFileSync(path.join(attacker.repo, 'config')));
    } finally {
      attacker.cleanup();
    }
  }

  it('the unchanged nightly `SNAP_PASSWORD=... snap create src` refuses (exit 1, one line) and no plaintext reaches the repository', () => {
    downgrade();
    const r = sb.run(['create', src, '--json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).error.code).toBe('integrity');
    expect(errorLine(r.stderr)).toHaveLength(1);
    expect(r.stderr).toMatch(/no key files, but this client knows it as encrypted/);
    expect(filesContaining(sb.repo, MARKER)).toEqual([]);
    expect(readdirSync(sb.repo).sort()).toEqual(['config']);
  });

  it('a client with no record (fresh cache) that was given a password refuses too', () => {
    downgrade();
    const r = sb.run(['create', src], { env: { SNAP_CACHE_DIR: sb.path('fresh-cache') } });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/is not encrypted \(no key files\), but a password was given/);
    expect(filesContaining(sb.repo, MARKER)).toEqual([]);
  });

  it('copy --to a downgraded target refuses (SNAP_TO_PASSWORD given) and writes no plaintext there', () => {
    downgrade();
    const source = new Sandbox('source password');
    try {
      source.init();
      source.ok(['create', src]);
      const r = source.run(['copy', '--to', sb.repo], { env: { SNAP_CACHE_DIR: sb.cache, SNAP_TO_PASSWORD: 'victim password' } });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/knows it as encrypted/);
    } finally {
      source.cleanup();
    }
    expect(filesContaining(sb.repo, MARKER)).toEqual([]);
  });

  it('restore does not accept snapshots the attacker built in their unencrypted repository', () => {
    // The attacker replaces the whole repository with one of their own, holding a snapshot of theirs.
    const attacker = new Sandbox(undefined);
    try {
      attacker.ok(['init', '--encryption', 'none']);
      const evil = attacker.path('evil');
      mkdirSync(evil);
      writeFileSync(path.join(evil, 'planted.sh'), '#!/bin/sh\necho pwned\n');
      attacker.ok(['create', evil]);
      rmSync(sb.repo, { recursive: true });
      renameSync(attacker.repo, sb.repo);
    } finally {
      attacker.cleanup();
    }
    const target = sb.path('target');
    for (const env of [{}, { SNAP_PASSWORD: '' }, { SNAP_CACHE_DIR: sb.path('fresh-cache') }]) {
      const r = sb.run(['restore', 'latest', target], { env });
      expect(r.code, JSON.stringify(env)).toBe(1);
      expect(r.stderr).toMatch(/refusing to use it unencrypted/);
    }
    // No password at all, but this client knows the location as encrypted: refused as well.
    const noPw = new NoPasswordSandbox();
    try {
      const r = noPw.run(['restore', 'latest', target], { env: { SNAP_REPO: sb.repo, SNAP_CACHE_DIR: sb.cache } });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/knows it as encrypted/);
    } finally {
      noPw.cleanup();
    }
    expect(existsSync(target)).toBe(false);
    // Only with the explicit flag does it go through.
    sb.ok(['--insecure-allow-unencrypted', 'restore', 'latest', target]);
    expect(filesContaining(target, 'pwned')).toHaveLength(1);
  });

  it('an encrypted config cannot be swapped: another repository\'s sealed config (same password) is refused', () => {
    const other = new Sandbox('victim password');
    try {
      other.init();
      writeFileSync(path.join(sb.repo, 'config'), readFileSync(path.join(other.repo, 'config')));
    } finally {
      other.cleanup();
    }
    const r = sb.run(['list']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cannot decrypt config/);
  });

  it('the trust record is 0600 in a 0700 folder under the cache base and names id and key', () => {
    const dir = path.join(sb.cache, 'trust');
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    const [file] = readdirSync(dir);
    expect(file).toMatch(/^[0-9a-f]{64}\.json$/);
    expect(statSync(path.join(dir, file!)).mode & 0o777).toBe(0o600);
    const rec = JSON.parse(readFileSync(path.join(dir, file!), 'utf8'));
    expect(rec).toMatchObject({ version: 1, location: sb.repo, encrypted: true });
    expect(rec.id).toMatch(/^[0-9a-f]{64}$/);
    expect(rec.key_ids).toEqual([rec.last_key]);
    expect(readdirSync(path.join(sb.repo, 'keys'))).toEqual([rec.last_key]);
  });
});

describe('unencrypted repositories the user made (item 1, no regression)', () => {
  let sb: Sandbox;
  beforeEach(() => {
    sb = new Sandbox('a password set for other repositories');
    sb.init(['--encryption', 'none']);
  });
  afterEach(() => sb.cleanup());

  it('work with a password in the environment on the client that made them; elsewhere only with the flag', () => {
    sb.ok(['list']);
    const fresh = { SNAP_CACHE_DIR: sb.path('other-client') };
    const r = sb.run(['list'], { env: fresh });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--insecure-allow-unencrypted/);
    sb.ok(['--insecure-allow-unencrypted', 'list'], { env: fresh });
    const noPw = new NoPasswordSandbox();
    try {
      noPw.ok(['list'], { env: { SNAP_REPO: sb.repo, ...fresh } });
    } finally {
      noPw.cleanup();
    }
  });
});

describe('fields read from storage (item 2)', () => {
  let sb: Sandbox;
  beforeEach(() => {
    sb = new NoPasswordSandbox();
    sb.init(['--encryption', 'none']);
    mkdirSync(sb.path('src'));
    writeFileSync(sb.path('src', 'f.txt'), 'content\n');
  });
  afterEach(() => sb.cleanup());

  const editConfig = (edit: (c: Record<string, any>) => void) => {
    const file = path.join(sb.repo, 'config');
    const c = JSON.parse(readFileSync(file, 'utf8'));
    edit(c);
    writeFileSync(file, JSON.stringify(c));
  };

  it('config id "../victim" with 40 empty index files: refused in one line, nothing outside the cache touched', () => {
    sb.ok(['create', sb.path('src')]);
    const victim = sb.path('victim');
    mkdirSync(path.join(victim, 'index'), { recursive: true });
    writeFileSync(path.join(victim, 'index', 'keep.txt'), 'precious\n');
    editConfig((c) => (c.id = '../victim'));
    for (let i = 0; i < 40; i++) writeFileSync(path.join(sb.repo, 'index', randomBytes(32).toString('hex')), '');
    const r = sb.run(['create', sb.path('src'), '--json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).error.code).toBe('integrity');
    expect(errorLine(r.stderr)).toEqual([`snap: ${sb.repo}/config: id "../victim" is not 64 lower-case hex; refusing to use it`]);
    expect(readFileSync(path.join(victim, 'index', 'keep.txt'), 'utf8')).toBe('precious\n');
    expect(readdirSync(victim)).toEqual(['index']);
  });

  it.each([
    ['upper-case id', (c: any) => (c.id = c.id.toUpperCase()), /id .* is not 64 lower-case hex/],
    ['unknown codec', (c: any) => (c.compression = { codec: 'brotli', level: 3 }), /compression codec "brotli" is unknown/],
    ['zstd level 99', (c: any) => (c.compression.level = 99), /zstd level 99 is out of range/],
    ['unknown chunker', (c: any) => (c.chunker.algorithm = 'rabin'), /chunker algorithm "rabin" is unknown/],
    ['huge max chunk', (c: any) => (c.chunker.max = 2 ** 31), /chunker max must be an integer in/],
    ['keyed gear without keys', (c: any) => (c.chunker.gear = 'keyed'), /chunker gear "keyed" does not fit encryption none/],
    ['pack size 1 TB', (c: any) => (c.pack_size = 1e12), /pack_size 1000000000000 is not in/],
    ['object lock for a century', (c: any) => (c.object_lock = { mode: 'compliance', days: 36500 }), /object_lock days 36500 is not a whole number in \[1, 3650\]/],
    ['object lock in an unknown mode', (c: any) => (c.object_lock = { mode: 'forever', days: 3 }), /object_lock mode "forever" is not governance or compliance/],
    ['encryption claimed without keys', (c: any) => ((c.encryption = 'aes-256-gcm'), (c.chunker.gear = 'keyed')), /says aes-256-gcm, but keys\/ has no key files/],
  ])('config with %s is refused naming the field', (_name, edit, message) => {
    editConfig(edit);
    const r = sb.run(['list']);
    expect(r.code).toBe(1);
    expect(errorLine(r.stderr)).toHaveLength(1);
    expect(r.stderr).toMatch(message);
  });

  it('objects whose names are not 64 lower-case hex are ignored with one warning, never used', () => {
    sb.ok(['create', sb.path('src')]);
    writeFileSync(path.join(sb.repo, 'snapshots', 'README'), 'not a snapshot');
    writeFileSync(path.join(sb.repo, 'index', 'ABCDEF'), 'not an index');
    const r = sb.run(['list', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toHaveLength(1);
    expect(r.stderr.match(/ignored 1 object\(s\) in snapshots\/ whose names are not 64 lower-case hex/g)).toHaveLength(1);
    const restored = sb.path('out');
    const r2 = sb.run(['restore', 'latest', restored]);
    expect(r2.code).toBe(0);
    expect(r2.stderr).toMatch(/ignored 1 object\(s\) in index\/.*"ABCDEF"/);
  });
});
