// One adapter per tool, all with the same small interface:
//   available()            -> null when usable, else why not (the harness prints a skip note)
//   version()              -> a one-line version string
//   init(repoDir, runDir)  -> create an empty repository
//   backup(srcDir, night)  -> back up srcDir as night `night` (returns extra info, e.g. bytes_added)
//   restore(targetDir)     -> restore the latest backup into targetDir (the harness finds the root)
//   repoBytes()            -> optional { apparent, allocated }; default: du of repoDir
//   repoDir / cacheDir     -> what the harness measures with du (cache reported apart from the repo)
// Every command goes through ctx.exec, which records wall time and peak RSS.
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { which, du } from './measure.mjs';

export const PASSWORD = 'bench-password-not-secret';
export const SNAP_KDF = 'scrypt:16384,8,1';
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SNAP_MAIN = path.join(ROOT, 'dist', 'cli', 'main.js');
// SNAP_BENCH_CLI: benchmark another snap build (a .js entry point run with this node, or an executable).
export const SNAP_BIN = process.env.SNAP_BENCH_CLI ? path.resolve(process.env.SNAP_BENCH_CLI) : path.join(ROOT, 'bin', 'snap.js');
const snapArgv = () => (SNAP_BIN.endsWith('.js') || SNAP_BIN.endsWith('.mjs') ? [process.execPath, SNAP_BIN] : [SNAP_BIN]);

const firstLine = (s) => String(s).trim().split('\n')[0].replace(/\*+/g, '').replace(/\s+/g, ' ').trim();
function versionOf(argv) {
  const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8' });
  return r.status === 0 ? firstLine(r.stdout || r.stderr) : `unknown (${firstLine(r.stderr || r.error?.message || '')})`;
}
function lastJson(stdout) {
  const s = stdout.trim();
  try { return JSON.parse(s); } catch { /* maybe JSON lines */ }
  const lines = s.split('\n').reverse();
  for (const l of lines) { try { return JSON.parse(l); } catch { /* next */ } }
  return null;
}

// --- snap -------------------------------------------------------------------------------------
export class SnapAdapter {
  constructor(ctx, { chunkSize = null, compression = null, name = 'snap' } = {}) {
    this.ctx = ctx;
    this.name = name;
    this.chunkSize = chunkSize; // [min, avg, max] or null for the default
    this.compression = compression; // e.g. 'zstd:9', or null for the default
    this.label = chunkSize ? `snap (avg ${fmtSize(chunkSize[1])}${compression ? `, ${compression}` : ''})` : compression ? `snap (${compression})` : 'snap';
    this.settings = `AES-256-GCM, ${compression ? `--compression ${compression}` : 'zstd (defaults)'}, kdf ${SNAP_KDF}${chunkSize ? `, --chunk-size ${chunkSize.join(',')}` : ', default chunk size'}`;
  }
  available() {
    if (process.env.SNAP_BENCH_CLI) return fs.existsSync(SNAP_BIN) ? null : `SNAP_BENCH_CLI=${SNAP_BIN} does not exist`;
    if (!fs.existsSync(SNAP_MAIN)) return `dist/cli/main.js not built yet (run npx tsc -p .)`;
    return null;
  }
  version() { return versionOf([...snapArgv(), '--version']); }
  env() { return { SNAP_PASSWORD: PASSWORD, SNAP_REPO: this.repoDir, SNAP_CACHE_DIR: this.cacheDir, XDG_CACHE_HOME: this.cacheDir }; }
  snap(args, opts = {}) { return this.ctx.exec([...snapArgv(), ...args], { env: this.env(), ...opts }); }
  async init(repoDir, runDir) {
    this.repoDir = repoDir;
    this.cacheDir = path.join(runDir, 'cache'); // measured, but outside the repository
    const args = ['init', '--kdf', SNAP_KDF];
    if (this.chunkSize) args.push('--chunk-size', this.chunkSize.join(','));
    if (this.compression) args.push('--compression', this.compression);
    const r = await this.snap([...args, '--json']);
    const j = lastJson(r.stdout);
    // the chunk-size study must not silently measure the default
    if (this.chunkSize && j?.chunker && j.chunker.avg !== this.chunkSize[1]) {
      throw new Error(`snap init --chunk-size ${this.chunkSize.join(',')} made a repository with chunker ${JSON.stringify(j.chunker)}`);
    }
    return { chunker: j?.chunker ?? null, compression: j?.compression ?? null, encryption: j?.encryption ?? null };
  }
  async backup(srcDir) {
    const r = await this.snap(['create', srcDir, '--json'], { cwd: srcDir });
    const j = lastJson(r.stdout) ?? {};
    return { bytesAdded: j.bytes_added ?? null, bytesStored: j.bytes_stored ?? null, snapshotId: j.snapshot_id ?? null };
  }
  async restore(targetDir) {
    await this.snap(['restore', 'latest', targetDir, '--json']);
  }
}

