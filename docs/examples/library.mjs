// snap as a library: make a repository, back a directory up twice, list the snapshots, restore the
// latest one, and check that every restored byte matches the source.
//
//   npm run build && node docs/examples/library.mjs [work-dir]
//
// In your own project (snap installed as a dependency) import from 'snap' instead: this file imports
// the build in this checkout, because package.json has no "exports" map for a package to import itself by name.

import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createSnapshot, initRepository, LocalBackend, openRepository, restoreSnapshot } from '../../dist/index.js';

const work = process.argv[2] ?? mkdtempSync(path.join(os.tmpdir(), 'snap-library-'));
const source = path.join(work, 'data');
const location = path.join(work, 'repo');
const target = path.join(work, 'restored');
const password = Buffer.from('an example password, use a real one');

// Some data: text that compresses, random bytes that do not, and the same file twice (deduplicated).
mkdirSync(path.join(source, 'docs'), { recursive: true });
writeFileSync(path.join(source, 'docs', 'notes.txt'), 'the same line again and again\n'.repeat(20_000));
const blob = createHash('sha512').update('seed').digest();
const random = Buffer.concat(Array.from({ length: 16_384 }, (_, i) => createHash('sha512').update(blob).update(String(i)).digest()));
writeFileSync(path.join(source, 'model.bin'), random);
writeFileSync(path.join(source, 'model-copy.bin'), random);

// 1. A new encrypted repository (the default key derivation: scrypt N=2^17, about 128 MiB, a moment).
const config = await initRepository(new LocalBackend(location), { encryption: 'aes-256-gcm', password, cacheDir: path.join(work, 'cache') });
console.log(`repository ${config.id.slice(0, 10)} at ${location}`);

// 2. Open it; the cache (the LMDB index) lives beside it here, by default in ~/.cache/snap.
const repo = await openRepository({ location, password: async () => password, cacheDir: path.join(work, 'cache'), passwordGiven: true });
try {
  // 3. Two backups under a shared lock (as `snap create` takes); the second reads only what changed.
  const lock = await repo.lock(false);
  let first;
  let second;
  try {
    first = await createSnapshot(repo, { paths: [source], tags: ['example'] });
    writeFileSync(path.join(source, 'docs', 'notes.txt'), 'one new line\n', { flag: 'a' });
    second = await createSnapshot(repo, { paths: [source], tags: ['example'] });
  } finally {
    await lock.release();
  }
  for (const [n, s] of [[1, first], [2, second]]) {
    console.log(
      `backup ${n}: snapshot ${s.snapshot_id.slice(0, 8)} files_new=${s.files_new} files_changed=${s.files_changed} ` +
        `files_unmodified=${s.files_unmodified} bytes_read=${s.bytes_read} bytes_added=${s.bytes_added} bytes_stored=${s.bytes_stored}`,
    );
  }

  // 4. The snapshots, oldest first.
  const snapshots = await repo.listSnapshots();
  console.log(`snapshots: ${snapshots.length}`);
  for (const s of snapshots) console.log(`  ${s.id.slice(0, 8)}  ${s.time}  ${s.hostname}  ${s.paths.join(' ')}  [${s.tags.join(',')}]`);

  // 5. Numbers like `snap stats`: what the data is, and what its chunks took in the repository.
  const logical = second.total_bytes;
  const stored = first.bytes_stored + second.bytes_stored;
  console.log(`logical_bytes=${logical} stored_chunk_bytes=${stored} saved=${(100 * (1 - stored / logical)).toFixed(1)}%`);

  // 6. Restore the latest snapshot; every chunk is checked against its hash as it is read, and
  // verify re-reads the written files against the snapshot.
  const latest = snapshots[snapshots.length - 1];
  const restored = await restoreSnapshot(repo, latest, target, { verify: true });
  console.log(`restored files=${restored.files} bytes_written=${restored.bytes_written} verified=${restored.verified}`);

  // 7. Compare with the source, byte for byte (the restore mirrors the absolute path backed up).
  const same = digestTree(source) === digestTree(path.join(target, source));
  console.log(`identical=${same}`);
  if (!same) process.exitCode = 1;
} finally {
  await repo.close();
}

/** One hash over every file's relative path and content. */
function digestTree(dir) {
  const h = createHash('sha256');
  const files = readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
  for (const f of files) h.update(f).update('\0').update(readFileSync(path.join(dir, f)));
  return h.digest('hex');
}
