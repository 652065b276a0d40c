// Restores of many small files, which go in batches to worker threads (restorer/smallFiles.ts): the
// tree comes back bit for bit with modes and times, across many directories and several packs, with
// chunks shared between files; a damaged blob in the middle of a coalesced read fails the restore
// naming the one file that holds it; SIGINT stops such a restore promptly with exit 130.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { diffTrees, Sandbox, snapshotTree } from './helpers.js';
import { flipByte, listPacks } from '../fixtures/damageRepo.js';
import { openRepository } from '../../src/repository/openRepository.js';
import { findEntry } from '../../src/restorer/findEntry.js';
import { READ_GAP_MAX } from '../../src/restorer/planReads.js';
import { packObjectName } from '../../src/pack/packFormat.js';
import { setAttributeSync } from '@napi-rs/xattr';

const TOP_DIRS = 50;
const SUBDIRS = 3;
const FILES_PER_DIR = 10;
const FILE_MODES = [0o644, 0o600, 0o640, 0o755, 0o444, 0o664];
const DIR_MODES = [0o755, 0o750, 0o700];
/** Files sharing their first 64 KiB: their first chunks are stored once and read once per batch. */
const SHARED_PREFIX = randomBytes(64 * 1024);
const KiB = 1024;

/** ~1–8 KiB: half JSON-like text (compresses), half random (stored raw). */
function content(i: number): Buffer {
  const size = KiB + ((i * 2654435761) % (7 * KiB));
  if (i % 2) return randomBytes(size);
  const text = JSON.stringify({ i, name: `file-${i}`, items: Array.from({ length: 400 }, (_, k) => ({ k, v: (k * i) % 97 })) });
  return Buffer.from(text.repeat(Math.ceil(size / text.length)).slice(0, size));
}

/** Writes the tree; returns the number of regular files. Times are set last, deepest first. */
function makeTree(root: string): number {
  let files = 0;
  const dirs: string[] = [];
  const common = randomBytes(3000);
  for (let d = 0; d < TOP_DIRS; d++) {
    const top = path.join(root, `d${String(d).padStart(2, '0')}`);
    for (const dir of [top, ...Array.from({ length: SUBDIRS }, (_, s) => path.join(top, `s${s}`))]) {
      mkdirSync(dir, { recursive: true });
      dirs.push(dir);
      for (let f = 0; f < FILES_PER_DIR; f++, files++) {
        const p = path.join(dir, `f${f}.${files % 2 ? 'bin' : 'json'}`);
        // Every 7th file has the same content as many others (one blob, many files); every 50th
        // shares a 64 KiB prefix with others (shared chunks); a few are empty.
        const data = files % 7 === 3 ? common : files % 50 === 5 ? Buffer.concat([SHARED_PREFIX, randomBytes(20 * KiB)]) : files % 97 === 1 ? Buffer.alloc(0) : content(files);
        writeFileSync(p, data);
        chmodSync(p, FILE_MODES[files % FILE_MODES.length]!);
        const t = 1_600_000_000 + files * 1.234567;
        utimesSync(p, t, t);
      }
    }
  }
  dirs.reverse().forEach((dir, i) => {
    chmodSync(dir, DIR_MODES[i % DIR_MODES.length]!);
    utimesSync(dir, 1_500_000_000 + i, 1_500_000_000 + i);
  });
  return files;
}

