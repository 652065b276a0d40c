#!/usr/bin/env node
// The fixed cost of a snap run, whatever the data: process start-up and module loading, key
// derivation, opening the index, finding the parent snapshot. Each figure is the median of many
// runs in fresh processes. With --compare DIR, the same CLI figures are taken for another built
// checkout (e.g. the last commit, extracted with `git archive HEAD | tar -x -C DIR` and built),
// printed side by side as before / now.
//
//   node bench/fixed-cost.mjs [--reps 15] [--compare DIR] [--smoke] [--no-docs] [--out results.json]
//
// --smoke: few repetitions (test/bench/fixed-cost.smoke.test.ts).

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { runMeasured, lastJson, median, machine, replaceSection } from './lib/proc.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DOCS = path.join(ROOT, 'docs', 'benchmarks-scale.md');
const PROBE = path.join(ROOT, 'bench', 'lib', 'indexProbe.mjs');
const PASSWORD = 'fixed-cost bench';
const TEST_KDF = 'scrypt:1024,8,1';
/** Packages whose load time is shown one by one (each imported alone in a fresh process). */
const PACKAGES = ['commander', 'lmdb', '@mongodb-js/zstd/bindings.js', '@napi-rs/blake-hash', '@napi-rs/xattr', 'cli-progress', 'picomatch', 'pretty-bytes', '@aws-sdk/client-s3'];

