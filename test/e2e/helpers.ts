// Helpers for end-to-end tests: run the built CLI (bin/snap.js → dist/) on real temp directories.

import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, readdirSync, lstatSync, readFileSync, readlinkSync } from 'node:fs';
import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../bin/snap.js', import.meta.url));
/** Tests use a cheap KDF; the default (scrypt N=2^17) is for people. */
export const TEST_KDF = 'scrypt:1024,8,1';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  stdoutBuf: Buffer;
}

export function tmpDir(prefix = 'snap-test-'): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

export class Sandbox {
  readonly root = tmpDir();
  readonly repo = path.join(this.root, 'repo');
  readonly cache = path.join(this.root, 'cache');
  env: Record<string, string> = {};

  readonly password: string | undefined;

  /**
   * No argument: the default test password. `undefined` (as `new Sandbox(mode === 'none' ? undefined : pw)`
   * means): no password at all, as a client of an unencrypted repository has. A default parameter
   * would turn that `undefined` into the default password, and snap refuses a keyless repository
   * when a password is given and no trust record vouches for it (docs/crypto.md §8).
   */
  constructor(...args: [] | [string | undefined]) {
    this.password = args.length === 0 ? 'correct horse' : args[0];
  }

  baseEnv(): Record<string, string> {
    const env: Record<string, string> = { ...process.env, SNAP_REPO: this.repo, SNAP_CACHE_DIR: this.cache } as Record<string, string>;
    delete env.SNAP_PASSWORD;
    delete env.SNAP_PASSWORD_FILE;
    if (this.password !== undefined) env.SNAP_PASSWORD = this.password;
    return { ...env, ...this.env };
  }

  run(args: string[], opts: { input?: Buffer | string; env?: Record<string, string> } = {}): RunResult {
    const r = spawnSync(process.execPath, [BIN, ...args], {
      env: { ...this.baseEnv(), ...(opts.env ?? {}) },
      input: opts.input ?? '',
      maxBuffer: 1 << 30,
    });
    return { code: r.status ?? -1, stdout: r.stdout.toString(), stderr: r.stderr.toString(), stdoutBuf: r.stdout };
  }

  /** Start the CLI without waiting (for kill tests). */
  spawn(args: string[], env: Record<string, string> = {}) {
    return spawn(process.execPath, [BIN, ...args], { env: { ...this.baseEnv(), ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  }

  ok(args: string[], opts: { input?: Buffer | string; env?: Record<string, string> } = {}): RunResult {
    const r = this.run(args, opts);
    if (r.code !== 0) throw new Error(`snap ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
    return r;
  }

  json<T = any>(args: string[], opts: { input?: Buffer | string; env?: Record<string, string> } = {}): T {
    return JSON.parse(this.ok([...args, '--json'], opts).stdout) as T;
  }

  init(extra: string[] = []): void {
    this.ok(['init', '--kdf', TEST_KDF, ...extra]);
  }

  path(...p: string[]): string {
    return path.join(this.root, ...p);
  }

  cleanup(): void {
    spawnSync('chmod', ['-R', 'u+rwx', this.root]);
    rmSync(this.root, { recursive: true, force: true });
  }
}

export interface TreeFact {
  type: string;
  mode: number;
  size?: number;
  sha?: string;
  link?: string;
  mtimeUs?: bigint;
  ino?: bigint;
}

/** Every entry below `dir` (relative path → facts), names read as raw bytes (latin1 keys). */
export function snapshotTree(dir: string, withTimes = true): Map<string, TreeFact> {
  const out = new Map<string, TreeFact>();
  const walk = (abs: Buffer, rel: string) => {
    for (const name of readdirSync(abs, { encoding: 'buffer' })) {
      const p = Buffer.concat([abs, Buffer.from('/'), name]);
      const r = `${rel}/${name.toString('latin1')}`;
      const st = lstatSync(p, { bigint: true });
      const f: TreeFact = { type: kind(st), mode: Number(st.mode & 0o7777n) };
      if (withTimes) f.mtimeUs = st.mtimeNs / 1000n;
      if (st.isFile()) {
        f.size = Number(st.size);
        f.sha = createHash('sha256').update(readFileSync(p)).digest('hex');
        f.ino = st.ino;
      }
      if (st.isSymbolicLink()) {
        f.link = readlinkSync(p, { encoding: 'buffer' }).toString('latin1');
        delete f.mtimeUs; // symlink times are restored where the platform allows; not compared
        f.mode = 0;
      }
      out.set(r, f);
      if (st.isDirectory()) walk(p, r);
    }
  };
  walk(Buffer.from(dir), '');
  return out;
}

function kind(st: import('node:fs').BigIntStats): string {
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'dir';
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isFIFO()) return 'fifo';
  if (st.isCharacterDevice()) return 'chardev';
  if (st.isBlockDevice()) return 'blockdev';
  return 'socket';
}

/** Compare two trees entry by entry; returns differences (empty when equal). Hardlink groups compared by inode equality pattern. */
export function diffTrees(a: Map<string, TreeFact>, b: Map<string, TreeFact>): string[] {
  const d: string[] = [];
  for (const [k, fa] of a) {
    const fb = b.get(k);
    if (!fb) {
      d.push(`missing ${k}`);
      continue;
    }
    for (const f of ['type', 'mode', 'size', 'sha', 'link', 'mtimeUs'] as const) {
      if (fa[f] !== fb[f]) d.push(`${k}: ${f} ${String(fa[f])} != ${String(fb[f])}`);
    }
  }
  for (const k of b.keys()) if (!a.has(k)) d.push(`extra ${k}`);
  // Hardlink groups: paths sharing an inode in a must share one in b.
  const groups = new Map<bigint, string[]>();
  for (const [k, f] of a) if (f.ino !== undefined) groups.set(f.ino, [...(groups.get(f.ino) ?? []), k]);
  for (const paths of groups.values()) {
    if (paths.length < 2) continue;
    const inos = new Set(paths.map((p) => b.get(p)?.ino));
    if (inos.size !== 1) d.push(`hardlink group ${paths.join(',')} not preserved`);
  }
  return d;
}
