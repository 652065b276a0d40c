#!/usr/bin/env node
// Prune at scale: a repository of about a million chunks (1 KiB average chunks over ~1.4 GB of
// incompressible data, changed over several nights), half of the snapshots forgotten, then
// `snap prune` timed with /usr/bin/time -v (wall time, peak RSS). The same nights go to restic
// (its own ~1 MiB chunks) and to snap at its default 64 KiB chunks for comparison. Prints a
// markdown table. See docs/operations-prune.md ("Scale").
//
//   node bench/prune-scale.mjs [--files 16] [--file-mb 40] [--nights 6] [--keep 3] [--no-restic]
//                              [--no-default-chunks] [--workdir DIR] [--keep-workdir] [--setup-only]
//                              [--prune-only] [--two-phase] [--snap CHECKOUT]
//
// To compare two builds on one data set: `--setup-only --workdir DIR`, copy DIR once per build
// (prune changes it), then `--prune-only --workdir COPY --snap CHECKOUT` for each. `--two-phase`
// only leaves `--instant-delete` out, so a checkout older than that flag runs with it (its plain
// prune was the exclusive one).

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes, randomInt } from 'node:crypto';
import { spawn, spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const MiB = 1 << 20;

const { values: opt } = parseArgs({
  options: {
    files: { type: 'string', default: '16' },
    'file-mb': { type: 'string', default: '40' },
    nights: { type: 'string', default: '6' },
    keep: { type: 'string', default: '3' },
    'no-restic': { type: 'boolean', default: false },
    'no-default-chunks': { type: 'boolean', default: false },
    workdir: { type: 'string' },
    'keep-workdir': { type: 'boolean', default: false },
    /** Build the repositories and forget, but do not prune (to study one prune by hand). */
    'setup-only': { type: 'boolean', default: false },
    /** Prune a --workdir that --setup-only built (same --files/--nights/... options), nothing else. */
    'prune-only': { type: 'boolean', default: false },
    /** Run the default two-phase prune instead of `prune --instant-delete`. */
    'two-phase': { type: 'boolean', default: false },
    /** The snap checkout (built) whose bin/snap.js runs; default this one. */
    snap: { type: 'string' },
  },
});
const SNAP = path.join(opt.snap ? path.resolve(opt.snap) : ROOT, 'bin', 'snap.js');
if (opt['prune-only'] && (!opt.workdir || opt['setup-only'])) throw new Error('--prune-only needs --workdir (a --setup-only work dir) and not --setup-only');
const FILES = Number(opt.files);
const FILE_BYTES = Number(opt['file-mb']) * MiB;
const NIGHTS = Number(opt.nights);
const KEEP = Number(opt.keep);
/** Each night: these many 1 MiB regions of every file are rewritten, and two files are replaced. */
const REWRITES_PER_FILE = 4;
const REPLACED_PER_NIGHT = 2;

const work = opt.workdir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'snap-prune-scale-'));
const src = path.join(work, 'src');
const log = (m) => process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${m}\n`);

function run(cmd, args, env = {}) {
  const r = spawnSync(cmd, args, { env: { ...process.env, ...env }, maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr.toString().slice(-2000)}`);
  return { stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}

/** Pack file names under a data/ directory. */
function packNames(dir) {
  return new Set(fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => e.name));
}

/**
 * Run under /usr/bin/time -v (wall time, peak RSS), and meanwhile sample the command's RssAnon from
 * /proc: RSS also counts file-backed pages (snap's LMDB index cache is memory-mapped; those pages
 * are page cache), so the anonymous peak is reported beside it (DESIGN.md "Performance shape").
 */