// --- restic -----------------------------------------------------------------------------------
export class ResticAdapter {
  constructor(ctx) {
    this.ctx = ctx;
    this.name = 'restic';
    this.label = 'restic';
    this.settings = 'repo v2, AES-256 + Poly1305, compression auto (zstd), default chunker (~1 MiB avg)';
  }
  available() { return which('restic') ? null : 'restic not installed (apt-get install restic)'; }
  version() { return versionOf(['restic', 'version']); }
  env() { return { RESTIC_PASSWORD: PASSWORD, RESTIC_REPOSITORY: this.repoDir, RESTIC_CACHE_DIR: this.cacheDir }; }
  async init(repoDir, runDir) {
    this.repoDir = repoDir;
    this.cacheDir = path.join(runDir, 'cache');
    await this.ctx.exec(['restic', 'init', '-q'], { env: this.env() });
  }
  async backup(srcDir) {
    // "." from inside the source: restic stores paths relative to it, restore writes them back there.
    const r = await this.ctx.exec(['restic', 'backup', '--json', '--host', 'bench', '.'], { cwd: srcDir, env: this.env() });
    const summary = r.stdout.trim().split('\n').map((l) => { try { return JSON.parse(l); } catch { return null; } }).find((j) => j?.message_type === 'summary');
    return { bytesAdded: summary?.data_added ?? null, snapshotId: summary?.snapshot_id ?? null };
  }
  async restore(targetDir) {
    await this.ctx.exec(['restic', 'restore', 'latest', '--host', 'bench', '--target', targetDir, '-q'], { env: this.env() });
  }
}

// --- borg -------------------------------------------------------------------------------------
export class BorgAdapter {
  constructor(ctx, { chunkerParams = null, name = 'borg', label = null } = {}) {
    this.ctx = ctx;
    this.name = name;
    this.chunkerParams = chunkerParams;
    this.label = label ?? (chunkerParams ? `borg ${chunkerParams}` : 'borg');
    this.settings = `repokey (AES-256-CTR + HMAC-SHA256), lz4 (default), chunker ${chunkerParams ?? 'default buzhash,19,23,21,4095 (2 MiB avg)'}`;
  }
  available() { return which('borg') ? null : 'borg not installed (apt-get install borgbackup)'; }
  version() { return versionOf(['borg', '--version']); }
  env() { return { BORG_PASSPHRASE: PASSWORD, BORG_BASE_DIR: this.cacheDir, BORG_RELOCATED_REPO_ACCESS_IS_OK: 'yes' }; }
  async init(repoDir, runDir) {
    this.repoDir = repoDir;
    this.cacheDir = path.join(runDir, 'cache'); // BORG_BASE_DIR: cache, security dir
    await this.ctx.exec(['borg', 'init', '-e', 'repokey', repoDir], { env: this.env() });
  }
  async backup(srcDir, night) {
    this.last = `night-${night}`;
    const args = ['borg', 'create', '--json'];
    if (this.chunkerParams) args.push('--chunker-params', this.chunkerParams);
    args.push(`${this.repoDir}::${this.last}`, '.');
    const r = await this.ctx.exec(args, { cwd: srcDir, env: this.env() });
    const j = lastJson(r.stdout);
    return { bytesStored: j?.archive?.stats?.deduplicated_size ?? null };
  }
  async restore(targetDir) {
    fs.mkdirSync(targetDir, { recursive: true });
    await this.ctx.exec(['borg', 'extract', `${this.repoDir}::${this.last}`], { cwd: targetDir, env: this.env() });
  }
}

