#!/usr/bin/env node
// snap side by side with restic, borg (default and 64 KiB chunks), tar | zstd and rsync --link-dest,
// over several generated "nights" of three datasets. See docs/benchmarks.md ("Method") and
// `node bench/compare.mjs --help`.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { spawnSync } from 'node:child_process';
import { DATASETS as GENERATED } from './compare/datasets.mjs';
import { REAL_DATASETS, SourceMissing } from './compare/real.mjs';

const DATASETS = { ...GENERATED, ...REAL_DATASETS };
import { makeTools, ROOT, SNAP_KDF, fmtSize } from './compare/adapters.mjs';
import { exec, syncAll, du, manifest, verifyTree, findRestoredRoot, hasTime, which } from './compare/measure.mjs';
import { datasetMarkdown, chunkStudyMarkdown, runInfoMarkdown, replaceBetweenMarkers, svgChart, toolColor } from './compare/report.mjs';

const HELP = `usage: node bench/compare.mjs [options]

  --datasets LIST      which datasets, default all: generated a (AI dataset growing nightly), b (source
                       tree replaced by the next release), c (many small files); real files r1 (AI
                       dataset: real text, shared libraries, compressed files), r2 (npm releases of
                       typescript), r3 (C source tree: npm releases of libxmljs2), r4 (300 k small
                       files of real text). A real dataset whose source is missing is skipped, with why.
                       --smoke alone runs a,b,c.
  --cache-dir DIR      where npm packs of r2/r3 are kept (default $SNAP_BENCH_CACHE or ~/.cache/snap-bench)
  --tools LIST         which tools: snap,restic,borg,borg-64k,tar-zstd,rsync (default: all installed)
  --nights N           nights per dataset (default 5; --smoke: 2)
  --scale F            dataset size factor (default 1 = ~1 GB / 15k files / 100k files; --smoke: 0.004)
  --seed S             generator seed (default 1)
  --price USD          storage price per GB-month for the $/month column (default 0.02)
  --chunk-study        run only snap, at avg chunk 32, 64, 128, 256 KiB and 1 MiB (min = avg/4, max = avg*4),
                       and at 256 KiB with zstd levels 1 and 9 (the default is level 3)
  --smoke              tiny scale, 2 nights, whatever tools exist, all tools and datasets side by
                       side (timings meaningless, only correctness counts); no docs update; < 60 s
  --install            apt-get install the missing tools (restic borgbackup zstd rsync time) first
  --workdir DIR        where repositories and datasets live during the run (default: a new dir in $TMPDIR)
  --out DIR            where the JSON results and SVG charts go (default bench/out)
  --docs FILE          markdown file to update between markers (default docs/benchmarks.md; not in --smoke)
  --no-docs            do not touch the docs
  --keep               keep the work directory
  --report-only FILE   run nothing: re-render the tables, charts and docs section from a results JSON
  -h, --help           this text

Exit status: 0 when every tool that ran succeeded and every restore verified, 1 otherwise.`;

const MB = 1e6;
const MiB = 1 << 20;

function log(msg) {
  process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}

