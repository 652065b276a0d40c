#!/usr/bin/env node
// How far the generated text of bench/compare/text.mjs is from real text: the same dataset shape
// built both ways (generated (a)/(b)/(c) beside real (r1)/(r2)/(r3)/(r4)), then per night
// - zstd -3 ratio of whole files and of each chunk alone (what snap stores: chunks are compressed
//   one by one),
// - chunks per MB and their mean size at snap's chunker settings,
// - the share of a night's bytes in chunks that an earlier night already had (dedup across nights).
// usage: node bench/text-vs-real.mjs [--scale F] [--nights N] [--avg KiB,...]   (needs `npx tsc -p .`)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import { DatasetA, DatasetB, DatasetC } from './compare/datasets.mjs';
import { DatasetR1, DatasetR2, DatasetR3, DatasetR4 } from './compare/real.mjs';
import { walk } from './compare/sources.mjs';
import { ROOT } from './compare/adapters.mjs';

const { chunkBuffer, STANDARD_GEAR } = await import(path.join(ROOT, 'dist', 'chunker', 'index.js'));
const zstd = createRequire(import.meta.url)('@mongodb-js/zstd/bindings.js');

const { values } = parseArgs({ options: { scale: { type: 'string' }, nights: { type: 'string' }, avg: { type: 'string' }, 'cache-dir': { type: 'string' } } });
const scale = Number(values.scale ?? 0.05);
const nights = Number(values.nights ?? 4);
const avgs = (values.avg ?? '64,256').split(',').map((k) => Number(k) * 1024);
const cacheDir = path.resolve(values['cache-dir'] ?? process.env.SNAP_BENCH_CACHE ?? path.join(os.homedir(), '.cache', 'snap-bench'));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'text-vs-real-'));

// pairs of datasets of one shape; `sub` is the part of the tree that is text (JSONL shards, all, JSON files)
const PAIRS = [
  { shape: 'JSONL shards', gen: [DatasetA, 'shards'], real: [DatasetR1, 'shards'], scale },
  { shape: 'source tree, next release', gen: [DatasetB, ''], real: [DatasetR3, ''], scale: scale * 2 },
  { shape: 'source tree, next release', gen: null, real: [DatasetR2, ''], scale },
  { shape: 'small text files', gen: [DatasetC, '', (n) => n.endsWith('.json')], real: [DatasetR4, ''], scale: scale / 2 },
];

async function measure([DS, sub, accept = () => true], sc) {
  const dir = path.join(tmp, DS.id);
  const ds = new DS(dir, { scale: sc, seed: '1', nights, cacheDir, discard: (p) => fs.rmSync(p, { recursive: true, force: true }) });
  const seen = avgs.map(() => new Set());
  const rows = [];
  for (let n = 1; n <= nights; n++) {
    await ds.night(n);
    const files = walk(path.join(ds.src, sub), accept);
    const row = { night: n, files: files.length, bytes: 0, zFile: 0, per: avgs.map(() => ({ chunks: 0, zChunk: 0, known: 0 })) };
    for (const f of files) {
      const buf = fs.readFileSync(f.path);
      row.bytes += buf.length;
      row.zFile += (await zstd.compress(buf, 3)).length;
      for (let k = 0; k < avgs.length; k++) {
        const p = row.per[k];
        const params = { min: avgs[k] / 4, avg: avgs[k], max: avgs[k] * 4 };
        for (const c of chunkBuffer(buf, params, STANDARD_GEAR)) {
          p.chunks++;
          const id = createHash('sha256').update(c).digest('base64');
          if (seen[k].has(id)) { p.known += c.length; continue; }
          seen[k].add(id);
          p.zChunk += Math.min(c.length, (await zstd.compress(c, 3)).length); // new chunks only, as stored
        }
      }
    }
    rows.push(row);
  }
  const last = rows[rows.length - 1];
  const later = rows.slice(1);
  const sumB = (rs) => rs.reduce((a, r) => a + r.bytes, 0);
  return {
    id: DS.id, files: last.files, mbLast: last.bytes / 1e6,
    zstdFile: sumB([rows[0]]) / rows[0].zFile,
    per: avgs.map((avg, k) => ({
      avg,
      chunksPerMB: rows[0].per[k].chunks / (rows[0].bytes / 1e6),
      zstdChunk: (rows[0].bytes - rows[0].per[k].known) / rows[0].per[k].zChunk,
      knownAfter1: later.reduce((a, r) => a + r.per[k].known, 0) / sumB(later),
    })),
  };
}

const out = [];
try {
  for (const p of PAIRS) {
    for (const side of ['gen', 'real']) {
      if (!p[side]) continue;
      const r = await measure(p[side], p.scale);
      out.push({ shape: p.shape, side, ...r });
      process.stderr.write(`${p.shape} ${side} ${r.id}: ${JSON.stringify(r)}\n`);
    }
  }
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}
const f = (x, d = 2) => x.toFixed(d);
const L = [`| shape | dataset | files, last night | MB, last night | zstd -3 ratio, whole files (night 1) | ${avgs.map((a) => `chunks / MB at ${a >> 10} KiB | zstd -3 ratio per ${a >> 10} KiB chunk | bytes in known ${a >> 10} KiB chunks, nights 2–${nights}`).join(' | ')} |`];
L.push(`|---|---|--:|--:|--:|${avgs.map(() => '--:|--:|--:').join('|')}|`);
for (const r of out) L.push(`| ${r.shape} | ${r.side === 'gen' ? 'generated' : 'real'} (${r.id}) | ${r.files} | ${f(r.mbLast, 1)} | ${f(r.zstdFile)} | ${r.per.map((p) => `${f(p.chunksPerMB, 1)} | ${f(p.zstdChunk)} | ${f(100 * p.knownAfter1, 1)} %`).join(' | ')} |`);
console.log(`scale ${scale}, ${nights} nights, seed 1, chunker min = avg/4, max = 4 avg, standard gear table\n`);
console.log(L.join('\n'));
