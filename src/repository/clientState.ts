// Small JSON files of this client's own, in its cache folder for one repository (the audit-log
// chain links, what it has seen of the repository for rollback detection). Private to the user
// (0600): they say what the client trusts. A missing or unreadable file reads as undefined: the
// caller starts over (and says what that costs, where it matters).

import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

const FILE_MODE = 0o600;
const DIR_MODE = 0o700;

export function readStateFile(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as unknown;
  } catch {
    return undefined;
  }
}

/** Whole file, then rename: a reader sees the old content or the new. Failure to write is not an error. */
export function writeStateFile(file: string, doc: unknown): void {
  const tmp = `${file}.tmp-${randomBytes(6).toString('hex')}`;
  try {
    mkdirSync(path.dirname(file), { recursive: true, mode: DIR_MODE });
    writeFileSync(tmp, JSON.stringify(doc), { mode: FILE_MODE });
    chmodSync(tmp, FILE_MODE); // whatever the umask
    renameSync(tmp, file);
  } catch {
    rmSync(tmp, { force: true });
  }
}
