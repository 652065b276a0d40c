// What the fuzz harness damages and how. Every choice comes from a seeded generator, and apply()
// returns a description of exactly what it did (file, offsets, masks, lengths), so a failing case
// can be replayed with the same seed (`npm run fuzz -- --replay <spec>`).

import { copyFileSync, existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { appendBytes, packHeaderStart, swapFiles, truncateTo, xorBytes } from '../fixtures/damageRepo.js';
import type { BaseRepo } from './baseRepos.js';

/** mulberry32: small, fast, and the same on every platform. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
export const int = (r: () => number, n: number): number => Math.floor(r() * n);
const pick = <T>(r: () => number, xs: readonly T[]): T => xs[int(r, xs.length)];

export const OBJECT_KINDS = ['config', 'key', 'index', 'snapshot', 'pack-header', 'blob', 'tree-blob', 'lock', 'log', 'cache'] as const;
export type ObjectKind = (typeof OBJECT_KINDS)[number];
export const MUTATIONS = ['bitflip', 'truncate', 'zero', 'append', 'other-kind', 'swap'] as const;
export type Mutation = (typeof MUTATIONS)[number];

/** Object kinds a repository has (an unencrypted one has no key files). */
export function kindsOf(base: { encrypted: boolean }): ObjectKind[] {
  return OBJECT_KINDS.filter((k) => k !== 'key' || base.encrypted);
}

function listDir(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((n) => !n.startsWith('.')).sort();
}

/** Candidate files (absolute) of a kind in a case's copy, and the byte range mutations aim at. */
function targets(kind: ObjectKind, base: BaseRepo, repo: string, cache: string): string[] {
  const inRepo = (sub: string) => listDir(path.join(repo, sub)).map((n) => path.join(repo, sub, n));
  switch (kind) {
    case 'config': return [path.join(repo, 'config')];
    case 'key': return inRepo('keys');
    case 'index': return inRepo('index');
    // The newest snapshot first: it is the one every command below reads.
    case 'snapshot': return [...base.snapshots].reverse().map((id) => path.join(repo, 'snapshots', id));
    case 'pack-header': return [...base.treePacks, ...base.dataPacks].map((p) => path.join(repo, p));
    case 'blob': return base.dataPacks.map((p) => path.join(repo, p));
    case 'tree-blob': return base.treePacks.map((p) => path.join(repo, p));
    case 'lock': return [path.join(repo, 'locks', base.lock.name)];
    case 'log': return inRepo('log');
    case 'cache': return ['index', 'dirs'].map((d) => path.join(cache, base.cacheId, d, 'data.mdb')).filter((f) => existsSync(f));
  }
}

/** [start, end) of the bytes a bit flip aims at: the header of a pack, the blobs of a pack, or all. */
function region(kind: ObjectKind, file: string, encrypted: boolean): [number, number] {
  const size = statSync(file).size;
  if (kind !== 'pack-header' && kind !== 'blob' && kind !== 'tree-blob') return [0, size];
  const headerStart = packHeaderStart(file) ?? size;
  if (kind === 'pack-header') return [headerStart, size];
  return [encrypted ? Math.min(32, headerStart) : 0, headerStart];
}

/** An object of another kind to put under the name (files of the same copy). */
function otherKindFile(kind: ObjectKind, file: string, base: BaseRepo, repo: string, cache: string, r: () => number): string {
  const packs = ['pack-header', 'blob', 'tree-blob'];
  const others = OBJECT_KINDS.filter((k) => k !== kind && k !== 'lock' && k !== 'cache' && (k !== 'key' || base.encrypted))
    .filter((k) => !(packs.includes(kind) && packs.includes(k)));
  const k = pick(r, others);
  return pick(r, targets(k, base, repo, cache).filter((f) => f !== file));
}

/**
 * Install what a kind needs (the captured lock), apply one mutation to one object of that kind, and
 * say what was done. Paths in the description are relative to the case directory.
 */
export function applyMutation(kind: ObjectKind, mutation: Mutation, base: BaseRepo, caseDir: string, r: () => number): string {
  const repo = path.join(caseDir, 'repo');
  const cache = path.join(caseDir, 'cache');
  if (kind === 'lock') {
    mkdirSync(path.join(repo, 'locks'), { recursive: true });
    writeFileSync(path.join(repo, 'locks', base.lock.name), base.lock.bytes);
  }
  const files = targets(kind, base, repo, cache);
  if (files.length === 0) throw new Error(`no ${kind} object in ${repo}`);
  const file = files.length > 1 && r() < 0.3 ? pick(r, files.slice(1)) : files[0];
  const name = path.relative(caseDir, file);
  const size = statSync(file).size;
  switch (mutation) {
    case 'bitflip': {
      const [start, end] = region(kind, file, base.encrypted);
      if (end <= start) return `${name}: bitflip skipped (empty region)`;
      const n = 1 + int(r, 8);
      const offsets = Array.from({ length: n }, () => start + int(r, end - start));
      const masks = offsets.map(() => 1 << int(r, 8));
      xorBytes(file, offsets, masks);
      return `${name} (${size} B): xor ${offsets.map((o, i) => `@${o}^0x${masks[i].toString(16)}`).join(' ')}`;
    }
    case 'truncate': {
      const [start] = region(kind, file, base.encrypted);
      const to = kind === 'pack-header' ? start + int(r, size - start) : int(r, size);
      truncateTo(file, to);
      return `${name}: truncated ${size} -> ${to} B`;
    }
    case 'zero':
      truncateTo(file, 0);
      return `${name}: zero length (was ${size} B)`;
    case 'append': {
      const n = 1 + int(r, 4096);
      const junk = Buffer.alloc(n);
      for (let i = 0; i < n; i++) junk[i] = int(r, 256);
      appendBytes(file, junk);
      return `${name}: appended ${n} junk bytes (first 0x${junk.subarray(0, 4).toString('hex')})`;
    }
    case 'other-kind': {
      const other = otherKindFile(kind, file, base, repo, cache, r);
      copyFileSync(other, file);
      return `${name}: replaced by a copy of ${path.relative(caseDir, other)}`;
    }
    case 'swap': {
      const peers = files.filter((f) => f !== file);
      const other = peers.length > 0 ? pick(r, peers) : otherKindFile(kind, file, base, repo, cache, r);
      swapFiles(file, other);
      return `${name}: swapped with ${path.relative(caseDir, other)}`;
    }
  }
}