function runMeasured(cmd, args, env) {
  return new Promise((resolve, reject) => {
    const c = spawn('/usr/bin/time', ['-v', cmd, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    c.stdout.on('data', (d) => (stdout += d));
    c.stderr.on('data', (d) => (stderr += d));
    let anonKb = 0;
    const timer = setInterval(() => {
      try {
        const child = fs.readFileSync(`/proc/${c.pid}/task/${c.pid}/children`, 'utf8').trim().split(/\s+/)[0];
        if (!child) return;
        const m = /RssAnon:\s+(\d+)/.exec(fs.readFileSync(`/proc/${child}/status`, 'utf8'));
        if (m) anonKb = Math.max(anonKb, Number(m[1]));
      } catch {
        // the process is starting or has just ended
      }
    }, 50);
    c.on('error', reject);
    c.on('exit', (code) => {
      clearInterval(timer);
      if (code !== 0) return reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${stderr.slice(-2000)}`));
      const wall = /Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)/.exec(stderr);
      const cpu = ['User', 'System'].map((k) => Number(new RegExp(`${k} time \\(seconds\\): ([\\d.]+)`).exec(stderr)?.[1]));
      const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr);
      resolve({
        stdout,
        stderr,
        wallS: wall ? Number(wall[1] ?? 0) * 3600 + Number(wall[2]) * 60 + Number(wall[3]) : NaN,
        rssKb: rss ? Number(rss[1]) : NaN,
        /** user + system CPU seconds: on a loaded machine it varies less than the wall time. */
        cpuS: cpu[0] + cpu[1],
        anonKb,
      });
    });
  });
}

function du(dir) {
  let n = 0;
  for (const e of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) if (e.isFile()) n += fs.statSync(path.join(e.parentPath, e.name)).size;
  return n;
}

function writeRandomFile(file, bytes) {
  const fd = fs.openSync(file, 'w');
  for (let done = 0; done < bytes; done += 8 * MiB) fs.writeSync(fd, randomBytes(Math.min(8 * MiB, bytes - done)));
  fs.closeSync(fd);
}

let nextFile = 0;
function night0() {
  fs.mkdirSync(src, { recursive: true });
  for (let i = 0; i < FILES; i++) writeRandomFile(path.join(src, `f${String(nextFile++).padStart(4, '0')}`), FILE_BYTES);
}

function changeNight() {
  const files = fs.readdirSync(src).sort();
  for (const f of files.slice(0, REPLACED_PER_NIGHT)) fs.rmSync(path.join(src, f));
  for (const f of files.slice(REPLACED_PER_NIGHT)) {
    const fd = fs.openSync(path.join(src, f), 'r+');
    for (let k = 0; k < REWRITES_PER_FILE; k++) fs.writeSync(fd, randomBytes(MiB), 0, MiB, randomInt(FILE_BYTES - MiB));
    fs.closeSync(fd);
  }
  for (let i = 0; i < REPLACED_PER_NIGHT; i++) writeRandomFile(path.join(src, `f${String(nextFile++).padStart(4, '0')}`), FILE_BYTES);
}

// The tools. snap is given the files themselves, not the directory (see the note printed below).
const tools = [];
function snapTool(name, chunkSize) {
  const repo = path.join(work, `${name}-repo`);
  const env = { SNAP_REPO: repo, SNAP_CACHE_DIR: path.join(work, `${name}-cache`) };
  const snap = (args) => run(process.execPath, [SNAP, ...args], env);
  return {
    name,
    chunks: chunkSize ?? 'default (16 KiB, 64 KiB, 256 KiB)',
    init: () => snap(['init', '--encryption', 'none', ...(chunkSize ? ['--chunk-size', chunkSize] : [])]),
    backup: (night) => {
      const files = fs.readdirSync(src).sort().map((f) => path.join(src, f));
      snap(['create', ...files, '--time', new Date(Date.UTC(2026, 0, 1 + night, 2)).toISOString(), '--quiet']);
    },
    blobs: () => JSON.parse(snap(['stats', '--json']).stdout).chunks,
    forget: () => snap(['forget', '--keep-last', String(KEEP), '--group-by', 'host', '--json']),
    // --instant-delete: restic's prune deletes at once too, so the figures compare.
    prune: () => runMeasured(process.execPath, [SNAP, 'prune', ...(opt['two-phase'] ? [] : ['--instant-delete']), '--json'], env),
    dataDir: path.join(repo, 'data'),
    repo,
  };
}
function resticTool() {
  const repo = path.join(work, 'restic-repo');
  const env = { RESTIC_REPOSITORY: repo, RESTIC_PASSWORD: 'bench', RESTIC_CACHE_DIR: path.join(work, 'restic-cache') };
  const restic = (args) => run('restic', args, env);
  return {
    name: `restic ${restic(['version']).stdout.split(' ')[1]}`,
    chunks: 'restic (512 KiB, 1 MiB, 8 MiB)',
    init: () => restic(['init']),
    backup: () => restic(['backup', '--quiet', '--host', 'bench', src]),
    blobs: () => {
      const s = JSON.parse(restic(['stats', '--mode', 'raw-data', '--json']).stdout);
      return s.total_blob_count ?? NaN;
    },
    forget: () => restic(['forget', '--keep-last', String(KEEP), '--group-by', 'host']),
    prune: () => runMeasured('restic', ['prune'], env),
    dataDir: path.join(repo, 'data'),
    repo,
  };
}

tools.push(snapTool('snap-1k', '512,1024,4096'));
if (!opt['no-default-chunks']) tools.push(snapTool('snap-64k'));
if (!opt['no-restic']) {
  if (spawnSync('restic', ['version']).status !== 0) throw new Error('restic is not installed (apt-get install -y restic), or pass --no-restic');
  tools.push(resticTool());
}

log(`work dir ${work}; ${FILES} files of ${opt['file-mb']} MiB, ${NIGHTS} nights, keep ${KEEP}; snap ${SNAP}`);
if (!opt['prune-only']) for (const t of tools) t.init();
const backupS = Object.fromEntries(tools.map((t) => [t.name, 0]));
for (let night = 0; night < (opt['prune-only'] ? 0 : NIGHTS); night++) {
  if (night === 0) night0();
  else changeNight();
  for (const t of tools) {
    const started = performance.now();
    t.backup(night);
    backupS[t.name] += (performance.now() - started) / 1000;
  }
  log(`night ${night}: backed up ${fs.readdirSync(src).length} files`);
}

/** The blob count before forget, kept in the work dir for a later --prune-only run. */
const blobsFile = (t) => path.join(work, `${t.name}-blobs.txt`);
if (opt['setup-only']) {
  for (const t of tools) {
    fs.writeFileSync(blobsFile(t), String(t.blobs()));
    t.forget();
  }
  log(`set up in ${work}; not pruned`);
  process.exit(0);
}

const rows = [];
for (const t of tools) {
  // stats also brings the cache in step (a cache of an older build's layout is rebuilt here), so
  // the prune is timed on a warm cache as in a full run. After forget it counts only the blobs the
  // kept snapshots use, so a --prune-only run takes the count --setup-only saved.
  const counted = t.blobs();
  const blobs = opt['prune-only'] ? (fs.existsSync(blobsFile(t)) ? Number(fs.readFileSync(blobsFile(t), 'utf8')) : counted) : counted;
  if (!opt['prune-only']) t.forget();
  const before = du(t.dataDir);
  const packsBefore = packNames(t.dataDir);
  log(`${t.name}: ${blobs} blobs, ${(before / MiB).toFixed(0)} MiB of packs; pruning (load average ${os.loadavg()[0].toFixed(2)})`);
  const p = await t.prune();
  const { packs: _packs, ...summary } = JSON.parse(p.stdout);
  log(`${t.name}: ${JSON.stringify(summary)}`);
  const after = du(t.dataDir);
  const packsAfter = packNames(t.dataDir);
  p.removed = [...packsBefore].filter((n) => !packsAfter.has(n)).length;
  p.added = [...packsAfter].filter((n) => !packsBefore.has(n)).length;
  p.packs = `${packsBefore.size} → ${packsAfter.size}`;
  rows.push({ t, blobs, before, after, p });
  log(`${t.name}: prune ${p.wallS.toFixed(1)} s (CPU ${p.cpuS.toFixed(1)} s), peak RSS ${(p.rssKb / 1024).toFixed(0)} MiB (anonymous ${(p.anonKb / 1024).toFixed(0)} MiB); load average ${os.loadavg()[0].toFixed(2)}`);
}

const mib = (n) => `${(n / MiB).toFixed(0)} MiB`;
const lines = [
  `\`snap prune${opt['two-phase'] ? '' : ' --instant-delete'}\` after forgetting ${NIGHTS - KEEP} of ${NIGHTS} nightly snapshots (${FILES} files × ${opt['file-mb']} MiB of random data; ` +
    `each night ${REWRITES_PER_FILE} MiB rewritten in every file and ${REPLACED_PER_NIGHT} files replaced). ` +
    `${os.cpus().length} cores, ${os.cpus()[0]?.model ?? ''}, Node ${process.version}; unencrypted snap repositories; ` +
    `load average ${os.loadavg().map((l) => l.toFixed(2)).join(', ')} after the last prune.`,
  '',
  '| tool | chunk sizes (min, avg, max) | blobs | pack bytes before | after | freed | pack files | removed / new | prune wall time | of it CPU (user + sys) | prune peak RSS | of it anonymous | backups (all nights) |',
  '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ...rows.map(({ t, blobs, before, after, p }) =>
    `| ${t.name} | ${t.chunks} | ${blobs.toLocaleString('en')} | ${mib(before)} | ${mib(after)} | ${mib(before - after)} | ${p.packs} | ${p.removed} / ${p.added} | ` +
      `${p.wallS.toFixed(1)} s | ${p.cpuS.toFixed(1)} s | ${(p.rssKb / 1024).toFixed(0)} MiB | ${(p.anonKb / 1024).toFixed(0)} MiB | ${opt['prune-only'] ? '—' : `${backupS[t.name].toFixed(0)} s`} |`,
  ),
];
process.stdout.write(lines.join('\n') + '\n');
if (!opt['keep-workdir'] && !opt.workdir) fs.rmSync(work, { recursive: true, force: true });
