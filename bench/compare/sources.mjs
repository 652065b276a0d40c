// Where the real-data datasets get their bytes: files installed on this machine (text sources,
// shared libraries, compressed files) and npm packages packed into a cache directory. Nothing here
// is generated; everything is listed in a fixed (byte-wise sorted) order, so the same machine gives
// the same datasets (a Debian 12 CI runner with Node 20 gives nearly the same: the dataset's
// description names the sources it found and how many bytes each gave).
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { ROOT } from './adapters.mjs';

const MAX_TEXT_FILE = 4 << 20; // larger "text" files are generated tables, not prose or code
const TEXT_EXT = /\.(h|hh|hpp|hxx|c|cc|cpp|py|pm|pl|pod|js|mjs|cjs|ts|mts|cts|md|txt|rst|html|json|css|sh|xml|yml|yaml|tcl|el)$/i;
const TEXT_NAMES = /^(README|NEWS|CHANGES|CHANGELOG|copyright|changelog|AUTHORS|THANKS|TODO|HISTORY|INSTALL)(\.[a-z]+)?$/i;

const byteOrder = (a, b) => (a < b ? -1 : a > b ? 1 : 0);

/** Regular files under `root` (symlinks not followed, each inode once), sorted, with sizes. */
export function walk(root, accept, seen = new Set()) {
  const out = [];
  let real;
  try { real = fs.realpathSync(root); } catch { return out; }
  const stack = [real];
  while (stack.length) {
    const dir = stack.pop();
    let ents;
    try { ents = fs.readdirSync(dir, { withFileTypes: true }); } catch { continue; }
    ents.sort((a, b) => byteOrder(b.name, a.name)); // reversed: the stack pops them in order
    const sub = [];
    for (const e of ents) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) sub.push(p);
      else if (e.isFile() && accept(e.name, p)) {
        let st;
        try { st = fs.statSync(p); } catch { continue; }
        const key = `${st.dev}:${st.ino}`;
        if (seen.has(key) || st.size === 0) continue;
        seen.add(key);
        out.push({ path: p, size: st.size });
      }
    }
    stack.push(...sub);
  }
  return out.sort((a, b) => byteOrder(a.path, b.path));
}

function looksText(buf) {
  const n = Math.min(buf.length, 8192);
  for (let i = 0; i < n; i++) if (buf[i] === 0) return false;
  return true;
}

function pythonStdlib() {
  try {
    return fs.readdirSync('/usr/lib').filter((d) => /^python3\.\d+$/.test(d)).sort().map((d) => path.join('/usr/lib', d));
  } catch { return []; }
}

/** The text roots, in the order they are read: this project's dependencies first (the same on every machine via package-lock.json). */
export function textRoots() {
  return [path.join(ROOT, 'node_modules'), '/usr/include', ...pythonStdlib(), '/usr/lib/python3/dist-packages', '/usr/share/perl', '/usr/share/perl5', '/usr/share/doc'];
}

/**
 * A stream of real text documents (whole files, as written by their authors), cycled when it runs
 * out; each further pass starts at another file, so the text repeats but not at the same offsets.
 */
let textFiles = null; // one walk per process: r1 and r4 read the same list
export class TextSource {
  constructor() {
    if (textFiles) { Object.assign(this, structuredClone(textFiles)); this.k = 0; return; }
    const seen = new Set();
    this.roots = [];
    this.files = [];
    for (const root of textRoots()) {
      const fl = walk(root, (name) => TEXT_EXT.test(name) || TEXT_NAMES.test(name), seen).filter((f) => f.size <= MAX_TEXT_FILE);
      if (!fl.length) continue;
      this.roots.push({ root, files: fl.length, bytes: fl.reduce((a, f) => a + f.size, 0) });
      this.files.push(...fl);
    }
    if (!this.files.length) throw new SourceMissing(`no text files under ${textRoots().join(', ')}`);
    this.totalBytes = this.files.reduce((a, f) => a + f.size, 0);
    textFiles = structuredClone({ roots: this.roots, files: this.files, totalBytes: this.totalBytes });
    this.k = 0; // documents drawn so far
  }
  describe() {
    return this.roots.map((r) => `${r.root} (${(r.bytes / 1e6).toFixed(0)} MB)`).join(', ');
  }
  /** The next document: { path, pass, text: Buffer }. */
  next() {
    const n = this.files.length;
    for (let tries = 0; tries < n; tries++) {
      const pass = Math.floor(this.k / n);
      const f = this.files[((this.k % n) + pass * 7919) % n];
      this.k++;
      let text;
      try { text = fs.readFileSync(f.path); } catch { continue; }
      if (!looksText(text)) continue;
      return { path: f.path, pass, text };
    }
    throw new SourceMissing('no readable text file');
  }
  /** At least `bytes` of raw text, cut after a newline. */
  take(bytes) {
    const parts = [];
    let n = 0;
    while (n < bytes) {
      if (this.rest?.length) { parts.push(this.rest); n += this.rest.length; this.rest = null; continue; }
      const d = this.next();
      parts.push(d.text); n += d.text.length;
    }
    let buf = Buffer.concat(parts);
    const cut = buf.indexOf(10, bytes);
    if (cut >= 0 && cut + 1 < buf.length) { this.rest = buf.subarray(cut + 1); buf = buf.subarray(0, cut + 1); }
    return buf;
  }
}

