// Chooses the backend for a location string: s3://bucket/prefix or a local directory.

import type { Backend } from './backend.js';
import { LocalBackend } from './local.js';
import { InvalidArgumentError } from '../errors.js';

export async function openBackend(location: string): Promise<Backend> {
  if (location.startsWith('s3://')) {
    throw new InvalidArgumentError(`s3:// repositories are not supported by this version yet: '${location}'`);
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(location)) {
    throw new InvalidArgumentError(`unsupported repository location '${location}' (use a directory or s3://bucket/prefix)`);
  }
  return new LocalBackend(location);
}
