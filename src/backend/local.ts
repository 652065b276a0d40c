// The local-directory backend. Every write is temp file → fsync → rename → fsync of the directory,
// so an object either exists whole under its final name or not at all (DESIGN.md invariants 1–5).

import { promises as fs, constants as fsc } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Backend, StagedObject } from './backend.js';
import { NotFoundError, StorageError } from '../errors.js';

/** Prefix of in-flight temporary files; never listed as objects. */
const TEMP_PREFIX = '.tmp-';
/** Where writers stage temp files (packs in data/ and data/xx/). Not locks/ or keys/: lock and key
 * writers do not wait for the exclusive lock. */
const LEFTOVER_DIRS = ['data', 'index', 'snapshots', 'log'];
/** Read handles kept open (LRU). */
const OPEN_HANDLES = 64;

export class LocalBackend implements Backend {
  readonly location: string;
  private readonly madeDirs = new Set<string>();
  private readonly handles = new Map<string, Promise<fs.FileHandle>>();

  constructor(readonly root: string) {
    this.location = path.resolve(root);
  }

  private full(name: string): string {
    return path.join(this.location, name);
  }

  async exists(): Promise<boolean> {
    try {
      const entries = await fs.readdir(this.location);
      return entries.length > 0;
    } catch (e) {
      if (isCode(e, 'ENOENT')) return false;
      throw wrap(e, this.location);
    }
  }

  async create(): Promise<void> {
    await fs.mkdir(this.location, { recursive: true }).catch((e) => {
      throw wrap(e, this.location);
    });
  }

  async put(name: string, data: Buffer | Buffer[]): Promise<void> {
    const target = this.full(name);
    this.forget(name);
    const dir = path.dirname(target);
    await this.ensureDir(dir);
    const tmp = path.join(dir, TEMP_PREFIX + randomBytes(8).toString('hex'));
    try {
      const fh = await fs.open(tmp, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL, 0o600);
      try {
        const parts = Array.isArray(data) ? data : [data];
        await writeAllv(fh, parts);
        await fh.sync();
      } finally {
        await fh.close();
      }
      await fs.rename(tmp, target);
      await fsyncDir(dir);
    } catch (e) {
      await fs.rm(tmp, { force: true }).catch(() => undefined);
      throw wrap(e, target);
    }
  }

  /** Staged in data/ under the temp prefix (never listed; prune removes those of killed runs), so storing is a rename. */
  async stage(): Promise<StagedObject> {
    const dir = this.full('data');
    await this.ensureDir(dir);
    const file = path.join(dir, TEMP_PREFIX + randomBytes(8).toString('hex'));
    const handle = await fs.open(file, fsc.O_RDWR | fsc.O_CREAT | fsc.O_EXCL | fsc.O_NOFOLLOW, 0o600).catch((e) => {
      throw wrap(e, file);
    });
    return {
      handle,
      store: async (name) => {
        await handle.close();
        const target = this.full(name);
        this.forget(name);
        const targetDir = path.dirname(target);
        await this.ensureDir(targetDir);
        try {
          await fs.rename(file, target);
          await fsyncDir(targetDir);
        } catch (e) {
          await fs.rm(file, { force: true }).catch(() => undefined);
          throw wrap(e, target);
        }
      },
      discard: async () => {
        await handle.close().catch(() => undefined);
        await fs.rm(file, { force: true });
      },
    };
  }