const { values: opt } = parseArgs({
  options: {
    reps: { type: 'string' },
    compare: { type: 'string' },
    smoke: { type: 'boolean', default: false },
    'no-docs': { type: 'boolean', default: false },
    out: { type: 'string' },
    workdir: { type: 'string' },
  },
});
const REPS = Number(opt.reps ?? (opt.smoke ? 3 : 15));
const work = path.resolve(opt.workdir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'snap-fixed-cost-')));
fs.mkdirSync(work, { recursive: true });
const log = (m) => process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${m}\n`);
const ms = (s) => Math.round(s * 10000) / 10;

/** Median wall time (ms) and peak RSS (MiB) of `node args` over REPS fresh processes. */
async function timeNode(args, env = {}) {
  const walls = [];
  const rss = [];
  let last;
  for (let i = 0; i < REPS; i++) {
    last = await runMeasured(process.execPath, args, { env });
    walls.push(last.wallS);
    if (last.maxRssKiB) rss.push(last.maxRssKiB / 1024);
  }
  return { ms: ms(median(walls)), rssMiB: rss.length ? Math.round(median(rss)) : undefined, stdout: last.stdout };
}

/** The CLI figures for one built checkout. */
async function cliFigures(root, label) {
  const bin = path.join(root, 'bin', 'snap.js');
  const dir = path.join(work, label);
  fs.rmSync(dir, { recursive: true, force: true });
  const plain = path.join(dir, 'plain');
  const enc = path.join(dir, 'enc');
  const cache = path.join(dir, 'cache');
  const env = { SNAP_CACHE_DIR: cache, SNAP_PASSWORD: PASSWORD };
  const init = (args) => {
    const r = spawnSync(process.execPath, [bin, ...args], { env: { ...process.env, ...env } });
    if (r.status !== 0) throw new Error(`${label}: snap ${args.join(' ')}: ${r.stderr}`);
  };
  init(['-r', plain, 'init', '--encryption', 'none']);
  init(['-r', enc, 'init']); // the default KDF, scrypt N=2^17
  log(`${label}: snap --version, snap list (${REPS} runs each)`);
  const version = await timeNode([bin, '--version'], env);
  const listPlain = await timeNode([bin, '-r', plain, 'list', '--json'], env);
  if (listPlain.stdout.trim() !== '[]') throw new Error(`${label}: list of an empty repository printed ${listPlain.stdout}`);
  const listEnc = await timeNode([bin, '-r', enc, 'list', '--json'], env);
  return { label, root, version, listPlain, listEnc };
}

/** Import one package in a fresh process and report how long the import took (median). */
function packageLoadMs(spec) {
  const code = `const t = performance.now(); try { await import(${JSON.stringify(spec)}); } catch { (await import('node:module')).createRequire(import.meta.url)(${JSON.stringify(spec)}); } process.stdout.write(String(performance.now() - t));`;
  const xs = [];
  for (let i = 0; i < REPS; i++) {
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { cwd: ROOT, encoding: 'utf8' });
    if (r.status !== 0) return undefined;
    xs.push(Number(r.stdout));
  }
  return Math.round(median(xs) * 10) / 10;
}

/** Key derivation in this process (the library's deriveWrapKey): default cost and the test cost. */
async function kdfFigures() {
  const { deriveWrapKey, parseKdf, DEFAULT_KDF } = await import(new URL('../dist/crypto/index.js', import.meta.url).href);
  const salt = randomBytes(32);
  const pw = Buffer.from(PASSWORD);
  const time = async (params, reps) => {
    const xs = [];
    for (let i = 0; i < reps; i++) {
      const t = performance.now();
      await deriveWrapKey(pw, salt, params);
      xs.push(performance.now() - t);
    }
    return Math.round(median(xs) * 10) / 10;
  };
  return {
    defaultKdf: `scrypt:${DEFAULT_KDF.N},${DEFAULT_KDF.r},${DEFAULT_KDF.p}`,
    defaultMs: await time(DEFAULT_KDF, Math.max(3, Math.min(REPS, 7))),
    testKdf: TEST_KDF,
    testMs: await time(parseKdf(TEST_KDF), REPS),
  };
}

/** Opening a warm index cache and finding the parent, via the library in fresh processes. */
async function repoFigures() {
  const { initRepository, LocalBackend, parseKdf, openRepository } = await import(new URL('../dist/index.js', import.meta.url).href);
  const { fillIndex } = await import('./lib/fillIndex.mjs');
  const dir = path.join(work, 'repo-figures');
  fs.rmSync(dir, { recursive: true, force: true });
  const repo = path.join(dir, 'repo');
  const cache = path.join(dir, 'cache');
  await initRepository(new LocalBackend(repo), { encryption: 'aes-256-gcm', kdf: parseKdf(TEST_KDF), password: Buffer.from(PASSWORD) });
  const entries = opt.smoke ? 20_000 : 100_000;
  const r = await openRepository({ location: repo, cacheDir: cache, password: async () => Buffer.from(PASSWORD) });
  await fillIndex(r, entries);
  // A few real snapshots of a tiny tree, so that the parent search has records to read.
  const src = path.join(dir, 'src');
  fs.mkdirSync(src);
  fs.writeFileSync(path.join(src, 'a'), 'a\n');
  const { createSnapshot } = await import(new URL('../dist/index.js', import.meta.url).href);
  for (let i = 0; i < 10; i++) await createSnapshot(r, { paths: [src], host: 'bench-host', time: new Date(Date.UTC(2026, 0, 1 + i)).toISOString() });
  await r.close();
  const env = { SNAP_PASSWORD: PASSWORD };
  const opens = [];
  const parents = [];
  for (let i = 0; i < REPS; i++) {
    opens.push(lastJson((await runMeasured(process.execPath, [PROBE, 'open', repo, cache], { env, time: false })).stdout));
    parents.push(lastJson((await runMeasured(process.execPath, [PROBE, 'snapshots', repo, cache, 'bench-host', src], { env, time: false })).stdout));
  }
  if (opens.some((o) => o.indexFilesRead !== 0)) throw new Error('a warm open read index files');
  if (parents.some((p) => !p.parentFound)) throw new Error('the parent snapshot was not found');
  return {
    entries,
    openRepoMs: median(opens.map((o) => o.openMs)),
    warmIndexMs: median(opens.map((o) => o.syncMs)),
    snapshots: parents[0].snapshots,
    findParentMs: median(parents.map((p) => p.findParentMs)),
  };
}

/** Where start-up time goes: self time of `snap list` by package (node --cpu-prof). */
async function profile(root) {
  const dir = path.join(work, 'prof');
  fs.rmSync(dir, { recursive: true, force: true });
  const repo = path.join(work, 'now', 'plain');
  const r = spawnSync(process.execPath, ['--cpu-prof', '--cpu-prof-dir', dir, path.join(root, 'bin', 'snap.js'), '-r', repo, 'list', '--json'], {
    env: { ...process.env, SNAP_CACHE_DIR: path.join(work, 'now', 'cache') },
  });
  if (r.status !== 0) return [];
  const file = fs.readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  const p = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map();
  p.samples.forEach((id, i) => {
    const n = byId.get(id);
    const url = n.callFrame.url;
    const where = !url
      ? n.callFrame.functionName.startsWith('(') ? n.callFrame.functionName : 'native'
      : url.startsWith('node:') ? 'node internals (module loader, bootstrap)'
        : /node_modules\//.test(url) ? (/node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1] ?? 'node_modules')
          : 'snap (dist/)';
    self.set(where, (self.get(where) ?? 0) + (p.timeDeltas[i] ?? 0));
  });
  return [...self].sort((a, b) => b[1] - a[1]).slice(0, 8).map(([where, us]) => ({ where, ms: Math.round(us / 100) / 10 }));
}

function markdown(res) {
  const m = res.machine;
  const lines = [
    `Run ${res.date} on ${m.cpu} (${m.cores} cores), Node ${m.node}; \`node bench/fixed-cost.mjs${res.args ? ' ' + res.args : ''}\`; medians of ${REPS} fresh processes.`,
    '',
    '| what | ' + res.cli.map((c) => c.label).join(' | ') + ' |',
    '|---|' + res.cli.map(() => '---:').join('|') + '|',
    `| \`node -e 0\` (bare process start) | ${res.cli.map(() => `${res.nodeBare.ms} ms`).join(' | ')} |`,
    `| \`snap --version\` | ${res.cli.map((c) => `${c.version.ms} ms, ${c.version.rssMiB ?? '–'} MiB`).join(' | ')} |`,
    `| \`snap list --json\`, empty unencrypted repository | ${res.cli.map((c) => `${c.listPlain.ms} ms, ${c.listPlain.rssMiB ?? '–'} MiB`).join(' | ')} |`,
    `| \`snap list --json\`, empty encrypted repository (${res.kdf.defaultKdf}) | ${res.cli.map((c) => `${c.listEnc.ms} ms, ${c.listEnc.rssMiB ?? '–'} MiB`).join(' | ')} |`,
    '',
    '| library step (now) | median |',
    '|---|---:|',
    `| key derivation, default ${res.kdf.defaultKdf} (OWASP; unchanged) | ${res.kdf.defaultMs} ms |`,
    `| key derivation, test cost ${res.kdf.testKdf} | ${res.kdf.testMs} ms |`,
    `| open an encrypted repository (config, key file at test cost) | ${res.repo.openRepoMs} ms |`,
    `| open the index, warm cache, ${res.repo.entries.toLocaleString('en')} chunks | ${res.repo.warmIndexMs} ms |`,
    `| find the parent snapshot (list and read ${res.repo.snapshots} records) | ${res.repo.findParentMs} ms |`,
    '',
    '| package loaded alone (fresh process) | import ms |',
    '|---|---:|',
    ...res.packages.map((p) => `| ${p.name} | ${p.ms ?? 'not installed'} |`),
  ];
  if (res.profile.length) {
    lines.push('', '`snap list --json` under `node --cpu-prof` (now), self time by where the code lives:', '', '| where | ms |', '|---|---:|');
    for (const p of res.profile) lines.push(`| ${p.where} | ${p.ms} |`);
  }
  return lines.join('\n');
}

const res = { date: new Date().toISOString().slice(0, 16).replace('T', ' ') + ' UTC', machine: machine(), args: process.argv.slice(2).join(' '), cli: [] };
try {
  res.nodeBare = await timeNode(['-e', '0']);
  if (opt.compare) res.cli.push(await cliFigures(path.resolve(opt.compare), 'before'));
  res.cli.push(await cliFigures(ROOT, 'now'));
  log('key derivation');
  res.kdf = await kdfFigures();
  log('opening the index, finding the parent');
  res.repo = await repoFigures();
  log('package load times');
  res.packages = PACKAGES.map((name) => ({ name, ms: packageLoadMs(name) }));
  res.profile = await profile(ROOT);
} finally {
  if (!opt.workdir) fs.rmSync(work, { recursive: true, force: true });
}
const md = markdown(res);
if (opt.out) fs.writeFileSync(opt.out, JSON.stringify(res, null, 2));
if (!opt['no-docs']) replaceSection(DOCS, 'fixed-cost', md, '# Benchmarks: scale and fixed cost\n');
process.stdout.write(md + '\n');
