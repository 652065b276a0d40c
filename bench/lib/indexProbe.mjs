#!/usr/bin/env node
// A child process of bench/index-scale.mjs: opens a repository through the library and reports,
// as one JSON line, what opening cost. Run in its own process so that every measurement starts
// from a fresh heap and the parent can sample its memory from /proc.
//
//   node bench/lib/indexProbe.mjs open      <repo> <cacheDir> [--lookups N --present FILE]
//   node bench/lib/indexProbe.mjs snapshots <repo> <cacheDir> <host> <path>
//
// The password comes from SNAP_PASSWORD.

import fs from 'node:fs';
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';

const DIST = new URL('../../dist/', import.meta.url);
const { openRepository } = await import(new URL('repository/openRepository.js', DIST).href);
const { memOf } = await import('./proc.mjs');

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { lookups: { type: 'string', default: '0' }, present: { type: 'string' } },
});
const [mode, location, cacheDir, ...rest] = positionals;
const password = async () => Buffer.from(process.env.SNAP_PASSWORD ?? '');
/** Passes over the same random ids (see lookupRates). */
const LOOKUP_PASSES = 3;
const ms = (t0) => Math.round((performance.now() - t0) * 10) / 10;

const t0 = performance.now();
const repo = await openRepository({ location, password, cacheDir });
const openMs = ms(t0);
const out = { mode, openMs };

if (mode === 'open') {
  // Count index files read: a warm open must read none (it costs what changed, DESIGN.md "The index").
  let filesRead = 0;
  const load = repo.loadIndexFile.bind(repo);
  repo.loadIndexFile = (name) => {
    filesRead++;
    return load(name);
  };
  const t1 = performance.now();
  const cache = await repo.blobIndex();
  out.syncMs = ms(t1);
  out.indexFilesRead = filesRead;
  out.indexFiles = (await repo.listIndexFiles()).length;
  out.entries = cache.count();
  const n = Number(values.lookups);
  if (n > 0) out.lookups = lookupRates(cache, n, values.present);
} else if (mode === 'snapshots') {
  const [host, path] = rest;
  const { findParent } = await import(new URL('archiver/findParent.js', DIST).href);
  const t1 = performance.now();
  const ids = await repo.listSnapshotIds();
  out.listIdsMs = ms(t1);
  out.snapshots = ids.length;
  const t2 = performance.now();
  const parent = await findParent(repo, host, [path]);
  out.findParentMs = ms(t2);
  out.parentFound = Boolean(parent);
} else {
  throw new Error(`unknown probe mode ${mode}`);
}

const mem = memOf(process.pid);
const heap = process.memoryUsage();
out.endRssAnonKiB = mem?.anonKiB;
out.endRssFileKiB = mem?.fileKiB;
out.heapUsedKiB = Math.round(heap.heapUsed / 1024);
out.externalKiB = Math.round((heap.external + heap.arrayBuffers) / 1024);
await repo.close();
process.stdout.write(JSON.stringify(out) + '\n');

/**
 * Random lookups against the LMDB cache: ids known present (sampled by the fill) and random ids
 * (absent with overwhelming probability). Reported per second; `found` checks the sample is real.
 */
function lookupRates(cache, n, presentFile) {
  const sample = presentFile ? fs.readFileSync(presentFile) : Buffer.alloc(0);
  const have = sample.length / 32;
  const present = [];
  for (let i = 0; i < n && have > 0; i++) {
    const k = Math.floor(Math.random() * have);
    present.push(sample.subarray(k * 32, k * 32 + 32));
  }
  const absentBuf = randomBytes(n * 32);
  const absent = Array.from({ length: n }, (_, i) => absentBuf.subarray(i * 32, i * 32 + 32));
  // The first pass runs in a fresh process (page-table faults on LMDB's map included); the later
  // passes over the same ids show the rate once the map is warm. Other work on a shared machine
  // only slows a pass down, so of those the best is kept.
  const rate = (ids) => {
    let found = 0;
    const secs = [];
    for (let pass = 0; pass < LOOKUP_PASSES; pass++) {
      found = 0;
      const t = performance.now();
      for (const id of ids) if (cache.lookup(id)) found++;
      secs.push((performance.now() - t) / 1000);
    }
    const per = (s) => (ids.length ? Math.round(ids.length / s) : 0);
    return { n: ids.length, found, perSecond: per(secs[0]), perSecondWarm: per(Math.min(...secs.slice(1))) };
  };
  return { present: rate(present), absent: rate(absent) };
}