  async removeLeftovers(opts: { olderThanMs?: number } = {}): Promise<{ files: number; bytes: number }> {
    const found = { files: 0, bytes: 0 };
    // Ages are judged by the storage's clock (a probe's mtime), never this process's: a host whose
    // clock runs an hour fast (or a libfaketime'd container) would otherwise take a running writer's
    // staged pack for an old leftover and delete it under that writer.
    const before = opts.olderThanMs === undefined ? Infinity : (await this.storageNow()) - opts.olderThanMs;
    const dirs = [...LEFTOVER_DIRS];
    const data = await fs.readdir(this.full('data'), { withFileTypes: true }).catch(() => []);
    for (const e of data) if (e.isDirectory()) dirs.push(`data/${e.name}`);
    for (const dir of dirs) {
      const names = await fs.readdir(this.full(dir)).catch(() => [] as string[]);
      for (const name of names) {
        if (!name.startsWith(TEMP_PREFIX)) continue;
        const file = path.join(this.full(dir), name);
        const st = await fs.stat(file).catch(() => undefined);
        if (!st?.isFile() || st.mtimeMs >= before) continue;
        await fs.rm(file, { force: true }).catch((e) => {
          throw wrap(e, file);
        });
        found.files++;
        found.bytes += st.size;
      }
    }
    return found;
  }

  /** The storage's current time: the modification time of a probe file written now. */
  private async storageNow(): Promise<number> {
    const probe = this.full(`${TEMP_PREFIX}clock-${randomBytes(8).toString('hex')}`);
    try {
      await fs.writeFile(probe, '');
      return (await fs.stat(probe)).mtimeMs;
    } catch (e) {
      throw wrap(e, probe);
    } finally {
      await fs.rm(probe, { force: true }).catch(() => undefined);
    }
  }

  async get(name: string): Promise<Buffer> {
    try {
      return await fs.readFile(this.full(name));
    } catch (e) {
      if (isCode(e, 'ENOENT')) throw new NotFoundError(`object ${name} is missing from ${this.location}`);
      throw wrap(e, this.full(name));
    }
  }