function parse() {
  const { values } = parseArgs({
    options: {
      datasets: { type: 'string' }, tools: { type: 'string' }, nights: { type: 'string' }, scale: { type: 'string' },
      seed: { type: 'string' }, price: { type: 'string' }, 'chunk-study': { type: 'boolean' }, smoke: { type: 'boolean' },
      install: { type: 'boolean' }, 'cache-dir': { type: 'string' }, workdir: { type: 'string' }, out: { type: 'string' }, docs: { type: 'string' },
      'no-docs': { type: 'boolean' }, keep: { type: 'boolean' }, 'report-only': { type: 'string' }, help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) { console.log(HELP); process.exit(0); }
  const num = (v, d, name) => {
    if (v == null) return d;
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) { console.error(`--${name}: not a positive number: ${v}`); process.exit(2); }
    return n;
  };
  const o = {
    smoke: !!values.smoke,
    chunkStudy: !!values['chunk-study'],
    install: !!values.install,
    keep: !!values.keep,
    reportOnly: values['report-only'] ? path.resolve(values['report-only']) : null,
    cacheDir: path.resolve(values['cache-dir'] ?? process.env.SNAP_BENCH_CACHE ?? path.join(os.homedir(), '.cache', 'snap-bench')),
    // --smoke keeps to the generated datasets (no network, < 60 s); `--smoke --datasets r1,r2,r3,r4` checks the real ones
    datasets: (values.datasets ?? (values.smoke ? Object.keys(GENERATED) : Object.keys(DATASETS)).join(',')).split(',').map((s) => s.trim()).filter(Boolean),
    tools: values.tools ? values.tools.split(',').map((s) => s.trim()).filter(Boolean) : null,
    seed: values.seed ?? '1',
    price: num(values.price, 0.02, 'price'),
    out: path.resolve(values.out ?? path.join(ROOT, 'bench', 'out')),
    workdir: values.workdir ? path.resolve(values.workdir) : null,
  };
  o.nights = Math.round(num(values.nights, o.smoke ? 2 : 5, 'nights'));
  o.scale = num(values.scale, o.smoke ? 0.004 : 1, 'scale');
  o.docs = values['no-docs'] ? null : values.docs ? path.resolve(values.docs) : o.smoke ? null : path.join(ROOT, 'docs', 'benchmarks.md');
  for (const d of o.datasets) if (!DATASETS[d]) { console.error(`--datasets: unknown dataset ${d} (${Object.keys(DATASETS).join(', ')})`); process.exit(2); }
  return o;
}

function installTools() {
  const pkgs = [];
  if (!which('restic')) pkgs.push('restic');
  if (!which('borg')) pkgs.push('borgbackup');
  if (!which('zstd')) pkgs.push('zstd');
  if (!which('rsync')) pkgs.push('rsync');
  if (!hasTime()) pkgs.push('time');
  if (!pkgs.length) { log('--install: every tool is already installed'); return; }
  const sudo = process.getuid?.() === 0 ? [] : which('sudo') ? ['sudo'] : null;
  if (!sudo) { log(`--install: not root and no sudo; install by hand: apt-get install -y ${pkgs.join(' ')}`); return; }
  log(`--install: apt-get install -y ${pkgs.join(' ')}`);
  const opts = { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } };
  spawnSync(sudo[0] ?? 'apt-get', [...(sudo.length ? ['apt-get'] : []), 'update'], opts);
  const r = spawnSync(sudo[0] ?? 'apt-get', [...(sudo.length ? ['apt-get'] : []), 'install', '-y', ...pkgs], opts);
  if (r.status !== 0) log('--install: apt-get failed; the missing tools will be skipped');
}

function machine() {
  let cpu = 'unknown CPU';
  try { cpu = /model name\s*:\s*(.*)/.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? cpu; } catch { /* not Linux */ }
  return { cpu, cores: os.cpus().length, memGiB: Math.round(os.totalmem() / 2 ** 30), kernel: os.release(), node: process.versions.node, host: os.hostname() };
}

// A context (one per tool) whose exec() records time and peak memory of every command run in the current step.
function makeCtx() {
  const ctx = {
    step: null,
    async exec(argv, opts) {
      const r = await exec(argv, opts);
      if (ctx.step) {
        ctx.step.cmdS += r.wallS;
        if (r.maxRssKiB != null) ctx.step.maxRssKiB = Math.max(ctx.step.maxRssKiB ?? 0, r.maxRssKiB);
        if (r.anonPeakKiB != null) ctx.step.anonPeakKiB = Math.max(ctx.step.anonPeakKiB ?? 0, r.anonPeakKiB);
      }
      return r;
    },
  };
  return ctx;
}

let SYNC = true; // off in --smoke, where only correctness counts
const sync = () => { if (SYNC) syncAll(); };

/** Run one adapter step, then `sync`; the time includes that sync. */
async function timed(ctx, fn) {
  sync(); // untimed: flush what earlier steps and clean-ups left, so it is not charged to this one
  ctx.step = { cmdS: 0, maxRssKiB: null, anonPeakKiB: null };
  const t0 = process.hrtime.bigint();
  const info = await fn();
  sync();
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  const step = ctx.step;
  ctx.step = null;
  return { s, cmdS: step.cmdS, maxRssKiB: step.maxRssKiB, anonPeakKiB: step.anonPeakKiB, info: info ?? null };
}

