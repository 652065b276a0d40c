// What LMDB cannot survive, checked before it maps a cache environment. LMDB trusts its data file:
// a data.mdb full of garbage makes the process die by SIGSEGV, a truncated one by SIGBUS when a
// page past the end is touched, with no message and no chance to release a lock. So the two meta
// pages are read first, and the environment is opened only when they agree with the file.
//
// The layout is lmdb-js 3.x's (its LMDB 1.0 fork, data version 2): page header of 24 bytes, then
// the meta: magic u32 | version u32 | address u64 | map size u64 | 2 × db record (48 bytes; the
// first one's leading u32 is the page size) | last page u64 | txn id u64. Meta pages are page 0 and
// page 1. A file of zero bytes is a new environment (LMDB writes it).

import { chmodSync, closeSync, fstatSync, openSync, readSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { open, type RootDatabase, type RootDatabaseOptionsWithPath } from 'lmdb';
import { CACHE_FILE_MODE, privateDir } from './cacheFolder.js';

const MDB_MAGIC = 0xbeefc0de;
/** lmdb-js 3.x writes data version 2 (plain LMDB 0.9 writes 1, which it cannot read). */
const MDB_DATA_VERSION = 2;
const META_AT = 24;
const MIN_PAGE = 512;
const MAX_PAGE = 65536;
/** Bytes read from each meta page. */
const META_BYTES = 160;
const DB_RECORD = 48;
const ROOT_IN_DB = 40;
const P_INVALID = 0xffffffffffffffffn;
/**
 * Address space mapped for a cache environment from the start (not file bytes: the file grows as
 * pages are written). lmdb-js otherwise starts at 128 KiB and maps the file again each time it
 * doubles, keeping the old mappings, and a page read through two of them counts twice in RSS.
 * A bigger environment still grows past it (lmdb-js remaps when the map is full).
 */
export const CACHE_MAP_BYTES = 8 * 2 ** 30;

/** Why the environment in `dir` cannot be opened safely, or undefined when it can (or is new). */
export function lmdbDamage(dir: string): string | undefined {
  const file = path.join(dir, 'data.mdb');
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return code === 'ENOENT' || code === 'ENOTDIR' ? undefined : `${file} cannot be read (${code})`;
  }
  try {
    const size = fstatSync(fd).size;
    if (size === 0) return undefined;
    const m0 = readMeta(fd, 0);
    if (!m0) return 'data.mdb is shorter than its meta pages';
    const bad0 = metaProblem(m0);
    if (bad0) return `data.mdb meta page 0: ${bad0}`;
    const pageSize = m0.readUInt32LE(META_AT + 24);
    if (pageSize < MIN_PAGE || pageSize > MAX_PAGE || (pageSize & (pageSize - 1)) !== 0) return `data.mdb: page size ${pageSize} is not possible`;
    if (size < 2 * pageSize) return `data.mdb has ${size} bytes, fewer than its two meta pages`;
    const m1 = readMeta(fd, pageSize);
    const bad1 = m1 ? metaProblem(m1) : 'missing';
    if (bad1) return `data.mdb meta page 1: ${bad1}`;
    for (const m of [m0, m1!]) {
      const lastPage = m.readBigUInt64LE(META_AT + 8 + 8 + 8 + 2 * DB_RECORD);
      const needed = (lastPage + 1n) * BigInt(pageSize);
      if (needed > BigInt(size)) return `data.mdb has ${size} bytes but its meta names pages up to byte ${needed} (truncated)`;
      for (let db = 0; db < 2; db++) {
        const root = m.readBigUInt64LE(META_AT + 24 + db * DB_RECORD + ROOT_IN_DB);
        if (root !== P_INVALID && root > lastPage) return `data.mdb: a root page (${root}) lies past the last page (${lastPage})`;
      }
    }
    return undefined;
  } finally {
    closeSync(fd);
  }
}

function readMeta(fd: number, at: number): Buffer | undefined {
  const b = Buffer.alloc(META_BYTES);
  return readSync(fd, b, 0, META_BYTES, at) === META_BYTES ? b : undefined;
}

function metaProblem(m: Buffer): string | undefined {
  const magic = m.readUInt32LE(META_AT);
  if (magic !== MDB_MAGIC) return `bad magic 0x${magic.toString(16)}`;
  const version = m.readUInt32LE(META_AT + 4);
  if (version !== MDB_DATA_VERSION) return `data version ${version}, not ${MDB_DATA_VERSION}`;
  return undefined;
}

/**
 * Move a damaged environment out of the way (to `<dir>-damaged`, replacing an older one: kept for
 * a look, never read again), so that the next open starts empty. Returns where it went.
 */
export function setAside(dir: string): string {
  const aside = `${dir}-damaged`;
  rmSync(aside, { recursive: true, force: true });
  try {
    renameSync(dir, aside);
  } catch {
    rmSync(dir, { recursive: true, force: true });
    return '(removed)';
  }
  return aside;
}

/** LMDB's own words for a file it cannot use (as opposed to an I/O error of the system). */
export function isLmdbDamage(e: unknown): boolean {
  return /MDB_(CORRUPTED|INVALID|VERSION_MISMATCH|PAGE_NOTFOUND|INCOMPATIBLE|BAD_TXN|BAD_VALSIZE)/.test(String((e as Error)?.message ?? ''));
}

/**
 * Open an LMDB environment of the cache folder: moved aside first when LMDB could not survive it
 * (`onDamaged` hears why and where it went), its folder 0700 and its files 0600.
 */
export function openCacheEnv(dir: string, options: Omit<RootDatabaseOptionsWithPath, 'path'>, onDamaged?: (why: string, aside: string) => void): RootDatabase {
  const why = lmdbDamage(dir);
  if (why) {
    const aside = setAside(dir);
    onDamaged?.(why, aside);
  }
  privateDir(dir);
  const env = open({ mapSize: CACHE_MAP_BYTES, ...options, path: dir, ...({ permissionsMode: CACHE_FILE_MODE } as object) });
  // Files made by an earlier version (0644) are tightened too.
  for (const f of ['data.mdb', 'lock.mdb']) {
    try {
      chmodSync(path.join(dir, f), CACHE_FILE_MODE);
    } catch {
      // not there (a new environment makes lock.mdb lazily on some platforms)
    }
  }
  return env;
}