// --- tar | zstd -------------------------------------------------------------------------------
export class TarZstdAdapter {
  constructor(ctx) {
    this.ctx = ctx;
    this.name = 'tar-zstd';
    this.label = 'tar + zstd -3';
    this.settings = 'a full archive every night, zstd -3 -T0 (all cores), no encryption';
  }
  available() { return which('tar') && which('zstd') && which('bash') ? null : 'tar, zstd or bash missing (apt-get install zstd)'; }
  version() { return `${versionOf(['tar', '--version'])}; ${versionOf(['zstd', '--version'])}`; }
  async init(repoDir) {
    this.repoDir = repoDir;
    this.cacheDir = null;
    fs.mkdirSync(repoDir, { recursive: true });
  }
  async backup(srcDir, night) {
    this.last = path.join(this.repoDir, `night-${String(night).padStart(3, '0')}.tar.zst`);
    await this.ctx.exec(['bash', '-c', 'set -o pipefail; tar -C "$SRC" -cf - . | zstd -3 -T0 -q -o "$OUT"'], { env: { SRC: srcDir, OUT: this.last } });
  }
  async restore(targetDir) {
    fs.mkdirSync(targetDir, { recursive: true });
    await this.ctx.exec(['bash', '-c', 'set -o pipefail; zstd -dc -q "$IN" | tar -C "$T" -xf -'], { env: { IN: this.last, T: targetDir } });
  }
  repoBytes() {
    // the sum of the archives (the directory entry itself not counted)
    let apparent = 0;
    for (const f of fs.readdirSync(this.repoDir)) apparent += fs.statSync(path.join(this.repoDir, f)).size;
    return { apparent, allocated: du(this.repoDir).allocated };
  }
}

// --- rsync --link-dest ------------------------------------------------------------------------
export class RsyncAdapter {
  constructor(ctx) {
    this.ctx = ctx;
    this.name = 'rsync';
    this.label = 'rsync --link-dest';
    this.settings = 'one tree per night, unchanged files (same size and mtime) hard-linked to the previous night; no compression, no encryption';
  }
  available() { return which('rsync') ? null : 'rsync not installed (apt-get install rsync)'; }
  version() { return versionOf(['rsync', '--version']); }
  async init(repoDir) {
    this.repoDir = repoDir;
    this.cacheDir = null;
    this.last = null;
    fs.mkdirSync(repoDir, { recursive: true });
  }
  async backup(srcDir, night) {
    const dest = path.join(this.repoDir, `night-${String(night).padStart(3, '0')}`);
    const args = ['rsync', '-a'];
    if (this.last) args.push(`--link-dest=${this.last}`);
    args.push(`${srcDir}/`, `${dest}/`);
    await this.ctx.exec(args);
    this.last = dest;
  }
  async restore(targetDir) {
    await this.ctx.exec(['rsync', '-a', `${this.last}/`, `${targetDir}/`]);
  }
}

export function fmtSize(n) {
  if (n >= 1 << 20 && n % (1 << 20) === 0) return `${n >> 20} MiB`;
  if (n >= 1024 && n % 1024 === 0) return `${n >> 10} KiB`;
  return `${n} B`;
}

export const CHUNK_STUDY_AVGS = [32 << 10, 64 << 10, 128 << 10, 256 << 10, 1 << 20];
/** Compression levels tried beside the default (3) at this average chunk size. */
export const CHUNK_STUDY_LEVELS = { avg: 256 << 10, levels: [1, 9] };
const studyName = (avg) => `snap-${fmtSize(avg).replace(' ', '').replace('iB', '').toLowerCase()}`;

/** The comparison's tools, in run order; each gets its own context from makeCtx(). */
export function makeTools(makeCtx, { chunkStudy = false } = {}) {
  if (chunkStudy) {
    const { avg, levels } = CHUNK_STUDY_LEVELS;
    return [
      ...CHUNK_STUDY_AVGS.map((a) => new SnapAdapter(makeCtx(), { chunkSize: [a / 4, a, a * 4], name: studyName(a) })),
      ...levels.map((l) => new SnapAdapter(makeCtx(), { chunkSize: [avg / 4, avg, avg * 4], compression: `zstd:${l}`, name: `${studyName(avg)}-zstd${l}` })),
    ];
  }
  return [
    new SnapAdapter(makeCtx()),
    new ResticAdapter(makeCtx()),
    new BorgAdapter(makeCtx()),
    new BorgAdapter(makeCtx(), { chunkerParams: 'buzhash,14,20,16,4095', name: 'borg-64k', label: 'borg 64 KiB chunks' }),
    new TarZstdAdapter(makeCtx()),
    new RsyncAdapter(makeCtx()),
  ];
}
