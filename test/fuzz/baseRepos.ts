// The fuzz harness's starting points: one encrypted and one unencrypted repository, built once from
// real files, each with three snapshots, several index files, log entries, a warm LMDB cache, and
// a captured lock object. Every case copies one of them (a few hundred KiB) and damages the copy.

import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, readdirSync, statSync, utimesSync, writeFileSync, appendFileSync, symlinkSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BIN, TEST_KDF } from '../e2e/helpers.js';
import { listPacks, newPacks, type PackFile } from '../fixtures/damageRepo.js';

export const PASSWORD = 'fuzz horse';
const NODE_MODULES = fileURLToPath(new URL('../../node_modules/', import.meta.url));
/** Real files to back up: small JavaScript sources (compressible, several chunks in all). */
const REAL_FILES = ['commander/lib', 'picomatch/lib'];
/** A pseudo-random file of this size is stored raw in several chunks (dump and restore read it). */
const RANDOM_FILE_BYTES = 200 * 1024;

export interface BaseRepo {
  encrypted: boolean;
  root: string;
  repo: string;
  cache: string;
  /** An empty unencrypted repository for `copy --to`. */
  copyTarget: string;
  /** The source directory at its final state (= snapshot 3). */
  src: string;
  /** Snapshot ids, oldest first. */
  snapshots: string[];
  /** Relative path (inside src) → sha256 of the content of snapshot 3. */
  manifest: Map<string, string>;
  /** Pack files by role, as paths relative to the repository. */
  dataPacks: string[];
  treePacks: string[];
  /** A lock object of a process that has gone (name and bytes), installed only by lock cases. */
  lock: { name: string; bytes: Buffer };
  /** The cache folder of this repository (relative to `cache`). */
  cacheId: string;
}

export function env(base: { encrypted: boolean }, repo: string, cache: string): Record<string, string> {
  const e: Record<string, string> = { ...process.env, SNAP_REPO: repo, SNAP_CACHE_DIR: cache } as Record<string, string>;
  delete e.SNAP_PASSWORD;
  delete e.SNAP_PASSWORD_FILE;
  delete e.SNAP_DEBUG;
  if (base.encrypted) e.SNAP_PASSWORD = PASSWORD;
  return e;
}

/** Run the CLI without blocking, so the two base repositories are built at the same time. */
function snap(base: { encrypted: boolean }, repo: string, cache: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: env(base, repo, cache), stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('close', (code) => (code === 0 ? resolve(Buffer.concat(out).toString()) : reject(new Error(`snap ${args.join(' ')} exited ${code}: ${Buffer.concat(err)}`))));
  });
}

/** A deterministic pseudo-random buffer (xorshift32), so the source is the same on every run. */
function pseudoRandom(bytes: number, seed: number): Buffer {
  const b = Buffer.alloc(bytes);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < bytes; i += 4) {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    b.writeUInt32LE(x, i);
  }
  return b;
}

export function hashTree(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!e.isFile()) continue;
    const p = path.join(e.parentPath, e.name);
    out.set(path.relative(dir, p), createHash('sha256').update(readFileSync(p)).digest('hex'));
  }
  return out;
}

function rel(repo: string, packs: PackFile[]): string[] {
  return packs.map((p) => path.relative(repo, p.file));
}

/** Capture the lock a running `create --stdin` holds (it waits for stdin), then let it stop. */
async function captureLock(base: { encrypted: boolean }, repo: string, cache: string): Promise<{ name: string; bytes: Buffer }> {
  const child = spawn(process.execPath, [BIN, 'create', '--stdin', '--stdin-filename', 'held'], { env: env(base, repo, cache), stdio: ['pipe', 'ignore', 'ignore'] });
  const locks = path.join(repo, 'locks');
  try {
    for (let i = 0; i < 200; i++) {
      const names = readdirSync(locks).filter((n) => !n.startsWith('.'));
      if (names.length > 0) return { name: names[0], bytes: readFileSync(path.join(locks, names[0])) };
      await sleep(50);
    }
    throw new Error('create --stdin never took its lock');
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
}

export async function buildBase(root: string, encrypted: boolean): Promise<BaseRepo> {
  mkdirSync(root, { recursive: true });
  const b = { encrypted };
  const repo = path.join(root, 'repo');
  const cache = path.join(root, 'cache');
  const src = path.join(root, 'src');
  const copyTarget = path.join(root, 'copy-target');
  for (const d of REAL_FILES) cpSync(path.join(NODE_MODULES, d), path.join(src, path.basename(path.dirname(d))), { recursive: true });
  writeFileSync(path.join(src, 'bin.dat'), pseudoRandom(RANDOM_FILE_BYTES, 12345));
  symlinkSync('commander', path.join(src, 'link'));
  const init = ['init', '--kdf', TEST_KDF, ...(encrypted ? [] : ['--encryption', 'none'])];
  await Promise.all([snap(b, repo, cache, init), snap(b, copyTarget, path.join(root, 'copy-cache'), ['init', '--encryption', 'none'])]);

  const snapshots: string[] = [];
  const create = async () => snapshots.push(JSON.parse(await snap(b, repo, cache, ['create', src, '--json'])).snapshot_id);
  await create();
  const afterFirst = listPacks(repo);
  // Snapshot 2: one file grows, one is new (new data and tree blobs, a second index file).
  appendFileSync(path.join(src, 'picomatch', 'utils.js'), '\n// changed for snapshot 2\n');
  writeFileSync(path.join(src, 'new.txt'), 'a file that snapshot 1 does not have\n'.repeat(50));
  await create();
  const afterSecond = listPacks(repo);
  // Snapshot 3: only a time changes, so its new packs hold tree blobs only.
  const touched = path.join(src, 'commander', 'help.js');
  const st = statSync(touched);
  utimesSync(touched, st.atime, new Date(st.mtimeMs - 86_400_000));
  await create();
  const treePacks = newPacks(afterSecond, listPacks(repo));
  const dataPacks = newPacks([], afterFirst).slice(0, 1); // the biggest pack of snapshot 1 holds data
  if (treePacks.length === 0 || dataPacks.length === 0) throw new Error('fuzz base: could not tell data packs from tree packs');

  const lock = await captureLock(b, repo, cache);
  const cacheId = readdirSync(cache).find((n) => /^[0-9a-f]{64}-[0-9a-f]{16}$/.test(n));
  if (!cacheId) throw new Error(`fuzz base: no cache folder in ${cache}`);
  return {
    encrypted, root, repo, cache, copyTarget, src, snapshots, manifest: hashTree(src),
    dataPacks: rel(repo, dataPacks), treePacks: rel(repo, treePacks), lock, cacheId,
  };
}