describe('restore of many small files', () => {
  const sb = new Sandbox();
  const src = sb.path('src');
  let fileCount = 0;

  beforeAll(() => {
    // Small packs and chunks: the files spread over many packs, and the 84 KiB files have shared chunks.
    sb.init(['--pack-size', String(512 * KiB), '--chunk-size', '4096,16384,65536']);
    fileCount = makeTree(src);
    sb.ok(['create', src]);
  });
  afterAll(() => sb.cleanup());

  it('restores every file bit for bit, with modes and times, over many directories and packs', () => {
    expect(listPacks(sb.repo).length).toBeGreaterThan(3);
    const out = sb.path('out');
    const sum = sb.json(['restore', 'latest', out]);
    expect(sum.files).toBe(fileCount);
    expect(sum.dirs).toBe(TOP_DIRS * (1 + SUBDIRS) + src.split('/').filter(Boolean).length);
    const want = snapshotTree(src);
    const bytes = [...want.values()].reduce((n, f) => n + (f.size ?? 0), 0);
    expect(sum.bytes_written).toBe(bytes);
    expect(diffTrees(want, snapshotTree(path.join(out, src)))).toEqual([]);
    // Restoring again over the restored tree (existing files replaced) gives the same tree.
    const again = sb.json(['restore', 'latest', out]);
    expect(again.files).toBe(fileCount);
    expect(diffTrees(want, snapshotTree(path.join(out, src)))).toEqual([]);
  });

  it('into a directory with a default ACL (which, not the umask, gives new files their bits): modes still exact', () => {
    const out = sb.path('out-acl');
    mkdirSync(out);
    // POSIX ACL xattr: version 2, then (tag, perm, id) entries: user::rwx, group::---, other::---.
    const acl = Buffer.alloc(4 + 3 * 8);
    acl.writeUInt32LE(2, 0);
    [[0x01, 7], [0x04, 0], [0x20, 0]].forEach(([tag, perm], i) => {
      acl.writeUInt16LE(tag!, 4 + i * 8);
      acl.writeUInt16LE(perm!, 6 + i * 8);
      acl.writeUInt32LE(0xffffffff, 8 + i * 8);
    });
    try {
      setAttributeSync(out, 'system.posix_acl_default', acl);
    } catch {
      return; // no ACLs on this file system
    }
    writeFileSync(path.join(out, 'probe'), '');
    expect(statSync(path.join(out, 'probe')).mode & 0o777).toBe(0o600); // the ACL is in force
    rmSync(path.join(out, 'probe'));
    sb.ok(['restore', 'latest', out]);
    expect(diffTrees(snapshotTree(src), snapshotTree(path.join(out, src)))).toEqual([]);
  });

  it('a flipped byte in the middle of a coalesced range fails only the damaged file, named; its neighbours are restored', async () => {
    const victim = path.join(src, 'd23', 's1', 'f5.bin');
    const repoCopy = sb.path('repo-damaged');
    cpSync(sb.repo, repoCopy, { recursive: true });
    const repo = await openRepository({ location: repoCopy, password: async () => Buffer.from(sb.password!), cacheDir: sb.path('cache-damaged') });
    let offset: number;
    let pack: string;
    try {
      const snap = (await repo.listSnapshots()).pop()!;
      const entry = await findEntry(repo, snap, victim);
      expect(entry.chunks).toHaveLength(1);
      const loc = (await repo.lookup(entry.chunks![0]!))!;
      pack = loc.packId;
      // Blobs of other files lie close on both sides: the restore reads them with the victim in one range.
      const neighbours = [...(await repo.blobIndex()).entries()].filter((e) => e.loc.packId === loc.packId && e.loc.offset !== loc.offset);
      expect(neighbours.some((e) => e.loc.offset < loc.offset && loc.offset - e.loc.offset < READ_GAP_MAX)).toBe(true);
      expect(neighbours.some((e) => e.loc.offset > loc.offset && e.loc.offset - loc.offset < READ_GAP_MAX)).toBe(true);
      offset = loc.offset + Math.floor(loc.storedLength / 2);
    } finally {
      await repo.close();
    }
    flipByte(path.join(repoCopy, packObjectName(pack)), offset);
    const r = sb.run(['restore', 'latest', sb.path('out-damaged'), '--json'], { env: { SNAP_REPO: repoCopy } });
    expect(r.code, r.stderr).toBe(1);
    // Restore saves everything it can (issue 12): the victim is listed, every other file is written.
    const doc = JSON.parse(r.stdout);
    expect(doc.failed_files).toHaveLength(1);
    expect(doc.failed_files[0].path).toBe(victim);
    expect(doc.failed_files[0].reason).toContain('fails authentication');
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toContain(victim);
    // Only the victim is named: no other file path appears.
    expect(r.stderr.replace(victim, '')).not.toMatch(/\/f\d+\.(bin|json)/);
    expect(existsSync(path.join(sb.path('out-damaged'), victim))).toBe(false);
    for (const name of readdirSync(path.dirname(victim)).filter((n) => n !== path.basename(victim))) {
      const neighbour = path.join(path.dirname(victim), name);
      expect(readFileSync(path.join(sb.path('out-damaged'), neighbour)).equals(readFileSync(neighbour))).toBe(true);
    }
  });

  it('SIGINT stops a restore of many small files promptly with exit 130', async () => {
    const many = sb.path('many');
    for (let d = 0; d < 100; d++) {
      mkdirSync(path.join(many, `m${d}`), { recursive: true });
      for (let f = 0; f < 100; f++) writeFileSync(path.join(many, `m${d}`, `x${f}`), createHash('sha256').update(`${d}/${f}`).digest('hex').repeat(20 + f));
    }
    sb.ok(['create', many]);
    const target = sb.path('out-interrupted');
    const child = sb.spawn(['restore', 'latest', target, '--json']);
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    let sentAt: number | undefined;
    const result = await new Promise<{ code: number | null }>((resolve) => {
      const poll = setInterval(() => {
        // Once some files are written: batches are in flight.
        if (sentAt === undefined && countFiles(target) > 200) {
          sentAt = Date.now();
          child.kill('SIGINT');
        }
      }, 5);
      child.on('close', (code) => {
        clearInterval(poll);
        resolve({ code });
      });
    });
    expect(sentAt, `the restore ended before it was signalled: ${stderr}`).toBeDefined();
    expect(result.code, stderr).toBe(130);
    expect(Date.now() - sentAt!).toBeLessThan(5_000);
    expect(stderr.trimEnd().split('\n').pop()).toBe('snap: interrupted');
    expect(readdirSync(path.join(sb.repo, 'locks'))).toEqual([]);
    // The batches being written when the workers stopped leave no temporary files behind.
    expect(readdirSync(target, { recursive: true, encoding: 'utf8' }).filter((n) => path.basename(n).startsWith('.snap-restore-'))).toEqual([]);
  });
});

function countFiles(dir: string): number {
  try {
    return readdirSync(dir, { recursive: true }).length;
  } catch {
    return 0;
  }
}
