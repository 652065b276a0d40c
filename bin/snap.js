#!/usr/bin/env node
// Entry point of the `snap` command: the compiled CLI lives in dist/ (built by `npm ci` through `prepare`).
import { main } from '../dist/cli/main.js';
main(process.argv).then((code) => process.exit(code));
