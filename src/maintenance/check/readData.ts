// `check --read-data*`: read the selected packs whole, verify every blob the index places in each one
// (at the index's location: that is what restore reads), compare the pack's own header with the index,
// and check the blobs the index does not name (dead data after a repair: reported as a note, not an
// error, since nothing can use them and prune removes them). A pack in which nothing was wrong gets
// its verification time recorded.

import type { BlobId } from '../../ids.js';
import type { Repository } from '../../repository/repository.js';
import type { IndexTruth } from './indexTruth.js';
import { loadPack, verifyBlobsIn } from './packContent.js';
import type { PackSize } from './readDataSubset.js';
import { checkError, type CheckError, type CheckProgress } from './types.js';
import type { VerificationRecord } from './verificationRecord.js';
import type { DamagedBlob } from './walkSnapshots.js';
import { mapPool } from '../../pool.js';

/** Packs read at once: overlaps reading one with verifying another. */
const PACK_CONCURRENCY = 2;
/** Verification times are written every this many packs, so an interrupted run keeps what it did. */
const RECORD_BATCH = 32;

export interface ReadDataStats {
  packsRead: number;
  blobsRead: number;
  bytesRead: number;
  unindexedBlobs: number;
  unindexedDamaged: number;
}

export async function readData(
  repo: Repository,
  truth: IndexTruth,
  packs: PackSize[],
  damaged: Map<string, DamagedBlob>,
  report: (e: CheckError) => void,
  notes: string[],
  record: VerificationRecord,
  opts: { signal?: AbortSignal; progress?: (p: CheckProgress) => void; now: () => number },
): Promise<ReadDataStats> {
  const stats: ReadDataStats = { packsRead: 0, blobsRead: 0, bytesRead: 0, unindexedBlobs: 0, unindexedDamaged: 0 };
  const totalBytes = packs.reduce((n, p) => n + p.size, 0);
  let verified: string[] = [];
  await mapPool(packs, PACK_CONCURRENCY, async (pack) => {
    const clean = await readOnePack(repo, truth, pack.id, damaged, report, notes, stats);
    stats.packsRead++;
    stats.bytesRead += pack.size;
    if (clean) verified.push(pack.id);
    if (verified.length >= RECORD_BATCH) {
      record.record(verified, opts.now());
      verified = [];
    }
    opts.progress?.({ phase: 'read-data', packs: stats.packsRead, bytes: stats.bytesRead, totalBytes, current: pack.id.slice(0, 8) });
  }, opts.signal);
  record.record(verified, opts.now());
  if (stats.unindexedBlobs > 0) {
    notes.push(
      `${stats.unindexedBlobs} blob(s) in the packs read are not in the index` +
        (stats.unindexedDamaged ? `, ${stats.unindexedDamaged} of them damaged` : '') +
        ': nothing uses them yet (a backup running now indexes its packs when it ends) or any more (left by an interrupted run, dropped by repair); prune removes the latter',
    );
  }
  return stats;
}

/** Verify one pack; true when nothing in it is wrong. */
async function readOnePack(
  repo: Repository,
  truth: IndexTruth,
  packId: string,
  damaged: Map<string, DamagedBlob>,
  report: (e: CheckError) => void,
  notes: string[],
  stats: ReadDataStats,
): Promise<boolean> {
  const indexed = truth.entriesOfPack(packId);
  const pack = await loadPack(repo, packId);
  if (!pack) {
    // Listed a moment ago: only an exclusive command could have removed it, and check holds a shared lock.
    report(checkError('pack_missing', `pack ${packId} vanished while check was reading it`, { pack: packId }));
    for (const [hex] of indexed) if (!damaged.has(hex)) damaged.set(hex, { pack: packId, reason: 'its pack is missing' });
    return false;
  }
  let clean = true;
  const bad = await verifyBlobsIn(repo, pack, [...indexed.values()]);
  stats.blobsRead += indexed.size;
  for (const b of bad) {
    const hex = b.id.toString('hex');
    if (!damaged.has(hex)) damaged.set(hex, { pack: packId, reason: b.reason });
    clean = false;
  }
  if (!pack.header && indexed.size === 0) {
    notes.push(`pack ${packId}: no index file names it and its header cannot be read (${pack.headerError}): nothing can use it; prune removes it`);
    return false;
  }
  if (!pack.header) {
    report(
      checkError(
        'pack_unreadable',
        `pack ${packId}: its header cannot be read (${pack.headerError}); ${indexed.size - bad.length} of its ${indexed.size} indexed blobs still verify, but 'snap repair index' could not index this pack`,
        { pack: packId },
      ),
    );
    return false;
  }
  const inHeader = new Set<string>();
  const unindexed: Array<{ id: BlobId; loc: (typeof pack.header)[number] & { packId: string } }> = [];
  for (const e of pack.header) {
    const hex = e.id.toString('hex');
    inHeader.add(hex);
    const ix = indexed.get(hex);
    if (!ix) {
      unindexed.push({ id: e.id, loc: { ...e, packId } });
      continue;
    }
    const l = ix.loc;
    if (l.offset !== e.offset || l.storedLength !== e.storedLength || l.rawLength !== e.rawLength || l.type !== e.type || l.codec !== e.codec) {
      report(
        checkError(
          'pack_header_mismatch',
          `pack ${packId}: blob ${hex} is at offset ${e.offset} (${e.storedLength} bytes) in the pack header, but the index says offset ${l.offset} (${l.storedLength} bytes)`,
          { pack: packId },
        ),
      );
      clean = false;
    }
  }
  for (const [hex] of indexed) {
    if (inHeader.has(hex)) continue;
    report(checkError('pack_header_mismatch', `pack ${packId}: the index places blob ${hex} in this pack, but its header does not list it`, { pack: packId }));
    clean = false;
  }
  if (unindexed.length) {
    const badUnindexed = await verifyBlobsIn(repo, pack, unindexed);
    stats.blobsRead += unindexed.length;
    stats.unindexedBlobs += unindexed.length;
    stats.unindexedDamaged += badUnindexed.length;
  }
  if (!pack.nameMatches && clean && unindexed.length === 0) {
    // Every byte is covered by a blob or the header, all of which verified: this should not happen.
    report(checkError('pack_header_mismatch', `pack ${packId}: its content does not hash to its name, though every blob and the header verify`, { pack: packId }));
    return false;
  }
  if (!pack.nameMatches && clean) notes.push(`pack ${packId}: its content does not hash to its name, but every indexed blob verifies (damage in blobs nothing uses)`);
  return clean;
}
