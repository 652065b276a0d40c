#!/usr/bin/env node
// Where a snap repository's bytes go: data chunks, tree blobs (directory nodes, parts, chunk lists),
// what packs add around them (salts, encrypted headers, GCM tags counted in the blobs' stored
// lengths), index files and snapshot records. Read-only; walks every snapshot like `snap stats`.
// usage: SNAP_PASSWORD=... node bench/repo-breakdown.mjs <repo dir> <cache dir>   (needs `npx tsc -p .`)
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from './compare/adapters.mjs';
import { du } from './compare/measure.mjs';

const dist = (p) => import(path.join(ROOT, 'dist', p));
const { openRepository } = await dist('repository/openRepository.js');
const { ReferenceWalker } = await dist('maintenance/stats/referenceWalker.js');
const { packBytes } = await dist('maintenance/stats/packSizes.js');

const [repoDir, cacheDir] = process.argv.slice(2);
if (!repoDir || !cacheDir) { console.error('usage: SNAP_PASSWORD=... node bench/repo-breakdown.mjs <repo dir> <cache dir>'); process.exit(2); }
const password = Buffer.from(process.env.SNAP_PASSWORD ?? '');
const repo = await openRepository({ location: path.resolve(repoDir), password: async () => password, passwordGiven: true, cacheDir: path.resolve(cacheDir) });
try {
  const snaps = await repo.listSnapshots();
  const walker = ReferenceWalker.create(repo);
  let logical = 0;
  try {
    for (const s of snaps) logical += await walker.walk(Buffer.from(s.tree, 'hex'));
  } finally {
    await walker.close();
  }
  const c = walker.counters;
  const packs = await packBytes(repo);
  const dir = (d) => (fs.existsSync(path.join(repoDir, d)) ? du(path.join(repoDir, d)).apparent : 0);
  const out = {
    snapshots: snaps.length, logical,
    repo: du(repoDir).apparent,
    packs: packs.packs, packBytes: packs.bytes,
    data: { blobs: c.dataBlobs, raw: c.dataRaw, stored: c.dataStored, meanRaw: Math.round(c.dataRaw / Math.max(1, c.dataBlobs)) },
    tree: { blobs: c.treeBlobs, raw: c.treeRaw, stored: c.treeStored },
    // salts, headers, header lengths, and blobs no snapshot references
    packOverhead: packs.bytes - c.dataStored - c.treeStored,
    index: dir('index'), snapshotRecords: dir('snapshots'), other: dir('keys') + dir('config') + dir('log') + dir('locks'),
  };
  console.log(JSON.stringify(out));
} finally {
  await repo.close();
}