  async getRange(name: string, offset: number, length: number): Promise<Buffer> {
    const fh = await this.handle(name);
    const buf = Buffer.allocUnsafe(length);
    let done = 0;
    while (done < length) {
      const { bytesRead } = await fh.read(buf, done, length - done, offset + done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    return done === length ? buf : buf.subarray(0, done);
  }

  /** Open handles of recently read objects: restore and check read many ranges of one pack. */
  private handle(name: string): Promise<fs.FileHandle> {
    let h = this.handles.get(name);
    if (h) {
      this.handles.delete(name);
      this.handles.set(name, h);
      return h;
    }
    h = fs.open(this.full(name), 'r').catch((e) => {
      this.handles.delete(name);
      if (isCode(e, 'ENOENT')) throw new NotFoundError(`object ${name} is missing from ${this.location}`);
      throw wrap(e, this.full(name));
    });
    this.handles.set(name, h);
    if (this.handles.size > OPEN_HANDLES) {
      const [oldest, p] = this.handles.entries().next().value!;
      this.handles.delete(oldest);
      void p.then((f) => f.close()).catch(() => undefined);
    }
    return h;
  }

  private forget(name: string): void {
    const h = this.handles.get(name);
    if (!h) return;
    this.handles.delete(name);
    void h.then((f) => f.close()).catch(() => undefined);
  }

  async stat(name: string): Promise<{ size: number; mtime: number } | undefined> {
    try {
      const st = await fs.stat(this.full(name));
      return { size: st.size, mtime: st.mtimeMs };
    } catch (e) {
      if (isCode(e, 'ENOENT')) return undefined;
      throw wrap(e, this.full(name));
    }
  }

  async list(prefix: string): Promise<string[]> {
    const out: string[] = [];
    await this.walk(prefix.replace(/\/$/, ''), out);
    return out.sort();
  }

  private async walk(rel: string, out: string[]): Promise<void> {
    let entries;
    try {
      entries = await fs.readdir(this.full(rel), { withFileTypes: true });
    } catch (e) {
      if (isCode(e, 'ENOENT') || isCode(e, 'ENOTDIR')) return;
      throw wrap(e, this.full(rel));
    }
    for (const ent of entries) {
      if (ent.name.startsWith(TEMP_PREFIX)) continue;
      const child = rel ? `${rel}/${ent.name}` : ent.name;
      if (ent.isDirectory()) await this.walk(child, out);
      else out.push(child);
    }
  }

  async remove(name: string): Promise<void> {
    this.forget(name);
    const target = this.full(name);
    try {
      await fs.unlink(target);
    } catch (e) {
      if (isCode(e, 'ENOENT')) return;
      throw wrap(e, target);
    }
    await fsyncDir(path.dirname(target));
  }

  async close(): Promise<void> {
    const all = [...this.handles.values()];
    this.handles.clear();
    await Promise.all(all.map((h) => h.then((f) => f.close()).catch(() => undefined)));
  }

  private async ensureDir(dir: string): Promise<void> {
    if (this.madeDirs.has(dir)) return;
    try {
      await fs.mkdir(dir, { recursive: false });
      await fsyncDir(path.dirname(dir));
    } catch (e) {
      if (isCode(e, 'ENOENT')) {
        await this.ensureDir(path.dirname(dir));
        return this.ensureDir(dir);
      }
      if (!isCode(e, 'EEXIST')) throw wrap(e, dir);
    }
    this.madeDirs.add(dir);
  }
}

async function writeAllv(fh: fs.FileHandle, parts: Buffer[]): Promise<void> {
  // writev takes at most IOV_MAX buffers and may write short: loop until everything is out.
  const IOV_BATCH = 512;
  for (let i = 0; i < parts.length; i += IOV_BATCH) {
    let batch = parts.slice(i, i + IOV_BATCH);
    let remaining = batch.reduce((n, b) => n + b.length, 0);
    while (remaining > 0) {
      const { bytesWritten } = await fh.writev(batch);
      remaining -= bytesWritten;
      if (remaining > 0) batch = dropBytes(batch, bytesWritten);
    }
  }
}

function dropBytes(bufs: Buffer[], n: number): Buffer[] {
  const out: Buffer[] = [];
  for (const b of bufs) {
    if (n >= b.length) {
      n -= b.length;
      continue;
    }
    out.push(n > 0 ? b.subarray(n) : b);
    n = 0;
  }
  return out;
}

/**
 * Errors of a directory fsync that mean "this filesystem does not sync directories" (SMB/CIFS,
 * some FUSE and network mounts): there the rename is as durable as the filesystem makes it, and
 * failing every write would make the repository unusable. restic ignores the same errors.
 */
const DIR_SYNC_UNSUPPORTED = new Set(['EINVAL', 'ENOTSUP', 'EOPNOTSUPP']);

let dirFsyncFault: string | undefined;

/** Makes every directory fsync of this process fail with errno `code` (tests); undefined: none. */
export function setDirFsyncFault(code: string | undefined): void {
  dirFsyncFault = code;
}

export async function fsyncDir(dir: string): Promise<void> {
  let fh;
  try {
    fh = await fs.open(dir, 'r');
    // Fault injection for tests (set by the CLI from SNAP_FAULT_DIR_FSYNC, cli/faultHooks.ts): the
    // errno a filesystem would return here. The only place where an errno is faked.
    const fault = dirFsyncFault;
    if (fault) throw Object.assign(new Error(`${fault}: injected fault, fsync`), { code: fault });
    await fh.sync();
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code && DIR_SYNC_UNSUPPORTED.has(code)) return;
    if (code === 'ENOENT') throw e; // callers handle a vanished directory by its code
    throw new StorageError(`cannot sync directory ${dir}: ${(e as Error).message}`, dir, { cause: e });
  } finally {
    await fh?.close();
  }
}

export function isCode(e: unknown, code: string): boolean {
  return typeof e === 'object' && e !== null && (e as { code?: string }).code === code;
}

function wrap(e: unknown, where: string): Error {
  if (e instanceof NotFoundError || e instanceof StorageError) return e;
  const code = (e as { code?: string }).code;
  const msg = code === 'ENOSPC' ? 'no space left on device' : code === 'EACCES' ? 'permission denied' : (e as Error).message;
  return new StorageError(`${msg}: ${where}`, where, { cause: e });
}
