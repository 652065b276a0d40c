#!/usr/bin/env node
// Entry point of the `snap` command: the compiled CLI lives in dist/ (built by `npm ci` through `prepare`).
// libuv's thread pool (file I/O, zstd) keeps libuv's default of 4 threads. Setting
// UV_THREADPOOL_SIZE here has no effect: the ES module loader has started the pool (while loading the
// modules) before any line of this file runs. Measured: an ESM entry that sets 16 and then keeps the pool
// busy runs 4 pool threads; the same in a CommonJS entry, or set in the environment, runs 16.
// (Until 2026-12-02 this file set 16 for every command, which never took effect.) 4 is what a
// backup on 2 cores wants: a 2 KiB zstd call costs 14 µs of main-thread and 50 µs of pool CPU with
// 4 threads, 30 and 109 µs with 16 (docs/benchmarks.md). A larger pool for many cores would need a
// CommonJS entry or the variable in the environment (docs/architecture.md).

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
