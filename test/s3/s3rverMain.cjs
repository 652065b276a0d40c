// A throwaway S3-compatible server for tests, run as a child process by test/s3/server.ts:
//   node --openssl-legacy-provider test/s3/s3rverMain.cjs <directory>
// Listens on 127.0.0.1 with a free port, prints {"port": N} on one line, and exits when its stdin
// closes (the test process ended, however it ended) or on SIGTERM. --openssl-legacy-provider: s3rver
// encrypts ListObjectsV2 continuation tokens with DES, which OpenSSL 3 refuses otherwise.
'use strict';
const S3rver = require('s3rver');

const dir = process.argv[2];
const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: dir });
server.run().then(
  (addr) => process.stdout.write(JSON.stringify({ port: addr.port }) + '\n'),
  (e) => {
    process.stderr.write(`s3rver failed to start: ${e && e.stack}\n`);
    process.exit(1);
  },
);
const stop = () => server.close().finally(() => process.exit(0));
process.stdin.on('end', stop);
process.stdin.resume();
process.on('SIGTERM', stop);
