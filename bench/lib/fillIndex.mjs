// Synthetic index files for the scale benchmark: real, encrypted index files written into a real
// repository with its own Crypt (exactly what `create` writes, see Repository.saveIndexFile), but
// naming random blob ids in fake packs. They go to the repository only — not to the LMDB cache —
// so that the next open is a true cold sync. Commands that read blob content (check, restore of
// these ids) would fail on the fake packs; opening, dedup lookups and `create` work as with real data.

import fs from 'node:fs';
import { randomBytes } from 'node:crypto';

const DIST = new URL('../../dist/', import.meta.url);
const { encodeIndex } = await import(new URL('blobindex/indexFormat.js', DIST).href);
const { objectName } = await import(new URL('crypto/index.js', DIST).href);

/**
 * What `create` writes: an index file after 16 packs (INDEX_FLUSH_PACKS) of 16 MiB at ~64 KiB
 * average chunks, so about 256 blobs a pack and 4 096 a file.
 */
export const ENTRIES_PER_PACK = 256;
export const PACKS_PER_FILE = 16;
const AVG_CHUNK = 64 * 1024;
/** Index files written at once (each put fsyncs). */
const PUT_CONCURRENCY = 8;

function indexPacks(count) {
  const packs = [];
  for (let left = count; left > 0; ) {
    const n = Math.min(ENTRIES_PER_PACK, left);
    left -= n;
    const ids = randomBytes(n * 32);
    const entries = new Array(n);
    let offset = 32;
    for (let j = 0; j < n; j++) {
      const raw = AVG_CHUNK;
      const stored = raw - 4096 + 16;
      entries[j] = { id: ids.subarray(j * 32, j * 32 + 32), type: 0, codec: 1, offset, storedLength: stored, rawLength: raw };
      offset += stored;
    }
    packs.push({ packId: randomBytes(32).toString('hex'), entries });
  }
  return packs;
}

/**
 * Write index files naming `count` random blobs. Every `sampleEvery`-th id is appended to
 * `sampleFile` (raw 32-byte ids) so the lookup probe can ask for ids that are present.
 * `perFile` entries go to each index file. Returns the number of files written.
 */
export async function fillIndex(repo, count, { sampleFile, sampleEvery = 50, onProgress, perFile = ENTRIES_PER_PACK * PACKS_PER_FILE } = {}) {
  const sample = sampleFile ? fs.openSync(sampleFile, 'a') : undefined;
  let written = 0;
  let files = 0;
  const inflight = new Set();
  let seen = 0;
  while (written < count) {
    const n = Math.min(perFile, count - written);
    written += n;
    const packs = indexPacks(n);
    if (sample !== undefined) {
      const picked = [];
      for (const p of packs) for (const e of p.entries) if (seen++ % sampleEvery === 0) picked.push(e.id);
      if (picked.length) fs.writeSync(sample, Buffer.concat(picked));
    }
    const stored = repo.crypt.seal('index', encodeIndex(packs));
    const put = repo.backend.put(`index/${objectName(stored)}`, stored).then(() => inflight.delete(put));
    inflight.add(put);
    files++;
    if (inflight.size >= PUT_CONCURRENCY) await Promise.race(inflight);
    onProgress?.(written);
  }
  await Promise.all(inflight);
  if (sample !== undefined) fs.closeSync(sample);
  return files;
}