const maxOf = (xs) => { const v = xs.filter((x) => x != null); return v.length ? Math.max(...v) : null; };
const mean = (xs) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);

// Deleting many files is slow when other processes keep the file system's journal busy with fsyncs
// (milliseconds per unlink instead of microseconds), so trees are moved into a trash directory during
// the run and deleted once at the end, where that cost cannot leak into a timed step.
let trashN = 0;
function discarder(workdir) {
  return (p) => {
    if (!fs.existsSync(p)) return;
    const trash = path.join(workdir, '.trash');
    fs.mkdirSync(trash, { recursive: true });
    fs.renameSync(p, path.join(trash, String(trashN++)));
  };
}

async function runDataset(id, toolNames, o, workdir) {
  const DS = DATASETS[id];
  // fresh adapters per dataset (they hold the repository's state; --smoke runs datasets side by side)
  const tools = makeTools(makeCtx, { chunkStudy: o.chunkStudy }).filter((t) => toolNames.includes(t.name));
  const dsDir = path.join(workdir, id);
  const discard = discarder(workdir);
  discard(dsDir);
  fs.mkdirSync(dsDir, { recursive: true });
  let ds;
  try {
    ds = new DS(dsDir, { scale: o.scale, seed: o.seed, discard, nights: o.nights, cacheDir: o.cacheDir });
  } catch (e) {
    if (!(e instanceof SourceMissing)) throw e;
    log(`skip dataset ${id}: ${e.message}`);
    discard(dsDir);
    return { id, title: DS.title, skipped: e.message };
  }
  const runs = tools.map((tool) => ({
    tool,
    runDir: path.join(dsDir, 'tools', tool.name),
    row: {
      tool: tool.name, label: tool.label, chunkSize: tool.chunkSize ?? null, nights: [],
      unchanged: null, restore: null, verify: null, error: null,
    },
  }));
  // One tool after the other (the timings must not disturb each other); --smoke runs them side by side.
  const each = async (fn) => {
    const live = runs.filter((run) => !run.row.error);
    if (o.smoke) await Promise.all(live.map(fn));
    else for (const run of live) await fn(run);
  };
  const fail = (run, where, e) => {
    run.row.error = `${where}: ${e.message ?? e}`;
    log(`!!! ${id}/${run.tool.name} FAILED in ${where}: ${e.message ?? e}`);
  };

  // Repositories are created side by side while night 1 is generated (init is not measured; restic
  // alone calibrates its KDF for seconds).
  const inits = Promise.all(runs.map(async (run) => {
    try {
      fs.mkdirSync(run.runDir, { recursive: true });
      run.row.repository = (await run.tool.init(path.join(run.runDir, 'repo'), run.runDir)) ?? null;
    } catch (e) { fail(run, 'init', e); }
  }));

  const nights = [];
  let man = null;
  // Where the harness's own time goes (generation, hashing, clean-up), beside the timed tool steps:
  // on a busy machine, creating and deleting many files can dominate the wall time of a run.
  const overhead = { generateS: 0, manifestS: 0, verifyS: 0, toolStepsS: 0 };
  const t0ds = Date.now();
  for (let n = 1; n <= o.nights; n++) {
    const g0 = Date.now();
    await ds.night(n);
    sync(); // the generator's dirty pages must not land in the first tool's timed sync
    const genS = (Date.now() - g0) / 1000;
    overhead.generateS += genS;
    const m0 = Date.now();
    man = manifest(ds.src); // reads every file: the source is hot in the page cache before timing
    overhead.manifestS += (Date.now() - m0) / 1000;
    nights.push({ night: n, logicalBytes: man.bytes, files: man.files, generateS: genS });
    log(`${id} night ${n}: ${(man.bytes / MB).toFixed(1)} MB in ${man.files} files (generated in ${genS.toFixed(1)} s)`);
    if (n === 1) {
      await inits;
      sync();
    }
    await each(async (run) => {
      try {
        const t = await timed(run.tool.ctx, () => run.tool.backup(ds.src, n));
        const repo = run.tool.repoBytes ? run.tool.repoBytes() : du(run.tool.repoDir);
        const cache = run.tool.cacheDir ? du(run.tool.cacheDir).apparent : null;
        run.row.nights.push({ night: n, s: t.s, cmdS: t.cmdS, maxRssKiB: t.maxRssKiB, anonPeakKiB: t.anonPeakKiB,
          repoBytes: repo.apparent, repoAllocatedBytes: repo.allocated, cacheBytes: cache,
          bytesAdded: t.info?.bytesAdded ?? null, bytesStored: t.info?.bytesStored ?? null });
        log(`  ${run.tool.name.padEnd(12)} backup ${t.s.toFixed(2)} s, repo ${(repo.apparent / MB).toFixed(1)} MB`);
      } catch (e) { fail(run, `backup night ${n}`, e); }
    });
  }

  // Back up again with nothing changed.
  await each(async (run) => {
    try {
      const t = await timed(run.tool.ctx, () => run.tool.backup(ds.src, o.nights + 1));
      run.row.unchanged = { s: t.s, maxRssKiB: t.maxRssKiB, anonPeakKiB: t.anonPeakKiB };
      log(`  ${run.tool.name.padEnd(12)} unchanged re-backup ${t.s.toFixed(2)} s`);
    } catch (e) { fail(run, 'unchanged re-backup', e); }
  });

  // Restore the latest backup (the last night's tree) and compare it with the source.
  await each(async (run) => {
    const target = path.join(run.runDir, 'restore');
    try {
      discard(target);
      fs.mkdirSync(target, { recursive: true });
      const t = await timed(run.tool.ctx, () => run.tool.restore(target));
      run.row.restore = { s: t.s, maxRssKiB: t.maxRssKiB, anonPeakKiB: t.anonPeakKiB };
      const root = findRestoredRoot(target, ds.src, man);
      const v0 = Date.now();
      run.row.verify = verifyTree(root, man);
      overhead.verifyS += (Date.now() - v0) / 1000;
      log(`  ${run.tool.name.padEnd(12)} restore ${t.s.toFixed(2)} s, verify ${run.row.verify.ok ? 'OK' : 'MISMATCH ' + run.row.verify.examples.join('; ')}`);
      if (!run.row.verify.ok) log(`!!! ${id}/${run.tool.name}: RESTORED TREE DIFFERS FROM THE SOURCE: ${JSON.stringify(run.row.verify)}`);
    } catch (e) { fail(run, 'restore', e); }
    discard(target);
  });

  // Summaries.
  const sumLogical = nights.reduce((a, n) => a + n.logicalBytes, 0);
  const last = nights[nights.length - 1];
  for (const run of runs) {
    const r = run.row;
    const first = r.nights[0];
    const inc = r.nights.slice(1).map((x) => x.s);
    const lastN = r.nights.length === nights.length ? r.nights[r.nights.length - 1] : null;
    r.firstBackupS = first?.s ?? null;
    r.firstBackupMBps = first ? nights[0].logicalBytes / MB / first.s : null;
    r.incrementalS = inc;
    r.incrementalMeanS = mean(inc);
    r.unchangedS = r.unchanged?.s ?? null;
    r.restoreS = r.restore?.s ?? null;
    r.restoreMBps = r.restore ? last.logicalBytes / MB / r.restore.s : null;
    r.peakRssBackupMiB = maxOf([...r.nights.map((x) => x.maxRssKiB), r.unchanged?.maxRssKiB]) ;
    r.peakRssBackupMiB = r.peakRssBackupMiB == null ? null : r.peakRssBackupMiB / 1024;
    r.peakRssRestoreMiB = r.restore?.maxRssKiB == null ? null : r.restore.maxRssKiB / 1024;
    const anon = maxOf([...r.nights.map((x) => x.anonPeakKiB), r.unchanged?.anonPeakKiB, r.restore?.anonPeakKiB]);
    r.peakAnonMiB = anon == null ? null : anon / 1024;
    r.repoBytes = lastN?.repoBytes ?? null;
    r.repoAllocatedBytes = lastN?.repoAllocatedBytes ?? null;
    r.storedOverLogical = lastN ? lastN.repoBytes / sumLogical : null;
    r.storedOverLatest = lastN ? lastN.repoBytes / last.logicalBytes : null;
    r.usdPerMonth = lastN ? (lastN.repoBytes / 1e9) * o.price : null;
    r.cacheBytes = run.tool.cacheDir ? du(run.tool.cacheDir).apparent : null;
    r.ok = !r.error && !!r.verify?.ok;
  }
  overhead.toolStepsS = runs.reduce((a, { row: r }) => a + r.nights.reduce((b, x) => b + x.s, 0) + (r.unchanged?.s ?? 0) + (r.restore?.s ?? 0), 0);
  if (!o.keep) discard(dsDir);
  overhead.totalS = (Date.now() - t0ds) / 1000;
  for (const k of Object.keys(overhead)) overhead[k] = Math.round(overhead[k] * 10) / 10;
  log(`${id} done in ${overhead.totalS} s: tool steps ${overhead.toolStepsS} s, generating ${overhead.generateS} s, hashing ${Math.round((overhead.manifestS + overhead.verifyS) * 10) / 10} s`);
  return { id, title: DS.title, description: ds.describe(), nights, rows: runs.map((x) => x.row), harness: overhead };
}

