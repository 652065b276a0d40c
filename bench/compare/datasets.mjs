// The three benchmark datasets. Each is generated deterministically from (seed, scale, night):
// the same arguments always give byte-identical trees, so every tool backs up the same bytes.
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import zlib from 'node:zlib';
import { Rng, keystream } from './prng.mjs';
import { TextGen } from './text.mjs';

const MB = 1e6;

function rmrf(p) { fs.rmSync(p, { recursive: true, force: true }); }
function writeFile(p, buf) {
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, buf);
}
const round4 = (n) => Math.max(4096, Math.round(n / 4) * 4);

// ---------------------------------------------------------------------------------------------
// (a) AI dataset growing nightly: JSONL shards, an fp32 checkpoint rewritten in place at a few
//     regions, already-compressed blobs.
// ---------------------------------------------------------------------------------------------
export class DatasetA {
  static id = 'a';
  static title = 'AI dataset growing nightly';
  constructor(dir, { scale, seed }) {
    this.src = path.join(dir, 'src');
    this.seed = seed;
    this.text = new TextGen(`${seed}:a`);
    this.textBytes = 512 * MB * scale;
    this.nShards = Math.max(6, Math.round(64 * scale));
    this.shardBytes = Math.max(16 * 1024, Math.round(this.textBytes / this.nShards));
    this.ckptBytes = round4(320 * MB * scale);
    this.randomBlobBytes = Math.max(64 * 1024, Math.round(64 * MB * scale));
    this.zstTextBytes = Math.max(64 * 1024, Math.round(96 * MB * scale));
    this.nightBlobBytes = Math.max(16 * 1024, Math.round(4 * MB * scale));
    this.shards = []; // names of live shards, in creation order
    this.nextShard = 0;
    this.serial = 0;
  }
  describe() {
    return `JSONL text shards (${this.nShards} × ${(this.shardBytes / MB).toFixed(1)} MB at night 1; each night: ` +
      `2 new shards, 1 deleted, 25 % appended by 3 %, 3 edited in the middle), an fp32 checkpoint of ` +
      `${(this.ckptBytes / MB).toFixed(0)} MB (5 % rewritten in place at 4 random regions each night), ` +
      `${(this.randomBlobBytes / MB).toFixed(0)} MB of random bytes, a zstd'd JSONL file, and one new ` +
      `${(this.nightBlobBytes / MB).toFixed(1)} MB compressed blob per night`;
  }
  shardPath(name) { return path.join(this.src, 'shards', name); }
  newShard(r) {
    const name = `shard-${String(this.nextShard++).padStart(5, '0')}.jsonl`;
    const buf = this.text.jsonl(r, this.shardBytes, this.serial);
    this.serial += 1e6;
    writeFile(this.shardPath(name), buf);
    this.shards.push(name);
  }
  writeCheckpoint() {
    const p = path.join(this.src, 'model', 'checkpoint.fp32');
    fs.mkdirSync(path.dirname(p), { recursive: true });
    const fd = fs.openSync(p, 'w');
    // A small JSON header (like safetensors), then tensors: big weight matrices (sd ~0.02),
    // layer-norm vectors near 1.0 and biases near 0 (a tenth exactly 0).
    const header = Buffer.from(JSON.stringify({ format: 'fp32', seed: this.seed, bytes: this.ckptBytes }).padEnd(1020) + '\n');
    fs.writeSync(fd, header);
    let left = this.ckptBytes - header.length;
    let tensor = 0;
    while (left > 0) {
      const n = Math.min(left, 4 * 1024 * 1024) & ~3;
      if (n <= 0) break;
      const kind = tensor % 8 === 7 ? 'norm' : tensor % 8 === 6 ? 'bias' : 'weight';
      const len = kind === 'weight' ? n : Math.min(n, 256 * 1024);
      const rnd = keystream(`ckpt:${this.seed}:${tensor}`, len);
      const u16 = new Uint16Array(rnd.buffer, rnd.byteOffset, len / 2);
      const out = new Float32Array(len / 4);
      for (let i = 0; i < out.length; i++) {
        const tri = (u16[2 * i] + u16[2 * i + 1]) / 65536 - 1; // triangular in (-1, 1)
        if (kind === 'weight') out[i] = 0.035 * tri;
        else if (kind === 'norm') out[i] = 1 + 0.02 * tri;
        else out[i] = (u16[2 * i] & 15) === 0 ? 0 : 0.001 * tri;
      }
      fs.writeSync(fd, Buffer.from(out.buffer));
      left -= len;
      tensor++;
    }
    fs.closeSync(fd);
  }
  rewriteCheckpointRegions(r, night) {
    const p = path.join(this.src, 'model', 'checkpoint.fp32');
    const fd = fs.openSync(p, 'r+');
    const regions = 4;
    const regionBytes = Math.max(4, Math.round((this.ckptBytes * 0.05) / regions / 4) * 4);
    for (let k = 0; k < regions; k++) {
      const pos = 1024 + Math.floor(r.float() * ((this.ckptBytes - 1024 - regionBytes) / 4)) * 4;
      const buf = Buffer.alloc(regionBytes);
      fs.readSync(fd, buf, 0, regionBytes, pos);
      const f = new Float32Array(buf.buffer, buf.byteOffset, regionBytes / 4);
      const rnd = keystream(`ckpt-update:${this.seed}:${night}:${k}`, regionBytes);
      const u8 = new Uint8Array(rnd.buffer, rnd.byteOffset, regionBytes);
      for (let i = 0; i < f.length; i++) f[i] = f[i] * (1 + (u8[i] - 127.5) * 1e-5) + (u8[i] - 127.5) * 1e-7; // a small "training update"
      fs.writeSync(fd, buf, 0, regionBytes, pos);
    }
    fs.closeSync(fd);
  }
  async night(n) {
    const r = new Rng(`a:${this.seed}:night:${n}`);
    if (n === 1) {
      rmrf(this.src);
      for (let i = 0; i < this.nShards; i++) this.newShard(r);
      this.writeCheckpoint();
      writeFile(path.join(this.src, 'model', 'config.json'), Buffer.from(JSON.stringify({ layers: 24, hidden: 2048, heads: 16, vocab: 50304, seed: this.seed }, null, 2)));
      writeFile(path.join(this.src, 'blobs', 'random-000.bin'), keystream(`blob:${this.seed}`, this.randomBlobBytes));
      writeFile(path.join(this.src, 'blobs', 'corpus.jsonl.zst'), compressZstd(this.text.jsonl(r, this.zstTextBytes, 9e9)));
      return;
    }
    // one shard deleted
    const del = Math.floor(r.float() * this.shards.length);
    fs.rmSync(this.shardPath(this.shards[del]));
    this.shards.splice(del, 1);
    // a quarter appended by ~3 %
    for (const i of r.sample(this.shards.length, Math.max(1, Math.round(this.shards.length / 4)))) {
      fs.appendFileSync(this.shardPath(this.shards[i]), this.text.jsonl(r, this.shardBytes * 0.03, this.serial));
      this.serial += 1e5;
    }
    // three edited in the middle: some records replaced by others of a different length
    for (const i of r.sample(this.shards.length, 3)) {
      const p = this.shardPath(this.shards[i]);
      const buf = fs.readFileSync(p);
      let a = Math.floor(buf.length * (0.3 + 0.4 * r.float()));
      a = buf.indexOf(10, a) + 1;
      let b = a + Math.max(1, Math.round(buf.length * 0.005));
      b = buf.indexOf(10, Math.min(b, buf.length - 1)) + 1;
      if (a <= 0 || b <= a) continue;
      const mid = this.text.jsonl(r, Math.round(buf.length * 0.006), this.serial);
      this.serial += 1e5;
      fs.writeFileSync(p, Buffer.concat([buf.subarray(0, a), mid, buf.subarray(b)]));
    }
    // two new shards
    this.newShard(r);
    this.newShard(r);
    // the checkpoint: ~5 % rewritten in place
    this.rewriteCheckpointRegions(r, n);
    // one new already-compressed blob
    writeFile(path.join(this.src, 'blobs', `incoming-${String(n).padStart(3, '0')}.bin`), keystream(`blob:${this.seed}:${n}`, this.nightBlobBytes));
  }
}