/** The reason a real-data dataset cannot run here (the harness skips it and says why). */
export class SourceMissing extends Error {}

/** Shared libraries (the real files behind the .so symlinks), sorted. */
export function sharedLibraries() {
  const dirs = ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib64', '/lib64'];
  const seen = new Set();
  for (const d of dirs) {
    let fl = [];
    try { fl = fs.readdirSync(d).filter((n) => /\.so(\.|$)/.test(n)).sort(byteOrder); } catch { continue; }
    const out = [];
    for (const n of fl) {
      const p = path.join(d, n);
      let st;
      try { st = fs.lstatSync(p); } catch { continue; }
      if (!st.isFile() || st.size === 0 || seen.has(st.ino)) continue;
      seen.add(st.ino);
      out.push({ path: p, size: st.size });
    }
    if (out.length) return { dir: d, files: out };
  }
  throw new SourceMissing('no shared libraries found');
}

/** Already-compressed real files: *.gz documentation and man pages, then cached .deb packages. */
export function compressedFiles() {
  const seen = new Set();
  const groups = [
    ['/usr/share/doc', walk('/usr/share/doc', (n) => n.endsWith('.gz'), seen)],
    ['/var/cache/apt/archives', walk('/var/cache/apt/archives', (n) => n.endsWith('.deb'), seen)],
    ['/usr/share/man', walk('/usr/share/man', (n) => n.endsWith('.gz'), seen)],
  ].filter(([, fl]) => fl.length);
  if (!groups.length) throw new SourceMissing('no *.gz under /usr/share/doc or /usr/share/man and no .deb in /var/cache/apt/archives');
  return { groups: groups.map(([root, fl]) => ({ root, files: fl.length, bytes: fl.reduce((a, f) => a + f.size, 0) })), files: groups.flatMap(([, fl]) => fl) };
}

/**
 * `name@version` packed by npm into `cacheDir/npm` and extracted there once; returns the package
 * directory. Throws SourceMissing when npm cannot fetch it (offline CI without the cache).
 */
export function npmPackage(cacheDir, name, version) {
  const base = `${name.replace(/^@/, '').replace('/', '-')}-${version}`;
  const dir = path.join(cacheDir, 'npm', base);
  if (fs.existsSync(path.join(dir, '.complete'))) return path.join(dir, 'package');
  fs.mkdirSync(path.join(cacheDir, 'npm'), { recursive: true });
  const tgz = path.join(cacheDir, 'npm', `${base}.tgz`);
  if (!fs.existsSync(tgz)) {
    const r = spawnSync('npm', ['pack', `${name}@${version}`, '--pack-destination', path.join(cacheDir, 'npm'), '--silent'], { encoding: 'utf8', timeout: 300_000 });
    if (r.status !== 0 || !fs.existsSync(tgz)) throw new SourceMissing(`npm pack ${name}@${version} failed (offline? put ${base}.tgz into ${path.join(cacheDir, 'npm')}): ${(r.stderr || r.error?.message || '').trim().split('\n').pop()}`);
  }
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const x = spawnSync('tar', ['-xzf', tgz, '-C', dir], { encoding: 'utf8' });
  if (x.status !== 0) throw new SourceMissing(`tar -xzf ${tgz}: ${x.stderr.trim()}`);
  fs.writeFileSync(path.join(dir, '.complete'), '');
  return path.join(dir, 'package');
}

/** Sorted relative paths of the regular files under dir. */
export function relFiles(dir) {
  return walk(dir, () => true).map((f) => ({ rel: path.relative(fs.realpathSync(dir), f.path), size: f.size }));
}
