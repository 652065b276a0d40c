// Chooses the backend for a location string: s3://bucket/prefix or a local directory. S3 settings
// come from the caller (the CLI parses them from the environment), never from process.env here.

import type { Backend } from './backend.js';
import { LocalBackend } from './local.js';
import type { S3BackendOptions } from './s3Options.js';
import { InvalidArgumentError } from '../errors.js';

export interface BackendOptions {
  s3?: S3BackendOptions;
}

export async function openBackend(location: string, opts: BackendOptions = {}): Promise<Backend> {
  if (location.startsWith('s3://')) {
    // Loaded on demand: the S3 SDK's start-up cost is paid only by S3 repositories.
    const { S3Backend } = await import('./s3.js');
    return S3Backend.open(location, opts.s3);
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(location)) {
    throw new InvalidArgumentError(`unsupported repository location '${location}' (use a directory or s3://bucket/prefix)`);
  }
  return new LocalBackend(location);
}