const DOC_TEMPLATE = `# Benchmarks\n\nGenerated sections below are rewritten by \`node bench/compare.mjs\`.\n`;

async function main() {
  const o = parse();
  if (o.smoke) SYNC = false;
  if (o.reportOnly) {
    // re-render the tables, charts and docs section from an earlier run's JSON
    const results = JSON.parse(fs.readFileSync(o.reportOnly, 'utf8'));
    render(results, o, { writeJson: false });
    return;
  }
  const t0 = Date.now();
  if (o.install) installTools();
  if (!hasTime()) log('note: /usr/bin/time missing (apt-get install time): peak RSS comes from sampling /proc every 100 ms');
  let tools = makeTools(makeCtx, { chunkStudy: o.chunkStudy });
  if (o.tools) {
    const known = new Set(tools.map((t) => t.name));
    for (const t of o.tools) if (!known.has(t)) { console.error(`--tools: unknown tool ${t} (${[...known].join(', ')})`); process.exit(2); }
    tools = tools.filter((t) => o.tools.includes(t.name));
  }
  const skipped = [];
  tools = tools.filter((t) => {
    const why = t.available();
    if (why) { skipped.push({ tool: t.name, reason: why }); log(`skip ${t.name}: ${why}`); }
    return !why;
  });
  // --smoke works in memory (/dev/shm) when it can: creating and deleting its few thousand files on a
  // disk whose journal other processes keep busy can take longer than everything else.
  const shm = o.smoke && fs.existsSync('/dev/shm') && (() => { try { fs.accessSync('/dev/shm', fs.constants.W_OK); return true; } catch { return false; } })();
  const workdir = o.workdir ?? fs.mkdtempSync(path.join(shm ? '/dev/shm' : os.tmpdir(), 'snap-bench-'));
  fs.mkdirSync(workdir, { recursive: true });
  log(`work dir ${workdir}; tools: ${tools.map((t) => t.name).join(', ') || '(none)'}; datasets ${o.datasets.join(',')}; scale ${o.scale}; ${o.nights} nights`);

  const results = {
    meta: {
      kind: o.chunkStudy ? 'chunk-study' : 'compare',
      date: new Date().toISOString(), argv: process.argv.slice(2), machine: machine(),
      scale: o.scale, nights: o.nights, seed: o.seed, pricePerGbMonth: o.price, snapKdf: SNAP_KDF,
      repoBytes: 'du -sb (apparent size, hard links counted once); allocated size (du -s -B1) in nights[].repoAllocatedBytes',
      timing: 'wall seconds of the command plus a following sync; source read once into the page cache before each night',
      tools: tools.map((t) => ({ name: t.name, label: t.label, version: t.version(), settings: t.settings })),
      skipped, totalS: null, loadAverageStart: os.loadavg().map((x) => Math.round(x * 100) / 100),
    },
    datasets: [],
  };
  let interrupted = false;
  process.on('SIGINT', () => { if (interrupted) process.exit(130); interrupted = true; log(`interrupted; work dir left at ${workdir}`); process.exit(130); });

  if (tools.length) {
    const done = [];
    if (o.smoke) done.push(...(await Promise.all(o.datasets.map((id) => runDataset(id, tools.map((t) => t.name), o, workdir)))));
    else for (const id of o.datasets) done.push(await runDataset(id, tools.map((t) => t.name), o, workdir));
    results.datasets = done.filter((d) => !d.skipped);
    results.meta.skippedDatasets = done.filter((d) => d.skipped).map((d) => ({ id: d.id, reason: d.skipped }));
  }
  results.meta.totalS = (Date.now() - t0) / 1000;
  // what the repositories reported at init (snap: its actual chunker and compression)
  for (const t of results.meta.tools) {
    const rep = results.datasets.map((d) => d.rows.find((r) => r.tool === t.name)?.repository).find(Boolean);
    if (rep?.chunker) t.settings += `; repository: chunker ${rep.chunker.min},${rep.chunker.avg},${rep.chunker.max}${rep.compression ? `, compression ${rep.compression}` : ''}`;
  }

  results.meta.loadAverageEnd = os.loadavg().map((x) => Math.round(x * 100) / 100);
  render(results, o, { writeJson: true });
  if (!o.keep) {
    // the deferred deletions: the whole work dir if we made it, else what we put in it
    const c0 = Date.now();
    const victims = o.workdir ? [path.join(workdir, '.trash'), ...o.datasets.map((d) => path.join(workdir, d))] : [workdir];
    log(`removing ${victims.join(' ')} ...`);
    spawnSync('rm', ['-rf', ...victims]);
    log(`removed in ${((Date.now() - c0) / 1000).toFixed(1)} s`);
  } else log(`kept ${workdir}`);
  const bad = results.datasets.flatMap((d) => d.rows.filter((r) => !r.ok).map((r) => `${d.id}/${r.tool}`));
  if (bad.length) { log(`!!! FAILED OR NOT VERIFIED: ${bad.join(', ')}`); process.exitCode = 1; }
}

