// What the repository holds, pack by pack, read from the index files themselves (the truth; the
// LMDB cache is only a cache of them) and from the listing of data/. Each used blob is claimed by
// exactly one pack: a copy in a pack that is not condemned and stays whole (every blob in it used)
// when there is one, else the best copy by those two, else its first copy in a pack that exists. Any other copy of it (a blob saved twice by two concurrent
// backups, or by a prune killed after writing its new packs) counts as unused, so that the plan may
// drop it. Preferring the whole pack matters: a resumed prune must keep the packs its predecessor
// wrote rather than repack the old ones again into a byte-identical pack of the same name (an
// unencrypted repository has no salt) and then delete that name as a duplicate.
//
// A pack named by several index files (left so by an interrupted prune) is counted once: a pack is
// immutable, so every index file that names it lists the same entries.

import { TAG_BYTES } from '../../crypto/index.js';
import { BlobType } from '../../ids.js';
import { encodePackHeader, HEADER_ENTRY_BYTES, HEADER_LENGTH_BYTES, packIdOf, packObjectName } from '../../pack/packFormat.js';
import { pausePoint } from '../../repository/crashPoint.js';
import type { Repository } from '../../repository/repository.js';
import type { SortedIds } from './idSet.js';
import type { PackSummary } from './planPrune.js';


export interface ScannedPack extends PackSummary {
  /** Position in IndexScan.packs; what `claims` refers to. */
  ordinal: number;
  /** The index files that name this pack. */
  indexFiles: string[];
}

export interface IndexScan {
  packs: ScannedPack[];
  byId: Map<string, ScannedPack>;
  indexFiles: string[];
  /** Per used id (position in the SortedIds): the ordinal of the pack whose copy is kept, or -1. */
  claims: Int32Array;
  /** Used ids that no existing pack holds: the repository is damaged and prune must not run. */
  missing: number;
  /** The first few missing ids, hex, for the error message. */
  missingSample: string[];
}

export interface ScanOptions {
  onIndexFile?: (done: number, total: number) => void;
  /** Condemned packs (condemned.ts): a copy elsewhere is preferred to theirs, so they can go. */
  condemned?: ReadonlySet<string>;
}

/** Bytes of a pack file holding `count` blobs of `blobBytes` stored bytes (matches PackWriter.finish). */
export function packFileSize(repo: Repository, count: number, blobBytes: number): number {
  const header = encodePackHeader([]).length + count * HEADER_ENTRY_BYTES + (repo.crypt.encrypted ? TAG_BYTES : 0);
  return repo.crypt.packPrefixBytes + blobBytes + header + HEADER_LENGTH_BYTES;
}

export async function scanIndex(repo: Repository, used: SortedIds, opts: ScanOptions = {}): Promise<IndexScan> {
  // Index files first, data/ second. A writer makes its pack durable before an index file names it
  // (invariant 1), so every pack an index file listed here names is already in data/ when data/ is
  // listed after it. The other order made a concurrent backup's brand-new pack look "missing" (its
  // index file listed, its pack not yet): prune dropped the pack from the index file it then
  // replaced, and the backup's snapshot was left with a root tree no index named.
  const indexFiles = await repo.listIndexFiles();
  await pausePoint('prune-scan-listed');
  const present = new Set<string>();
  for (const name of await repo.backend.list('data/')) {
    const id = packIdOf(name);
    if (id) present.add(id);
  }
  const claims = new Int32Array(used.count).fill(-1);
  // Stored length of the claimed copy (copies of one blob may differ in codec and size).
  const claimedLength = new Uint32Array(used.count);
  // Per pack: how much its copy of a blob is preferred (not condemned: 2, whole: 1).
  const rank: number[] = [];
  const packs: ScannedPack[] = [];
  const byId = new Map<string, ScannedPack>();

  // One index file at a time: memory holds one decoded file, not the whole index.
  for (let f = 0; f < indexFiles.length; f++) {
    const name = indexFiles[f]!;
    for (const p of await repo.loadIndexFile(name)) {
      const known = byId.get(p.packId);
      if (known) {
        if (!known.indexFiles.includes(name)) known.indexFiles.push(name);
        continue;
      }
      // A listing may lag behind a write (an eventually consistent bucket): a pack that the listing
      // lacks is only missing when a direct look agrees. Rare, so one stat each is cheap.
      const exists = present.has(p.packId) || (await repo.backend.stat(packObjectName(p.packId))) !== undefined;
      const pack: ScannedPack = {
        id: p.packId,
        ordinal: packs.length,
        indexFiles: [name],
        state: exists ? 'indexed' : 'missing',
        size: 0,
        blobs: p.entries.length,
        usedBlobs: 0,
        usedBytes: 0,
        unusedBytes: 0,
        hasTree: false,
        hasData: false,
      };
      let stored = 0;
      const positions = p.entries.map((e) => (exists ? used.indexOf(e.id) : -1));
      const isWhole = exists && positions.every((pos) => pos >= 0);
      const myRank = (opts.condemned?.has(p.packId) ? 0 : 2) + (isWhole ? 1 : 0);
      rank.push(myRank);
      for (let i = 0; i < p.entries.length; i++) {
        const e = p.entries[i]!;
        const pos = positions[i]!;
        stored += e.storedLength;
        if (e.type === BlobType.Tree) pack.hasTree = true;
        else pack.hasData = true;
        const holder = pos >= 0 ? claims[pos]! : -1;
        if (pos >= 0 && (holder === -1 || myRank > rank[holder]!)) {
          if (holder !== -1) {
            // Move the claim from a partly used (or condemned) pack to this better one.
            const from = packs[holder]!;
            from.usedBlobs--;
            from.usedBytes -= claimedLength[pos]!;
            from.unusedBytes += claimedLength[pos]!;
          }
          claims[pos] = pack.ordinal;
          claimedLength[pos] = e.storedLength;
          pack.usedBlobs++;
          pack.usedBytes += e.storedLength;
        } else {
          pack.unusedBytes += e.storedLength;
        }
      }
      pack.size = exists ? packFileSize(repo, p.entries.length, stored) : 0;
      packs.push(pack);
      byId.set(pack.id, pack);
    }
    opts.onIndexFile?.(f + 1, indexFiles.length);
  }

  // Packs no index file names: written by a backup or prune that was killed before its index.
  for (const id of [...present].sort()) {
    if (byId.has(id)) continue;
    const st = await repo.backend.stat(packObjectName(id));
    const size = st?.size ?? 0;
    rank.push(0);
    const pack: ScannedPack = {
      id, ordinal: packs.length, indexFiles: [], state: 'unindexed', size,
      blobs: 0, usedBlobs: 0, usedBytes: 0, unusedBytes: size, hasTree: false, hasData: false,
    };
    packs.push(pack);
    byId.set(id, pack);
  }

  let missing = 0;
  const missingSample: string[] = [];
  for (let i = 0; i < claims.length; i++) {
    if (claims[i] !== -1) continue;
    missing++;
    if (missingSample.length < 5) missingSample.push(used.at(i).toString('hex'));
  }
  return { packs, byId, indexFiles, claims, missing, missingSample };
}
