#!/usr/bin/env node
// Entry point of the `snap` command: the compiled CLI lives in dist/ (built by `npm ci` through `prepare`).

// File I/O and zstd share libuv's thread pool (4 threads by default); restoring or backing up many
// small files is latency-bound, so give it more. Must be set before the pool starts: import after.
process.env.UV_THREADPOOL_SIZE ??= '16';

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
