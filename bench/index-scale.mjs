#!/usr/bin/env node
// How snap behaves as the index grows (100 k, 1 M, 10 M chunks) and as snapshots pile up.
//
// For each index size: real encrypted index files naming that many random blob ids are written
// into a real repository (bench/lib/fillIndex.mjs), then, each in a fresh process:
//   - cold open: no LMDB cache yet, so every index file is read and applied;
//   - warm open: the cache is in step, so no index file may be read (O(changed), not O(size));
//   - one new index file: exactly one file is read;
//   - lookups/s of present and absent ids against the cache (library, in the warm process);
//   - `snap create` of a small real directory, then an unchanged re-backup of it, under
//     /usr/bin/time -v (peak RSS) while RssAnon and RssFile are sampled from /proc (anonymous
//     memory apart from LMDB's file-backed pages, DESIGN.md "Performance shape").
// Then snapshots: 1 000 snapshot records are written through the library, and an unchanged
// re-backup is timed at 10, 100 and 1 000 of them (plus the parent search alone).
//
//   node bench/index-scale.mjs [--sizes 100000,1000000] [--snapshots 10,100,1000] [--smoke]
//        [--workdir DIR] [--keep-workdir] [--reuse] [--no-docs] [--out results.json]
//        [--skip-index] [--skip-snapshots] [--repeat 3] [--entries-per-file 4096] [--lookups N]
//        [--from-json results.json]   (render the tables of an earlier --out again)
//
// --smoke: 10 k entries and 20 snapshots, well under a minute (test/bench/index-scale.smoke.test.ts).
// --reuse: keep the filled repositories of an earlier run in --workdir (the 10 M fill is slow).
// Results go to docs/benchmarks-scale.md between markers (unless --no-docs) and to --out as JSON.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { runMeasured, lastJson, median, machine, replaceSection, mib, hasTime } from './lib/proc.mjs';
import { fillIndex } from './lib/fillIndex.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SNAP = path.join(ROOT, 'bin', 'snap.js');
const PROBE = path.join(ROOT, 'bench', 'lib', 'indexProbe.mjs');
const DOCS = path.join(ROOT, 'docs', 'benchmarks-scale.md');
const DIST = new URL('../dist/', import.meta.url);
const PASSWORD = 'index-scale bench';
/** The benchmark measures the index, not key derivation (bench/fixed-cost.mjs does that). */
const BENCH_KDF = 'scrypt:1024,8,1';
const HOST = 'bench-host';
/** Re-backups timed at each snapshot count (median). */
const REBACKUP_RUNS = 3;

const { values: opt } = parseArgs({
  options: {
    sizes: { type: 'string' },
    snapshots: { type: 'string' },
    smoke: { type: 'boolean', default: false },
    workdir: { type: 'string' },
    'keep-workdir': { type: 'boolean', default: false },
    reuse: { type: 'boolean', default: false },
    'no-docs': { type: 'boolean', default: false },
    out: { type: 'string' },
    lookups: { type: 'string' },
    'entries-per-file': { type: 'string' },
    repeat: { type: 'string' },
    'skip-index': { type: 'boolean', default: false },
    'skip-snapshots': { type: 'boolean', default: false },
    'from-json': { type: 'string' },
  },
});
const list = (s) => s.split(',').map((x) => Number(x.trim())).filter((n) => Number.isInteger(n) && n > 0);
const SIZES = list(opt.sizes ?? (opt.smoke ? '10000' : '100000,1000000,10000000'));
const SNAPSHOT_COUNTS = list(opt.snapshots ?? (opt.smoke ? '5,20' : '10,100,1000'));
const LOOKUPS = Number(opt.lookups ?? (opt.smoke ? 10_000 : 200_000));
/** 4 096 is what `create` writes (16 packs of ~256 chunks); the smoke run uses small files so that it has many. */
/** Cold and warm opens per size (median shown). */
const REPEAT = Number(opt.repeat ?? (opt.smoke ? 1 : 3));
const PER_FILE = Number(opt['entries-per-file'] ?? (opt.smoke ? 256 : 4096));

