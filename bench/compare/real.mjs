// The real-data datasets (r1–r4): made of files nobody on this project wrote (installed text,
// shared libraries, compressed files, npm releases), beside the generated (a)–(c). Only the fp32
// checkpoint of (r1) is generated (real checkpoints are not installed anywhere); each description
// says so. The constructor throws SourceMissing when a source is not on this machine; the harness
// then skips the dataset and records why.
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { Rng } from './prng.mjs';
import { DatasetA } from './datasets.mjs';
import { TextSource, SourceMissing, sharedLibraries, compressedFiles, npmPackage, relFiles } from './sources.mjs';

const MB = 1e6;
const RECORD_MAX = 16 * 1024; // a JSONL record holds at most this much of a document
const round4 = (n) => Math.max(4096, Math.round(n / 4) * 4);
function writeFile(p, buf) {
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, buf);
}
const SUBSET_BELOW_SCALE = 0.05;
const SUBSET_FRACTION = 0.25;
const mb = (n) => `${(n / MB).toFixed(n < 10 * MB ? 1 : 0)} MB`;

// ---------------------------------------------------------------------------------------------
// (r1) AI dataset growing nightly: JSONL shards of real text, a tar of real shared libraries,
//      real already-compressed files, and a generated fp32 checkpoint.
// ---------------------------------------------------------------------------------------------
export class DatasetR1 {
  static id = 'r1';
  static title = 'real files: AI dataset growing nightly';
  constructor(dir, { scale, seed }) {
    this.src = path.join(dir, 'src');
    this.seed = seed;
    this.text = new TextSource();
    this.libs = sharedLibraries();
    this.comp = compressedFiles();
    this.nShards = Math.max(6, Math.round(48 * scale));
    this.shardBytes = Math.max(16 * 1024, Math.round((400 * MB * scale) / this.nShards));
    this.libBytes = Math.max(256 * 1024, 300 * MB * scale);
    this.compBytes = Math.max(256 * 1024, 200 * MB * scale);
    this.compNightBytes = Math.max(64 * 1024, 8 * MB * scale);
    this.ckptBytes = round4(300 * MB * scale);
    this.shards = [];
    this.nextShard = 0;
    this.serial = 0;
    this.pending = []; // record texts drawn from the source but not yet written
  }
  describe() {
    return `JSONL shards of real text (${this.nShards} × ${mb(this.shardBytes)} at night 1, one record per ≤ 16 KB piece of a file, ` +
      `from ${this.text.describe()}${this.text.k > this.text.files.length ? '; the text ran out and was cycled' : ''}; each night 2 new shards, 1 deleted, 25 % appended by 3 %, 3 edited in the middle), ` +
      `a tar of ${this.libMembers?.length ?? '?'} real shared libraries from ${this.libs.dir} (${mb(this.libBytes)}; each night 2 % of its members replaced by other libraries), ` +
      `real compressed files (${this.comp.groups.map((g) => g.root).join(', ')}: ${mb(this.compBytes)} at night 1, ${mb(this.compNightBytes)} more each night), ` +
      `and a **generated** fp32 checkpoint of ${mb(this.ckptBytes)} (as in (a): 5 % rewritten in place each night)`;
  }
  record() {
    if (!this.pending.length) {
      const d = this.text.next();
      for (let a = 0; a < d.text.length;) {
        let b = Math.min(d.text.length, a + RECORD_MAX);
        if (b < d.text.length) { const nl = d.text.lastIndexOf(10, b - 1); if (nl > a) b = nl + 1; }
        this.pending.push({ source: d.path, pass: d.pass, part: this.pending.length, text: d.text.subarray(a, b).toString('utf8') });
        a = b;
      }
    }
    const r = this.pending.shift();
    return JSON.stringify({ id: this.serial++, source: r.source, pass: r.pass, part: r.part, text: r.text }) + '\n';
  }
  jsonl(bytes) {
    const out = [];
    let n = 0;
    while (n < bytes) { const s = Buffer.from(this.record()); out.push(s); n += s.length; }
    return Buffer.concat(out);
  }
  shardPath(name) { return path.join(this.src, 'shards', name); }
  newShard() {
    const name = `shard-${String(this.nextShard++).padStart(5, '0')}.jsonl`;
    writeFile(this.shardPath(name), this.jsonl(this.shardBytes));
    this.shards.push(name);
  }
  writeLibTar() {
    const list = path.join(path.dirname(this.src), 'libs.list');
    fs.writeFileSync(list, this.libMembers.map((f) => f.path.replace(/^\//, '')).join('\n') + '\n');
    fs.mkdirSync(path.join(this.src, 'env'), { recursive: true });
    // fixed metadata, so the same files give the same tar bytes
    const r = spawnSync('tar', ['-cf', path.join(this.src, 'env', 'shared-libraries.tar'), '--format=gnu', '--mtime=@0', '--owner=0', '--group=0',
      '--numeric-owner', '--mode=u+rw,go+r', '-C', '/', '-T', list], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`tar of shared libraries failed: ${r.stderr}`);
  }
  addCompressed(bytes) {
    let n = 0;
    while (n < bytes && this.compNext < this.comp.files.length) {
      const f = this.comp.files[this.compNext++];
      const name = `${String(this.compNext).padStart(5, '0')}-${path.basename(f.path)}`;
      fs.mkdirSync(path.join(this.src, 'compressed'), { recursive: true });
      fs.copyFileSync(f.path, path.join(this.src, 'compressed', name));
      n += f.size;
    }
  }
  async night(n) {
    const r = new Rng(`r1:${this.seed}:night:${n}`);
    if (n === 1) {
      fs.rmSync(this.src, { recursive: true, force: true });
      for (let i = 0; i < this.nShards; i++) this.newShard();
      // the libraries in name order up to the budget; the rest wait to replace them later
      this.libMembers = [];
      this.libSpare = [];
      let lb = 0;
      for (const f of this.libs.files) {
        if (lb + f.size <= this.libBytes || !this.libMembers.length) { this.libMembers.push(f); lb += f.size; } else this.libSpare.push(f);
      }
      this.writeLibTar();
      this.compNext = 0;
      this.addCompressed(this.compBytes);
      DatasetA.prototype.writeCheckpoint.call(this);
      return;
    }
    const del = Math.floor(r.float() * this.shards.length);
    fs.rmSync(this.shardPath(this.shards[del]));
    this.shards.splice(del, 1);
    for (const i of r.sample(this.shards.length, Math.max(1, Math.round(this.shards.length / 4)))) {
      fs.appendFileSync(this.shardPath(this.shards[i]), this.jsonl(this.shardBytes * 0.03));
    }
    for (const i of r.sample(this.shards.length, 3)) {
      const p = this.shardPath(this.shards[i]);
      const buf = fs.readFileSync(p);
      const a = buf.indexOf(10, Math.floor(buf.length * (0.3 + 0.4 * r.float()))) + 1;
      const b = buf.indexOf(10, Math.min(a + Math.max(1, Math.round(buf.length * 0.005)), buf.length - 1)) + 1;
      if (a <= 0 || b <= a) continue;
      fs.writeFileSync(p, Buffer.concat([buf.subarray(0, a), this.jsonl(Math.round(buf.length * 0.006)), buf.subarray(b)]));
    }
    this.newShard();
    this.newShard();
    // an environment upgrade: 2 % of the tar's members replaced in place by other libraries
    for (const i of r.sample(this.libMembers.length, Math.max(1, Math.round(this.libMembers.length * 0.02)))) {
      const k = this.libSpare.findIndex((f) => f.size <= this.libMembers[i].size * 2);
      if (k >= 0) this.libMembers[i] = this.libSpare.splice(k, 1)[0];
    }
    this.writeLibTar();
    this.addCompressed(this.compNightBytes);
    DatasetA.prototype.rewriteCheckpointRegions.call(this, r, n);
  }
}

// ---------------------------------------------------------------------------------------------
// (r4) Many small files: real text cut into ~2 KB files in up to 1 000 directories.
// ---------------------------------------------------------------------------------------------
export class DatasetR4 {
  static id = 'r4';
  static title = 'real files: many small text files';
  constructor(dir, { scale, seed }) {
    this.src = path.join(dir, 'src');
    this.seed = seed;
    this.text = new TextSource();
    this.nFiles = Math.max(200, Math.round(300000 * scale));
    this.nDirs = Math.min(1000, Math.max(16, Math.round(this.nFiles / 300)));
    this.live = [];
    this.nextId = 0;
  }
  describe() {
    return `${this.nFiles} files of 1–3 KB cut at line ends from real text (${this.text.describe()}${this.text.k > this.text.files.length ? '; cycled' : ''}) ` +
      `in ${this.nDirs} directories; each night 0.1 % rewritten, 0.2 % added, 0.05 % deleted`;
  }
  rel(id) { return path.join(`d${String(id % this.nDirs).padStart(4, '0')}`, `f${String(id).padStart(7, '0')}.txt`); }
  write(r, id) { fs.writeFileSync(path.join(this.src, this.rel(id)), this.text.take(r.int(1024, 3072))); }
  async night(n) {
    const r = new Rng(`r4:${this.seed}:night:${n}`);
    if (n === 1) {
      fs.rmSync(this.src, { recursive: true, force: true });
      for (let d = 0; d < this.nDirs; d++) fs.mkdirSync(path.join(this.src, `d${String(d).padStart(4, '0')}`), { recursive: true });
      for (let i = 0; i < this.nFiles; i++) { const id = this.nextId++; this.live.push(id); this.write(r, id); }
      return;
    }
    for (const i of r.sample(this.live.length, Math.max(1, Math.round(this.nFiles * 0.001)))) this.write(r, this.live[i]);
    const del = new Set(r.sample(this.live.length, Math.max(1, Math.round(this.nFiles * 0.0005))));
    for (const i of del) fs.rmSync(path.join(this.src, this.rel(this.live[i])));
    this.live = this.live.filter((_, i) => !del.has(i));
    for (let i = 0; i < Math.max(2, Math.round(this.nFiles * 0.002)); i++) { const id = this.nextId++; this.live.push(id); this.write(r, id); }
  }
}

// ---------------------------------------------------------------------------------------------
// (r2), (r3) Consecutive npm releases of one package, one a night, each a fresh copy.
// ---------------------------------------------------------------------------------------------
class NpmReleases {
  constructor(dir, { scale, nights, cacheDir, discard }) {
    const { pkg, versions } = this.constructor;
    if (nights > versions.length) throw new SourceMissing(`${pkg}: only ${versions.length} releases are listed, ${nights} nights asked`);
    this.src = path.join(dir, 'src');
    this.scale = scale;
    this.discard = discard;
    this.versions = versions.slice(0, nights);
    this.dirs = this.versions.map((v) => npmPackage(cacheDir, pkg, v));
  }
  /**
   * A release is what it is, so the scale does not size it; only a --smoke scale (below
   * SUBSET_BELOW_SCALE) takes the quarter of the files whose path hashes lowest (the same paths in every release).
   */
  keep(rel) {
    if (this.scale >= SUBSET_BELOW_SCALE || rel === 'package.json') return true;
    return createHash('sha256').update(rel).digest().readUInt32BE(0) / 2 ** 32 < SUBSET_FRACTION;
  }
  describe() {
    const { pkg, what } = this.constructor;
    return `${what}: npm releases ${this.versions.map((v) => `${pkg}@${v}`).join(', ')} (npm pack, extracted), one a night, ` +
      `each written as a fresh copy (every inode and mtime new)${this.scale < SUBSET_BELOW_SCALE ? `; at this scale a quarter of the files (by path hash, the same paths in every release)` : ''}`;
  }
  async night(n) {
    this.discard(this.src);
    const from = this.dirs[n - 1];
    for (const { rel } of relFiles(from)) {
      if (!this.keep(rel)) continue;
      const to = path.join(this.src, 'package', rel);
      fs.mkdirSync(path.dirname(to), { recursive: true });
      fs.copyFileSync(path.join(from, rel), to);
    }
  }
}

export class DatasetR2 extends NpmReleases {
  static id = 'r2';
  static title = 'real files: npm releases of a large JS package';
  static pkg = 'typescript';
  static what = 'a large JS package (bundled compiler, lib .d.ts files, localized messages)';
  static versions = ['5.5.2', '5.5.3', '5.5.4', '5.6.2', '5.6.3', '5.7.2', '5.7.3', '5.8.2'];
}

export class DatasetR3 extends NpmReleases {
  static id = 'r3';
  static title = 'real files: C source tree, one release a night';
  static pkg = 'libxmljs2';
  static what = 'a C source tree (libxml2 as vendored by libxmljs2, with its C++ binding)';
  static versions = ['0.29.0', '0.30.0', '0.30.1', '0.31.0', '0.32.0', '0.33.0', '0.35.0', '0.37.0'];
}

export { SourceMissing };
export const REAL_DATASETS = { r1: DatasetR1, r2: DatasetR2, r3: DatasetR3, r4: DatasetR4 };