function compressZstd(buf) {
  // zstd -3 if the zstd tool is there, else gzip: either way an already-compressed file.
  const z = spawnSync('zstd', ['-3', '-q', '-c'], { input: buf, maxBuffer: buf.length + (1 << 20) });
  if (z.status === 0) return z.stdout;
  return zlib.gzipSync(buf, { level: 6 });
}

// ---------------------------------------------------------------------------------------------
// (b) A source tree replaced each night by the next release, written as a fresh copy.
// ---------------------------------------------------------------------------------------------
const TOP = ['core', 'net', 'fs', 'drivers', 'ui', 'util', 'tests', 'docs', 'tools', 'crypto', 'sched', 'mm', 'ipc', 'lib', 'arch', 'sound'];

export class DatasetB {
  static id = 'b';
  static title = 'source tree, a fresh copy of the next release each night';
  constructor(dir, { scale, seed, discard = rmrf }) {
    this.src = path.join(dir, 'src');
    this.seed = seed;
    this.discard = discard; // how the old release goes away (the harness defers the deletion)
    this.text = new TextGen(`${seed}:b`);
    this.nFiles = Math.max(40, Math.round(15000 * scale));
    this.files = new Map(); // relpath -> Buffer
    this.nextId = 0;
  }
  describe() {
    return `${this.nFiles} source files (log-normal sizes, median 4 KB, and 0.5 % of 64 KiB – 2 MiB) in ~${TOP.length * 16} directories; each night ` +
      `5 % of files edited at 1–3 places, 1 % added, 0.5 % removed, then the whole tree deleted and written again ` +
      `(every inode, mtime and ctime new)`;
  }
  newFile(r) {
    const id = this.nextId++;
    const rel = `${r.pick(TOP)}/${this.text.ident(r)}${r.int(0, 15)}/${this.text.ident(r)}_${id}.${r.pick(['c', 'h', 'js', 'ts', 'py', 'go', 'rs', 'md'])}`;
    // Mostly small files (log-normal, median 4 KB), and 0.5 % large ones (64 KiB – 2 MiB,
    // log-uniform: generated tables, bundles, lock files) where chunk size matters.
    const size = r.float() < 0.005
      ? Math.round(65536 * 32 ** r.float())
      : Math.min(200000, Math.max(60, Math.round(Math.exp(Math.log(4000) + 1.1 * r.normal()))));
    this.files.set(rel, this.text.code(r, size));
  }
  editFile(r, rel) {
    let buf = this.files.get(rel);
    const edits = r.int(1, 3);
    for (let k = 0; k < edits; k++) {
      let a = buf.indexOf(10, Math.floor(r.float() * buf.length)) + 1;
      if (a <= 0) a = buf.length;
      let b = Math.min(buf.length, a + r.int(0, 300));
      const nl = buf.indexOf(10, b);
      b = nl < 0 ? buf.length : nl + 1;
      buf = Buffer.concat([buf.subarray(0, a), this.text.code(r, r.int(50, 400)), buf.subarray(b)]);
    }
    this.files.set(rel, buf);
  }
  async night(n) {
    const r = new Rng(`b:${this.seed}:night:${n}`);
    if (n === 1) {
      for (let i = 0; i < this.nFiles; i++) this.newFile(r);
    } else {
      const names = [...this.files.keys()].sort();
      for (const i of r.sample(names.length, Math.max(1, Math.round(names.length * 0.005)))) this.files.delete(names[i]);
      const live = [...this.files.keys()].sort();
      for (const i of r.sample(live.length, Math.max(1, Math.round(live.length * 0.05)))) this.editFile(r, live[i]);
      const add = Math.max(1, Math.round(this.nFiles * 0.01));
      for (let i = 0; i < add; i++) this.newFile(r);
    }
    this.files.set('VERSION', Buffer.from(`release ${n}.0.0\n`));
    // a fresh copy: the old tree goes away and every file is written again
    this.discard(this.src);
    const dirs = new Set();
    for (const rel of [...this.files.keys()].sort()) {
      const d = path.dirname(path.join(this.src, rel));
      if (!dirs.has(d)) { fs.mkdirSync(d, { recursive: true }); dirs.add(d); }
      fs.writeFileSync(path.join(this.src, rel), this.files.get(rel));
    }
  }
}