/** Raw results, charts, the markdown, the docs section. */
function render(results, o, { writeJson }) {
  fs.mkdirSync(o.out, { recursive: true });
  const chunkStudy = results.meta.kind === 'chunk-study';
  // a run of the real-data datasets alone has its own results file and docs section
  const real = results.datasets.length > 0 && results.datasets.every((d) => REAL_DATASETS[d.id]);
  const base = results.meta.kind + (real ? '-real' : '');
  if (writeJson) {
    const stamp = results.meta.date.replace(/[:.]/g, '-').slice(0, 19);
    fs.writeFileSync(path.join(o.out, `${base}-${stamp}.json`), JSON.stringify(results, null, 2));
    fs.writeFileSync(path.join(o.out, `${base}-latest.json`), JSON.stringify(results, null, 2));
  }
  let md = runInfoMarkdown(results) + '\n';
  for (const ds of results.datasets) {
    const chartId = `${base}-${ds.id}`;
    const chart = svgChart({ id: chartId, title: `(${ds.id}) repository MB after each night`, xLabels: ds.nights.map((n) => String(n.night)),
      series: ds.rows.filter((r) => r.nights.length).map((r) => ({ label: r.label, color: toolColor(r.tool), values: r.nights.map((n) => n.repoBytes / MB) })) });
    md += (chunkStudy ? chunkStudyMarkdown(ds, chart) : datasetMarkdown(ds, chart)) + '\n';
    fs.writeFileSync(path.join(o.out, `${chartId}.svg`), chart + '\n');
  }
  fs.writeFileSync(path.join(o.out, `${base}-latest.md`), md);
  if (o.docs) {
    fs.mkdirSync(path.dirname(o.docs), { recursive: true });
    replaceBetweenMarkers(o.docs, `bench:${base}`, md, DOC_TEMPLATE);
    log(`updated ${path.relative(process.cwd(), o.docs) || o.docs}`);
  }
  process.stdout.write(md.replace(/<svg[\s\S]*?<\/svg>\n?/g, ''));
  if (results.meta.totalS != null) log(`results: ${path.join(o.out, `${base}-latest.json`)} (${(results.meta.totalS / 60).toFixed(1)} min)`);
}

main().catch((e) => { console.error(e); process.exit(1); });
