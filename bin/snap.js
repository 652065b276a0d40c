#!/usr/bin/env node
import os from 'node:os';
import v8 from 'node:v8';
// Entry point of the `snap` command: the compiled CLI lives in dist/ (built by `npm ci` through `prepare`).
// libuv's thread pool (file I/O, zstd) keeps libuv's default of 4 threads. Setting
// UV_THREADPOOL_SIZE here has no effect: the ES module loader has started the pool (while loading the
// modules) before any line of this file runs. Measured: an ESM entry that sets 16 and then keeps the pool
// busy runs 4 pool threads; the same in a CommonJS entry, or set in the environment, runs 16.
// (Until 2026-12-02 this file set 16 for every command, which never took effect.) 4 is what a
// backup on 2 cores wants: a 2 KiB zstd call costs 14 µs of main-thread and 50 µs of pool CPU with
// 4 threads, 30 and 109 µs with 16 (docs/benchmarks.md). A larger pool for many cores would need a
// CommonJS entry or the variable in the environment (docs/architecture.md).

// V8's concurrent marking is off on machines of up to MAX_CORES_WITHOUT_CONCURRENT_MARKING cores.
// A backup allocates a Buffer per chunk (copy, zstd frame, ciphertext), and V8 starts a marking
// cycle after every 64 MiB of such external memory: ~170 cycles for 1.3 GB. With concurrent
// marking each cycle also wakes V8's helper threads, which on 2 cores take the CPU the main thread
// and the zstd pool need: measured on the real-data AI dataset (1.36 GB, docs/benchmarks.md),
// first backup 11.3 → 9.3 s and 14.5 → 12.2 CPU-s without it. The main thread marks
// incrementally instead (the heap is ~20 MiB). Set at run time, before any marking has started,
// so that `node bin/snap.js` and the installed `snap` behave the same; worker threads inherit it.
const MAX_CORES_WITHOUT_CONCURRENT_MARKING = 2;
if (os.availableParallelism() <= MAX_CORES_WITHOUT_CONCURRENT_MARKING && !process.env.SNAP_V8_CONCURRENT_MARKING) {
  v8.setFlagsFromString('--no-concurrent-marking');
}

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
