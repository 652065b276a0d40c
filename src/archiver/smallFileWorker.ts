// The body of a small-file worker thread: for a list of paths, reads each file whole, hashes it
// (one chunk: it is below the chunker's minimum), and encodes it as it would be stored (codec choice
// and zstd on a reused context). One reply per list, the ids and encoded bytes of all its files in
// one transferred buffer. What is left for the main thread is the per-file work that must be in order:
// dedup, encryption at a pack offset, the tree entry.

import { parentPort } from 'node:worker_threads';
import { readFileSync } from 'node:fs';
import { IdHasher } from '../crypto/index.js';
import { encodeBlobSync } from '../pack/codec.js';
import { ID_BYTES } from '../ids.js';
import type { SmallFileResult, SmallFilesJob, SmallFilesReply } from './smallFileWorkers.js';

let hasher: IdHasher | undefined;

parentPort!.on('message', (job: SmallFilesJob) => {
  hasher ??= new IdHasher(job.idKey ? Buffer.from(job.idKey) : undefined);
  const results: SmallFileResult[] = [];
  const parts: Buffer[] = [];
  let total = 0;
  for (const p of job.paths) {
    let data: Buffer;
    try {
      data = readFileSync(Buffer.from(p));
    } catch (e) {
      results.push({ error: { code: (e as { code?: string }).code, message: (e as Error).message } });
      continue;
    }
    // Grown since its lstat past one chunk: the main thread reads and chunks it as usual.
    if (data.length > job.maxBytes) {
      results.push({ tooBig: true });
      continue;
    }
    const id = hasher.hash(data);
    const { codec, bytes } = encodeBlobSync(data, job.compression);
    results.push({ size: data.length, codec, offset: total, length: bytes.length });
    parts.push(id, bytes);
    total += ID_BYTES + bytes.length;
  }
  // A buffer of its own (not a slice of the shared pool): it is moved to the main thread, not copied.
  const out = Buffer.allocUnsafeSlow(total);
  let at = 0;
  for (const b of parts) at += b.copy(out, at);
  const reply: SmallFilesReply = { job: job.job, results, data: out.buffer as ArrayBuffer };
  parentPort!.postMessage(reply, [out.buffer as ArrayBuffer]);
});