const { openRepository, initRepository, LocalBackend, parseKdf } = await import(new URL('index.js', DIST).href);

const work = path.resolve(opt.workdir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'snap-index-scale-')));
fs.mkdirSync(work, { recursive: true });
const log = (m) => process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${m}\n`);
const env = (repo, cache) => ({ SNAP_REPO: repo, SNAP_CACHE_DIR: cache, SNAP_PASSWORD: PASSWORD });
const snap = (args, repo, cache) => runMeasured(process.execPath, [SNAP, ...args], { env: env(repo, cache) });
const probe = (args, repo, cache) => runMeasured(process.execPath, [PROBE, ...args], { env: env(repo, cache), time: false });
const s = (x) => Math.round(x * 1000) / 1000;

/** Of several probe runs, the one whose sync took the median time. */
function medianRun(runs) {
  const sorted = [...runs].sort((a, b) => a.r.syncMs - b.r.syncMs);
  return sorted[(sorted.length - 1) >> 1];
}

async function newRepo(repo) {
  await initRepository(new LocalBackend(repo), { encryption: 'aes-256-gcm', kdf: parseKdf(BENCH_KDF), password: Buffer.from(PASSWORD) });
}
const openLib = (repo, cache) => openRepository({ location: repo, cacheDir: cache, password: async () => Buffer.from(PASSWORD) });

/** A small real directory: 120 files of 1–48 KiB and one of 3 MiB, random (incompressible) bytes. */
function makeSource(dir) {
  fs.mkdirSync(path.join(dir, 'sub'), { recursive: true });
  for (let i = 0; i < 120; i++) fs.writeFileSync(path.join(dir, i % 3 ? 'sub' : '', `f${i}`), randomBytes(1024 + ((i * 7919) % (47 * 1024))));
  fs.writeFileSync(path.join(dir, 'big'), randomBytes(3 << 20));
}

function du(dir) {
  let n = 0;
  if (!fs.existsSync(dir)) return 0;
  for (const e of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) if (e.isFile()) n += fs.statSync(path.join(e.parentPath, e.name)).size;
  return n;
}

async function indexSize(n) {
  const dir = path.join(work, `index-${n}`);
  const repo = path.join(dir, 'repo');
  const cache = path.join(dir, 'cache');
  const src = path.join(dir, 'src');
  const sample = path.join(dir, 'present.bin');
  const marker = path.join(dir, 'filled.json');
  let fill;
  if (opt.reuse && fs.existsSync(marker)) {
    fill = JSON.parse(fs.readFileSync(marker, 'utf8'));
    log(`${n}: reusing the filled repository in ${dir}`);
  } else {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    await newRepo(repo);
    const r = await openLib(repo, cache);
    const t = performance.now();
    let shown = 0;
    const files = await fillIndex(r, n, {
      sampleFile: sample,
      perFile: PER_FILE,
      sampleEvery: Math.max(1, Math.floor(n / 200_000)),
      onProgress: (done) => {
        if (done - shown >= 1_000_000) log(`${n}: ${(shown = done)} entries written`);
      },
    });
    fill = { entries: n, indexFiles: files, fillS: s((performance.now() - t) / 1000) };
    await r.close();
    fs.writeFileSync(marker, JSON.stringify(fill));
    log(`${n}: ${files} index files written in ${fill.fillS} s`);
  }
  fs.rmSync(src, { recursive: true, force: true });
  makeSource(src);

  fs.rmSync(cache, { recursive: true, force: true });
  const coldFiles = fs.readdirSync(path.join(repo, 'index')).sort();
  // Cold and warm opens are repeated (the machine is shared): the run with the median time is shown.
  const colds = [];
  for (let i = 0; i < REPEAT; i++) {
    fs.rmSync(cache, { recursive: true, force: true });
    log(`${n}: cold open ${i + 1}/${REPEAT}`);
    const m = await probe(['open', repo, cache], repo, cache);
    colds.push({ m, r: lastJson(m.stdout) });
  }
  const { m: cold, r: coldR } = medianRun(colds);
  log(`${n}: cold open took ${(coldR.syncMs / 1000).toFixed(1)} s; warm open + lookups`);
  const warm = await probe(['open', repo, cache, '--lookups', String(LOOKUPS), '--present', sample], repo, cache);
  const warmR = lastJson(warm.stdout);
  const warms = [];
  for (let i = 0; i < REPEAT; i++) {
    const m = await probe(['open', repo, cache], repo, cache);
    warms.push({ m, r: lastJson(m.stdout) });
  }
  const { m: warm2, r: warm2R } = medianRun(warms);

  // One more index file (what another client's backup adds): the next open reads exactly that one.
  const r = await openLib(repo, cache);
  await fillIndex(r, PER_FILE);
  await r.close();
  const plusOne = await probe(['open', repo, cache], repo, cache);
  const plusOneR = lastJson(plusOne.stdout);

  // One index file gone (what prune does): the next open drops its entries, reading nothing. The
  // file is one the cold open applied (in bulk when there are many), then it is put back. It is
  // the largest one: a full file of `perFile` entries, never the short last file of the fill (which
  // the smoke test's fixed count of dropped entries would miss, 1 run in 40).
  const gone = coldFiles
    .map((f) => ({ f, bytes: fs.statSync(path.join(repo, 'index', f)).size }))
    .sort((a, b) => b.bytes - a.bytes || (a.f < b.f ? -1 : 1))[0].f;
  const goneBytes = fs.readFileSync(path.join(repo, 'index', gone));
  fs.rmSync(path.join(repo, 'index', gone));
  const minusOneR = lastJson((await probe(['open', repo, cache], repo, cache)).stdout);
  fs.writeFileSync(path.join(repo, 'index', gone), goneBytes);

  log(`${n}: create of a small directory, then an unchanged re-backup`);
  const create = await snap(['create', '--host', HOST, '--json', src], repo, cache);
  const createR = JSON.parse(create.stdout);
  const again = await snap(['create', '--host', HOST, '--json', src], repo, cache);
  const againR = JSON.parse(again.stdout);
  if (againR.files_unmodified !== createR.total_files || againR.bytes_read !== 0) throw new Error(`re-backup at ${n} read files again: ${again.stdout}`);

  const row = {
    ...fill,
    // What the repository holds now (a reused one has also the files earlier runs added).
    indexFiles: coldR.indexFiles,
    entriesNow: coldR.entries,
    cold: { wallS: s(cold.wallS), syncMs: coldR.syncMs, openMs: coldR.openMs, filesRead: coldR.indexFilesRead, entries: coldR.entries, peakAnonKiB: cold.peakAnonKiB, peakFileKiB: cold.peakFileKiB },
    warm: { wallS: s(warm2.wallS), syncMs: warm2R.syncMs, openMs: warm2R.openMs, filesRead: warm2R.indexFilesRead, peakAnonKiB: warm2.peakAnonKiB, heapUsedKiB: warm2R.heapUsedKiB },
    plusOne: { wallS: s(plusOne.wallS), syncMs: plusOneR.syncMs, filesRead: plusOneR.indexFilesRead, entries: plusOneR.entries },
    minusOne: { syncMs: minusOneR.syncMs, filesRead: minusOneR.indexFilesRead, entries: minusOneR.entries },
    lookups: warmR.lookups,
    create: { wallS: s(create.wallS), maxRssKiB: create.maxRssKiB, peakAnonKiB: create.peakAnonKiB, peakFileKiB: create.peakFileKiB, bytesAdded: createR.bytes_added, files: createR.total_files },
    rebackup: { wallS: s(again.wallS), maxRssKiB: again.maxRssKiB, peakAnonKiB: again.peakAnonKiB, peakFileKiB: again.peakFileKiB },
    cacheBytes: du(cache),
    repoIndexBytes: du(path.join(repo, 'index')),
  };
  if (!opt['keep-workdir'] && !opt.reuse) fs.rmSync(dir, { recursive: true, force: true });
  return row;
}

async function snapshotScale() {
  const dir = path.join(work, 'snapshots');
  fs.rmSync(dir, { recursive: true, force: true });
  const repo = path.join(dir, 'repo');
  const cache = path.join(dir, 'cache');
  const src = path.join(dir, 'src');
  fs.mkdirSync(path.join(src, 'd'), { recursive: true });
  for (let i = 0; i < 20; i++) fs.writeFileSync(path.join(src, i % 2 ? 'd' : '', `t${i}`), `tiny file ${i}\n`.repeat(i + 1));
  await newRepo(repo);
  const first = JSON.parse((await snap(['create', '--host', HOST, '--json', src], repo, cache)).stdout);
  const r = await openLib(repo, cache);
  const template = await r.loadSnapshot(first.snapshot_id);
  let count = 1;
  let filler = 0;
  const rows = [];
  for (const target of SNAPSHOT_COUNTS) {
    // Older records of the same host and path: the parent search has to read them all to sort by time.
    const writes = [];
    for (; count < target; count++) {
      const { id: _id, ...record } = template;
      const time = new Date(Date.UTC(2020, 0, 1) + filler++ * 3_600_000).toISOString();
      writes.push(r.saveSnapshot({ ...record, time, parent: null }));
      if (writes.length >= 32) await Promise.all(writes.splice(0));
    }
    await Promise.all(writes);
    const times = [];
    const anon = [];
    for (let i = 0; i < REBACKUP_RUNS; i++) {
      const m = await snap(['create', '--host', HOST, '--json', src], repo, cache);
      const j = JSON.parse(m.stdout);
      if (j.files_unmodified !== first.total_files || !j.parent_id) throw new Error(`re-backup at ${target} snapshots did not use its parent: ${m.stdout}`);
      times.push(m.wallS);
      anon.push(m.peakAnonKiB);
      count++;
    }
    const parents = [];
    for (let i = 0; i < REBACKUP_RUNS; i++) parents.push(lastJson((await probe(['snapshots', repo, cache, HOST, src], repo, cache)).stdout));
    const listRun = await snap(['list', '--json'], repo, cache);
    rows.push({
      snapshots: target,
      rebackupS: s(median(times)),
      rebackupPeakAnonKiB: Math.max(...anon),
      findParentMs: median(parents.map((p) => p.findParentMs)),
      listIdsMs: median(parents.map((p) => p.listIdsMs)),
      listS: s(listRun.wallS),
    });
    log(`snapshots ${target}: re-backup ${rows.at(-1).rebackupS} s, parent search ${rows.at(-1).findParentMs} ms`);
  }
  await r.close();
  if (!opt['keep-workdir']) fs.rmSync(dir, { recursive: true, force: true });
  return rows;
}

function markdown(res) {
  const m = res.machine;
  const lines = [
    `Run ${res.date} on ${m.cpu} (${m.cores} cores, ${m.memGiB} GiB RAM), Node ${m.node}, ${m.os}; \`node bench/index-scale.mjs${res.args ? ' ' + res.args : ''}\`.`,
    `Anonymous memory = peak RssAnon sampled every 20 ms from /proc (V8 heap and native allocations); file-backed = peak RssFile (mostly LMDB's memory map: page cache). Max RSS from /usr/bin/time -v.`,
    '',
  ];
  if (res.index.length) {
    lines.push(`**Opening the index** (each in a fresh process; the repository is encrypted; cold and warm: median of ${res.repeat})`, '');
    lines.push('| chunks in index | index files | cold open + sync | cold peak anon MiB | warm open + sync | index files read warm | +1 index file: open (files read) | lookups/s present (warm map) | lookups/s absent (warm map) | LMDB cache size |');
    lines.push('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const r of res.index) {
      lines.push(`| ${r.entriesNow.toLocaleString('en')} | ${r.indexFiles} | ${(r.cold.syncMs / 1000).toFixed(1)} s | ${mib(r.cold.peakAnonKiB)} | ${r.warm.syncMs} ms | ${r.warm.filesRead} | ${r.plusOne.syncMs} ms (${r.plusOne.filesRead}) | ${r.lookups?.present.perSecond.toLocaleString('en')} (${r.lookups?.present.perSecondWarm.toLocaleString('en')}) | ${r.lookups?.absent.perSecond.toLocaleString('en')} (${r.lookups?.absent.perSecondWarm.toLocaleString('en')}) | ${(r.cacheBytes / 2 ** 20).toFixed(0)} MiB |`);
    }
    lines.push('', '**`snap create` of a small real directory** (121 files, 5.6 MiB, warm cache), then an unchanged re-backup', '');
    lines.push('| chunks in index | create s | max RSS MiB | peak anon MiB | peak file-backed MiB | re-backup s | re-backup max RSS MiB | re-backup peak anon MiB |');
    lines.push('|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const r of res.index) {
      lines.push(`| ${r.entriesNow.toLocaleString('en')} | ${r.create.wallS.toFixed(2)} | ${mib(r.create.maxRssKiB)} | ${mib(r.create.peakAnonKiB)} | ${mib(r.create.peakFileKiB)} | ${r.rebackup.wallS.toFixed(2)} | ${mib(r.rebackup.maxRssKiB)} | ${mib(r.rebackup.peakAnonKiB)} |`);
    }
    if (res.index.length > 1) {
      const a = res.index[0];
      const b = res.index.at(-1);
      lines.push('', `Anonymous memory of \`create\` at ${b.entriesNow.toLocaleString('en')} chunks is ${(b.create.peakAnonKiB / a.create.peakAnonKiB).toFixed(2)} × the figure at ${a.entriesNow.toLocaleString('en')} (target ≤ 1.5 ×).`);
    }
  }
  if (res.snapshots.length) {
    lines.push('', '**Unchanged re-backup as snapshots pile up** (tiny tree of 20 files; median of 3 runs)', '');
    lines.push('| snapshots | re-backup s | re-backup peak anon MiB | parent search ms (list, read new records, pick) | list snapshot ids ms | `snap list --json` s |');
    lines.push('|---:|---:|---:|---:|---:|---:|');
    for (const r of res.snapshots) lines.push(`| ${r.snapshots} | ${r.rebackupS.toFixed(2)} | ${mib(r.rebackupPeakAnonKiB)} | ${r.findParentMs} | ${r.listIdsMs} | ${r.listS.toFixed(2)} |`);
  }
  return lines.join('\n');
}

