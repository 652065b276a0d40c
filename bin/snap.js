#!/usr/bin/env node
// Entry point of the `snap` command: the compiled CLI lives in dist/ (built by `npm ci` through `prepare`).
import os from 'node:os';

// libuv's thread pool runs file I/O and zstd; its size must be set before the pool starts, so the
// CLI is imported after. `create` keeps it near the core count: a backup's main thread (walk,
// chunking, hashing, encryption, packs) is its bottleneck on few cores, and every pool thread busy
// at once beyond the cores takes CPU from it. Measured on 2 cores: a 2 KiB zstd call costs 14 µs
// of main-thread CPU and 50 µs of pool CPU with 4 threads, 30 and 109 µs with 16 (contention on
// the cores and the allocator; docs/benchmarks.md, 2026-12-02). Restores and other commands are
// latency-bound on many small file writes, so they keep a larger pool.
const CREATE_COMMANDS = new Set(['create', 'backup']);
const isCreate = process.argv.slice(2).some((a) => CREATE_COMMANDS.has(a));
const cores = os.availableParallelism();
process.env.UV_THREADPOOL_SIZE ??= String(isCreate ? Math.max(4, Math.min(16, cores + 2)) : 16);

// A reader that went away (`snap ls ... | head`) is not an error of ours: stop quietly.
process.stdout.on('error', (e) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});
const { main } = await import('../dist/cli/main.js');
// A command whose event loop runs dry before it finishes (nothing left to wake a pending await)
// must not end with exit code 0 as if it had succeeded.
process.on('beforeExit', () => {
  process.stderr.write('snap: internal error: the command stopped before it finished\n');
  process.exit(1);
});
main(process.argv).then((code) => process.exit(code));