// ---------------------------------------------------------------------------------------------
// (c) Many small files (1–8 KiB), a few changing per night.
// ---------------------------------------------------------------------------------------------
export class DatasetC {
  static id = 'c';
  static title = 'many small files';
  constructor(dir, { scale, seed }) {
    this.src = path.join(dir, 'src');
    this.seed = seed;
    this.text = new TextGen(`${seed}:c`);
    this.nFiles = Math.max(200, Math.round(100000 * scale));
    this.live = []; // ids
    this.version = new Map();
    this.nextId = 0;
  }
  describe() {
    return `${this.nFiles} files of 1–8 KiB (half JSON text, half incompressible) in 256 directories; each night ` +
      `0.1 % rewritten, 0.2 % added, 0.05 % deleted`;
  }
  rel(id) {
    return `d${(id % 256).toString(16).padStart(2, '0')}/f${String(id).padStart(7, '0')}.${id % 2 ? 'bin' : 'json'}`;
  }
  write(id) {
    const v = this.version.get(id) ?? 0;
    const r = new Rng(`c:${this.seed}:${id}:${v}`);
    const size = r.int(1024, 8192);
    const buf = id % 2 ? keystream(`c:${this.seed}:${id}:${v}`, size) : this.text.jsonl(r, size, id * 100).subarray(0, size);
    fs.writeFileSync(path.join(this.src, this.rel(id)), buf);
  }
  async night(n) {
    const r = new Rng(`c:${this.seed}:night:${n}`);
    if (n === 1) {
      rmrf(this.src);
      for (let d = 0; d < 256; d++) fs.mkdirSync(path.join(this.src, `d${d.toString(16).padStart(2, '0')}`), { recursive: true });
      for (let i = 0; i < this.nFiles; i++) { const id = this.nextId++; this.live.push(id); this.write(id); }
      return;
    }
    const mod = r.sample(this.live.length, Math.max(1, Math.round(this.nFiles * 0.001)));
    for (const i of mod) { const id = this.live[i]; this.version.set(id, (this.version.get(id) ?? 0) + 1); this.write(id); }
    const del = new Set(r.sample(this.live.length, Math.max(1, Math.round(this.nFiles * 0.0005))));
    for (const i of del) fs.rmSync(path.join(this.src, this.rel(this.live[i])));
    this.live = this.live.filter((_, i) => !del.has(i));
    const add = Math.max(2, Math.round(this.nFiles * 0.002));
    for (let i = 0; i < add; i++) { const id = this.nextId++; this.live.push(id); this.write(id); }
  }
}

export const DATASETS = { a: DatasetA, b: DatasetB, c: DatasetC };
