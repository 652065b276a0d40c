// Building a whole LMDB cache environment next to the live one and renaming it into place
// (IndexCache.openSynced, for a cold cache). The environment it replaces was empty; a process that
// still has that one open keeps a consistent (if private) cache, and whatever it applied there is
// applied again from index/ by the next open. If another process put a cache in place meanwhile,
// that one is kept. Folder names have no dot: lmdb-js takes a path with an extension for a file.

import { closeSync, fsyncSync, openSync, readdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { processAlive } from '../processAlive.js';

/**
 * Run `build(envDir, scratchDir)` on fresh folders beside `dir`, make what it wrote durable, and
 * swap it in as `dir`. The build may write without fsync (noSync): its pages are synced once here.
 */
export async function buildBeside(dir: string, build: (envDir: string, scratchDir: string) => Promise<void>): Promise<void> {
  removeAbandonedBuilds(dir);
  const tag = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const tmp = `${dir}-build-${tag}`;
  const scratch = `${dir}-runs-${tag}`;
  try {
    await build(tmp, scratch);
    for (const f of readdirSync(tmp)) fsyncPath(path.join(tmp, f));
    fsyncPath(tmp);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  const old = `${dir}-old-${tag}`;
  try {
    renameSync(dir, old);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
      rmSync(tmp, { recursive: true, force: true });
      throw e;
    }
  }
  try {
    renameSync(tmp, dir);
  } catch {
    rmSync(tmp, { recursive: true, force: true });
  }
  fsyncPath(path.dirname(dir));
  rmSync(old, { recursive: true, force: true });
}

function fsyncPath(p: string): void {
  const fd = openSync(p, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Build and scratch folders left beside `dir` by processes that are gone (killed mid-build). */
function removeAbandonedBuilds(dir: string): void {
  const base = path.basename(dir);
  let names: string[];
  try {
    names = readdirSync(path.dirname(dir));
  } catch {
    return;
  }
  for (const name of names) {
    const m = /^-(?:build|runs|old)-(\d+)-[0-9a-f]+$/.exec(name.slice(base.length));
    if (!name.startsWith(base) || !m) continue;
    const pid = Number(m[1]);
    if (pid !== process.pid && !processAlive(pid)) rmSync(path.join(path.dirname(dir), name), { recursive: true, force: true });
  }
}
