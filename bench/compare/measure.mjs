// Running commands under /usr/bin/time -v, sampling anonymous memory, disk usage, tree manifests.
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';

export const TIME_BIN = '/usr/bin/time';
export const hasTime = () => fs.existsSync(TIME_BIN);

export function which(cmd) {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

/** Pids of `pid` and all its descendants (via /proc/<pid>/task/<tid>/children). */
function treePids(pid) {
  const out = [pid];
  for (let i = 0; i < out.length; i++) {
    let tasks;
    try { tasks = fs.readdirSync(`/proc/${out[i]}/task`); } catch { continue; }
    for (const t of tasks) {
      try {
        const c = fs.readFileSync(`/proc/${out[i]}/task/${t}/children`, 'utf8').trim();
        if (c) for (const x of c.split(/\s+/)) out.push(Number(x));
      } catch { /* gone */ }
    }
  }
  return out;
}
function memKiB(pid) {
  try {
    const s = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const a = /RssAnon:\s+(\d+)/.exec(s);
    const h = /VmHWM:\s+(\d+)/.exec(s);
    return { anon: a ? Number(a[1]) : 0, hwm: h ? Number(h[1]) : 0 };
  } catch { return { anon: 0, hwm: 0 }; }
}

export class CommandError extends Error {
  constructor(argv, code, stderr) {
    const lines = String(stderr).trim().split('\n').filter((l) => l.trim());
    const text = lines.length <= 6 ? lines : [...lines.slice(0, 3), '…', ...lines.slice(-2)];
    super(`${argv.join(' ')} exited ${code}: ${text.join(' | ').slice(0, 800)}`);
    this.code = code;
  }
}

/**
 * Run argv (under /usr/bin/time -v when available) and resolve with
 * { code, stdout, stderr, wallS, maxRssKiB, anonPeakKiB }. Rejects on a non-zero exit unless `allowFail`.
 * stdout/stderr keep only their last 4 MB.
 */
export function exec(argv, { cwd, env, allowFail = false, input } = {}) {
  return new Promise((resolve, reject) => {
    const timeFile = path.join(os.tmpdir(), `snap-bench-time-${process.pid}-${Math.random().toString(36).slice(2)}`);
    const full = hasTime() ? [TIME_BIN, '-v', '-o', timeFile, ...argv] : argv;
    const t0 = process.hrtime.bigint();
    const child = spawn(full[0], full.slice(1), { cwd, env: { ...process.env, ...env }, stdio: [input ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
    const keep = 4 << 20;
    let out = [], outLen = 0, err = [], errLen = 0;
    child.stdout.on('data', (d) => { out.push(d); outLen += d.length; while (outLen > keep && out.length > 1) outLen -= out.shift().length; });
    child.stderr.on('data', (d) => { err.push(d); errLen += d.length; while (errLen > keep && err.length > 1) errLen -= err.shift().length; });
    if (input) child.stdin.end(input);
    // Sampled every 100 ms: the sum of RssAnon over the process tree (heap and stacks, not
    // file-backed pages such as an mmapped LMDB), and the largest VmHWM (fallback for time -v).
    let anonPeak = 0, hwmPeak = 0;
    const sample = () => {
      let sum = 0;
      for (const p of treePids(child.pid)) {
        if (p === child.pid && full[0] === TIME_BIN) continue;
        const m = memKiB(p);
        sum += m.anon;
        if (m.hwm > hwmPeak) hwmPeak = m.hwm;
      }
      if (sum > anonPeak) anonPeak = sum;
    };
    sample();
    const timer = setInterval(sample, 100);
    child.on('error', (e) => { clearInterval(timer); reject(e); });
    child.on('close', (code) => {
      clearInterval(timer);
      const wallS = Number(process.hrtime.bigint() - t0) / 1e9;
      let maxRssKiB = hwmPeak || null;
      try {
        const t = fs.readFileSync(timeFile, 'utf8');
        const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(t);
        if (m) maxRssKiB = Number(m[1]);
        fs.rmSync(timeFile, { force: true });
      } catch { /* no time output */ }
      const res = { code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), wallS, maxRssKiB, anonPeakKiB: anonPeak || null };
      if (code !== 0 && !allowFail) reject(new CommandError(argv, code, res.stderr || res.stdout));
      else resolve(res);
    });
  });
}

export function syncAll() { spawnSync('sync'); }

/** { apparent, allocated } bytes of a directory tree (du counts hard links once). */
export function du(dir) {
  if (!dir || !fs.existsSync(dir)) return { apparent: 0, allocated: 0 };
  const a = spawnSync('du', ['-sb', dir], { encoding: 'utf8' });
  const b = spawnSync('du', ['-s', '-B1', dir], { encoding: 'utf8' });
  return { apparent: Number(a.stdout.split(/\s/)[0]) || 0, allocated: Number(b.stdout.split(/\s/)[0]) || 0 };
}

const READ_BUF = Buffer.allocUnsafe(8 << 20);
function hashFile(p) {
  const h = createHash('sha256');
  const fd = fs.openSync(p, 'r');
  try {
    for (;;) {
      const n = fs.readSync(fd, READ_BUF, 0, READ_BUF.length, null);
      if (n <= 0) break;
      h.update(READ_BUF.subarray(0, n));
    }
  } finally { fs.closeSync(fd); }
  return h.digest('hex');
}

/**
 * Walk a tree: Map relpath -> { type: 'f'|'d'|'l', size, sha256 }. Reading every file also puts the
 * source in the page cache before timing.
 */
export function manifest(root) {
  const m = new Map();
  let bytes = 0, files = 0;
  const walk = (rel) => {
    const abs = rel ? path.join(root, rel) : root;
    const names = fs.readdirSync(abs).sort();
    for (const name of names) {
      const r = rel ? `${rel}/${name}` : name;
      const p = path.join(root, r);
      const st = fs.lstatSync(p);
      if (st.isDirectory()) { m.set(r, { type: 'd' }); walk(r); }
      else if (st.isSymbolicLink()) m.set(r, { type: 'l', target: fs.readlinkSync(p) });
      else if (st.isFile()) { m.set(r, { type: 'f', size: st.size, sha256: hashFile(p) }); bytes += st.size; files++; }
      else m.set(r, { type: 'o' });
    }
  };
  walk('');
  return { entries: m, bytes, files };
}

/** Compare a restored tree with the source manifest. */
export function verifyTree(restoredRoot, expected) {
  const got = manifest(restoredRoot).entries;
  const missing = [], extra = [], differ = [];
  for (const [k, v] of expected.entries) {
    const g = got.get(k);
    if (!g) missing.push(k);
    else if (g.type !== v.type || g.size !== v.size || g.sha256 !== v.sha256 || g.target !== v.target) differ.push(k);
  }
  for (const k of got.keys()) if (!expected.entries.has(k)) extra.push(k);
  const ok = missing.length === 0 && extra.length === 0 && differ.length === 0;
  return { ok, checked: expected.entries.size, missing: missing.length, extra: extra.length, differ: differ.length, examples: [...missing.slice(0, 3).map((x) => `missing ${x}`), ...extra.slice(0, 3).map((x) => `extra ${x}`), ...differ.slice(0, 3).map((x) => `differs ${x}`)] };
}

/**
 * Where a tool put the restored tree: the target itself, target/<basename(src)>, or
 * target/<src without leading slash> (restic and others keep absolute paths).
 */
export function findRestoredRoot(target, srcDir, expected) {
  const probe = [...expected.entries.entries()].find(([, v]) => v.type === 'f')?.[0];
  const candidates = [target, path.join(target, path.basename(srcDir)), path.join(target, srcDir.replace(/^\/+/, ''))];
  for (const c of candidates) if (probe && fs.existsSync(path.join(c, probe))) return c;
  // descend through single-directory levels
  let c = target;
  for (let i = 0; i < 32; i++) {
    if (probe && fs.existsSync(path.join(c, probe))) return c;
    let names;
    try { names = fs.readdirSync(c); } catch { break; }
    if (names.length !== 1) break;
    c = path.join(c, names[0]);
  }
  return target;
}
