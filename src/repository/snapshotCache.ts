// A local cache of decoded snapshot records, in the cache directory beside the index cache.
// Records are immutable and named by the hash of their stored bytes, so a record cached under its
// id is exactly what a verified read of snapshots/<id> returns. Listing the snapshots then reads
// only the records that are new since the last run, instead of every record (an unchanged
// re-backup searches the list for its parent; at 1 000 snapshots reading all of them cost ~150 ms
// and grew with every snapshot: docs/benchmarks-scale.md). Damage to a stored record is found by
// `check`, which reads every record from the repository. The cache is only ever a help: a missing,
// unreadable or unwritable file just means reading the records from the repository. In an
// encrypted repository the file is sealed with the repository's key like the records themselves,
// so the cache directory shows no more than the repository does (paths, host names).

import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { validateSnapshotRecord, type Snapshot } from './snapshotRecord.js';

const CACHE_VERSION = 1;
/** Records read at once from the repository (bounds memory with thousands of new records). */
const LOAD_CONCURRENCY = 16;

/** Sealing of the cache file: the repository's own (identity when it is unencrypted). */
export interface CacheSeal {
  seal(plain: Buffer): Buffer;
  open(stored: Buffer): Buffer;
}

/** `load` returns undefined for a record it could not read (the caller keeps the warning); it is not cached. */
export async function listSnapshotsCached(file: string, ids: string[], load: (id: string) => Promise<Snapshot | undefined>, seal: CacheSeal): Promise<Snapshot[]> {
  const cached = readCache(file, seal);
  const out: Snapshot[] = [];
  const missing: string[] = [];
  for (const id of ids) {
    const s = cached.get(id);
    if (s) out.push(s);
    else missing.push(id);
  }
  let loaded = 0;
  for (let i = 0; i < missing.length; i += LOAD_CONCURRENCY) {
    for (const s of await Promise.all(missing.slice(i, i + LOAD_CONCURRENCY).map(load))) {
      if (s) out.push(s), loaded++;
    }
  }
  if (loaded > 0 || cached.size !== out.length - loaded) writeCache(file, out, seal);
  return out;
}

function readCache(file: string, seal: CacheSeal): Map<string, Snapshot> {
  try {
    const doc = JSON.parse(seal.open(readFileSync(file)).toString('utf8')) as { version: number; records: Snapshot[] };
    if (doc.version !== CACHE_VERSION || !Array.isArray(doc.records)) return new Map();
    // The cache file is local and sealed, but held to the same schema as a stored record: a cached
    // entry of the wrong shape is dropped and read again from the repository.
    const out = new Map<string, Snapshot>();
    for (const s of doc.records) {
      try {
        if (typeof s?.id === 'string') out.set(s.id, { ...validateSnapshotRecord(s, s.id), id: s.id });
      } catch {
        // dropped
      }
    }
    return out;
  } catch {
    return new Map();
  }
}

function writeCache(file: string, records: Snapshot[], seal: CacheSeal): void {
  // Whole file, then rename: a reader sees the old list or the new one. Two writers: the last wins,
  // and either list is true (a subset of what the repository holds, checked against its listing).
  const tmp = `${file}.tmp-${randomBytes(6).toString('hex')}`;
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(tmp, seal.seal(Buffer.from(JSON.stringify({ version: CACHE_VERSION, records }))), { mode: 0o600 }); // the cache is private
    renameSync(tmp, file);
  } catch {
    rmSync(tmp, { force: true });
    // a read-only or full cache directory: the records are read from the repository next time too
  }
}