if (opt['from-json']) {
  // Render the tables of an earlier run again (--out FILE of that run), measuring nothing.
  if (!opt.workdir) fs.rmSync(work, { recursive: true, force: true });
  const md = markdown(JSON.parse(fs.readFileSync(opt['from-json'], 'utf8')));
  if (!opt['no-docs']) replaceSection(DOCS, 'index-scale', md, '# Benchmarks: scale and fixed cost\n');
  process.stdout.write(md + '\n');
  process.exit(0);
}

const res = { date: new Date().toISOString().slice(0, 16).replace('T', ' ') + ' UTC', machine: machine(), args: process.argv.slice(2).join(' '), repeat: REPEAT, hasTime: hasTime(), index: [], snapshots: [] };
try {
  if (!opt['skip-index']) for (const n of SIZES) res.index.push(await indexSize(n));
  if (!opt['skip-snapshots']) res.snapshots = await snapshotScale();
} finally {
  if (!opt['keep-workdir'] && !opt.reuse && !opt.workdir) fs.rmSync(work, { recursive: true, force: true });
}
const md = markdown(res);
if (opt.out) fs.writeFileSync(opt.out, JSON.stringify(res, null, 2));
if (!opt['no-docs']) replaceSection(DOCS, 'index-scale', md, '# Benchmarks: scale and fixed cost\n');
process.stdout.write(md + '\n');
