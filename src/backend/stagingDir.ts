// A private staging directory for backends whose objects are uploaded from a local file (S3): made
// with mkdtemp (mode 0700, a fresh unguessable name, so no other local user can create it first or
// swap a file in it), each staged file opened O_EXCL|O_NOFOLLOW and unlinked at once, so the bytes
// are read back through the open descriptor only and a killed run leaves no staged pack behind, at
// most an empty directory. The directory name carries the pid: the next run removes the directories
// of processes that no longer exist, and close() removes this process's own.

import { promises as fs, constants as fsc } from 'node:fs';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { StorageError } from '../errors.js';
import { processAlive } from '../processAlive.js';

const DIR_PREFIX = 'snap-stage-';
const NAME_RE = /^snap-stage-(\d+)-[A-Za-z0-9]+$/;

export class StagingDir {
  private dir: Promise<string> | undefined;

  constructor(private readonly parent: string = os.tmpdir()) {}

  /** A new, already unlinked file open for reading and writing. */
  async open(): Promise<fs.FileHandle> {
    const dir = await (this.dir ??= this.make());
    const opened = await openStaged(dir).catch((e: unknown) => e as NodeJS.ErrnoException);
    if (!(opened instanceof Error)) return opened;
    // Removed by another run that took our pid for a dead one (it is in another PID namespace, or
    // the pid was reused): our staged files are unlinked and held open, so a fresh directory will do.
    if (opened.code === 'ENOENT') {
      this.dir = this.make();
      const again = await this.dir;
      return openStaged(again).catch((e: unknown) => {
        throw new StorageError(`cannot create a staging file in ${again}: ${(e as Error).message}`, again, { cause: e });
      });
    }
    throw new StorageError(`cannot create a staging file in ${dir}: ${opened.message}`, dir, { cause: opened });
  }

  async remove(): Promise<void> {
    const dir = this.dir;
    this.dir = undefined;
    if (dir) await fs.rm(await dir.catch(() => ''), { recursive: true, force: true }).catch(() => undefined);
  }

  private async make(): Promise<string> {
    await removeDeadStagingDirs(this.parent);
    try {
      return await fs.mkdtemp(path.join(this.parent, `${DIR_PREFIX}${process.pid}-`));
    } catch (e) {
      throw new StorageError(`cannot create a staging directory in ${this.parent}: ${(e as Error).message}`, this.parent, { cause: e });
    }
  }
}

/** A new file in dir, opened O_EXCL|O_NOFOLLOW and unlinked at once. */
async function openStaged(dir: string): Promise<fs.FileHandle> {
  const file = path.join(dir, randomBytes(8).toString('hex'));
  const fh = await fs.open(file, fsc.O_RDWR | fsc.O_CREAT | fsc.O_EXCL | fsc.O_NOFOLLOW, 0o600);
  await fs.unlink(file);
  return fh;
}

/** Remove staging directories of this user whose process is gone (killed runs). */
export async function removeDeadStagingDirs(parent: string): Promise<number> {
  const names = await fs.readdir(parent).catch(() => [] as string[]);
  let removed = 0;
  const uid = process.getuid?.();
  for (const name of names) {
    const m = NAME_RE.exec(name);
    if (!m || Number(m[1]) === process.pid || processAlive(Number(m[1]))) continue;
    const full = path.join(parent, name);
    const st = await fs.lstat(full).catch(() => undefined);
    if (!st?.isDirectory() || (uid !== undefined && st.uid !== uid)) continue;
    await fs.rm(full, { recursive: true, force: true }).catch(() => undefined);
    removed++;
  }
  return removed;
}
