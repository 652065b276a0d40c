// maintenance/check owns `snap check`: the structure walk (walkSnapshots.ts), the index files read as
// the truth (indexTruth.ts), reading packs (readData.ts, readDataSubset.ts) and their verification times.
//
// `snap check`: is every snapshot restorable from what the repository holds?
//   1. snapshot records load (listed first: a snapshot written while check runs needs only index
//      files written before it, which step 2 then sees);
//   2. every index file loads — into scratch tables, so the LMDB cache cannot hide anything;
//   3. every pack the index names exists, and every entry lies inside its pack (listed after the
//      index: a pack is durable before the index naming it, invariant 1). Packs no index names are a
//      note: a backup running beside check writes its packs before its index;
//   4. with --read-data*, the selected packs are read and every blob re-hashed (readData.ts);
//   5. every snapshot's trees are walked and every chunk looked up (walkSnapshots.ts); damage found in
//      3 and 4 is traced there to the files that use it.
// Memory stays bounded: blob ids live in scratch LMDB tables; only per-pack summaries and the list
// of damaged blobs are held in memory.

import { retentionNotes } from '../../backend/retentionNotes.js';
import { TAG_BYTES } from '../../crypto/index.js';
import { IntegrityError, NotFoundError, UnsupportedFormatError } from '../../errors.js';
import { encodePackHeader, HEADER_ENTRY_BYTES, HEADER_LENGTH_BYTES, packIdOf, packNames } from '../../pack/packFormat.js';
import type { Repository } from '../../repository/repository.js';
import type { Snapshot } from '../../repository/snapshotRecord.js';
import type { SnapshotId } from '../../ids.js';
import { loadIndexTruth, type IndexTruth } from './indexTruth.js';
import { readData } from './readData.js';
import { selectPacks, type DataSubset, type PackSize } from './readDataSubset.js';
import { ScratchDb } from '../../scratch/scratchDb.js';
import { checkError, type CheckError, type CheckErrorKind, type CheckProgress, type CheckResult } from './types.js';
import { VerificationRecord } from './verificationRecord.js';
import { SnapshotWalker, type DamagedBlob } from './walkSnapshots.js';

/** Errors listed in full; beyond this they are counted (a wholly lost repository need not print millions). */
export const MAX_ERRORS = 10_000;
/** Packs stat'ed at once. */
const STAT_CONCURRENCY = 16;
/** Pack ids named in the note about packs no index file names. */
const NOTE_PACK_IDS = 5;
export const RECENT_DAYS = 30;
const DAY_MS = 86_400_000;

export interface CheckOptions {
  /** Read packs too: all of them, or a subset. */
  readData?: DataSubset;
  signal?: AbortSignal;
  progress?: (p: CheckProgress) => void;
  /** The clock (tests). */
  now?: () => number;
}

export async function checkRepository(repo: Repository, opts: CheckOptions = {}): Promise<CheckResult> {
  const now = opts.now ?? Date.now;
  const errors: CheckError[] = [];
  let overflow = 0;
  const report = (e: CheckError) => {
    if (errors.length < MAX_ERRORS) errors.push(e);
    else overflow++;
  };
  const notes: string[] = [];
  const result: CheckResult = {
    ok: false, errors, notes, snapshots: 0, packs: 0, chunks_checked: 0, trees_checked: 0, packs_read: 0, blobs_read: 0, bytes_read: 0,
  };
  const scratch = ScratchDb.open(repo.cacheDir, 'check');
  try {
    opts.progress?.({ phase: 'index' });
    const snapshots = await loadSnapshots(repo, report);
    await checkAudit(repo, report, notes);
    const truth = await loadIndexTruth(repo, scratch, report, opts.signal);
    opts.progress?.({ phase: 'packs' });
    const packs = await statPacks(repo);
    result.packs = packs.length;
    const damaged = new Map<string, DamagedBlob>();
    checkPackBounds(repo, truth, packs, damaged, report);
    noteUnindexedPacks(truth, packs, notes);
    notes.push(...(await retentionNotes(repo.backend)));

    if (opts.readData) {
      const record = VerificationRecord.open(repo.cacheDir);
      try {
        record.retainOnly(new Set(packs.map((p) => p.id)));
        const chosen = selectPacks(packs, opts.readData, (id) => record.lastVerified(id));
        const stats = await readData(repo, truth, chosen, damaged, report, notes, record, {
          signal: opts.signal, progress: opts.progress, now,
        });
        result.packs_read = stats.packsRead;
        result.blobs_read = stats.blobsRead;
        result.bytes_read = stats.bytesRead;
        notes.push(recentCoverage(packs, record, now()));
      } finally {
        await record.close();
      }
    }

    opts.progress?.({ phase: 'snapshots' });
    const walker = new SnapshotWalker(repo, truth, scratch, damaged, report, opts.signal);
    for (const s of snapshots) await walker.walk(s);
    walker.finish(notes);
    result.snapshots = snapshots.length;
    result.chunks_checked = walker.chunksChecked;
    result.trees_checked = walker.treesChecked;
  } finally {
    await scratch.close();
  }
  if (overflow) notes.push(`${overflow} more error(s) were found but not listed (the first ${MAX_ERRORS} are)`);
  result.ok = errors.length === 0;
  return result;
}

async function loadSnapshots(repo: Repository, report: (e: CheckError) => void): Promise<Snapshot[]> {
  const out: Snapshot[] = [];
  for (const id of await repo.listSnapshotIds()) {
    try {
      out.push(await repo.loadSnapshot(id as SnapshotId));
    } catch (e) {
      if (!(e instanceof IntegrityError || e instanceof UnsupportedFormatError || e instanceof NotFoundError || e instanceof SyntaxError)) throw e;
      report(checkError('snapshot_unreadable', `snapshot ${id} cannot be read: ${(e as Error).message}`, { snapshot: id }));
    }
  }
  return out.sort((a, b) => Date.parse(a.time) - Date.parse(b.time) || (a.id < b.id ? -1 : 1));
}

/** The audit log's chain and rollback detection (repository/rollback.ts): errors, not notes. */
async function checkAudit(repo: Repository, report: (e: CheckError) => void, notes: string[]): Promise<void> {
  const audit = await repo.auditFindings();
  for (const f of audit.errors) {
    const snapshot = f.object.startsWith('snapshots/') ? f.object.slice('snapshots/'.length) : null;
    report(checkError(f.kind as CheckErrorKind, f.message, { snapshot }));
  }
  notes.push(...audit.notes);
}

async function statPacks(repo: Repository): Promise<PackSize[]> {
  const names = packNames(await repo.backend.list('data/'));
  const out: PackSize[] = [];
  for (let i = 0; i < names.length; i += STAT_CONCURRENCY) {
    const batch = names.slice(i, i + STAT_CONCURRENCY);
    const sizes = await Promise.all(batch.map((n) => repo.backend.stat(n)));
    batch.forEach((n, j) => {
      const id = packIdOf(n);
      const st = sizes[j];
      // A name that is not data/<xx>/<id> is not a pack this program wrote.
      if (st && id) out.push({ id, size: st.size });
    });
  }
  return out;
}

/** Every pack the index names exists, and every entry lies between the salt and the header. */
function checkPackBounds(repo: Repository, truth: IndexTruth, packs: PackSize[], damaged: Map<string, DamagedBlob>, report: (e: CheckError) => void): void {
  const sizes = new Map(packs.map((p) => [p.id, p.size]));
  const prefix = repo.crypt.packPrefixBytes;
  for (const [packId, s] of truth.packs) {
    const size = sizes.get(packId);
    const markAll = (reason: string, test: (offset: number, end: number) => boolean) => {
      let n = 0;
      for (const [hex, { loc }] of truth.entriesOfPack(packId)) {
        if (!test(loc.offset, loc.offset + loc.storedLength)) continue;
        n++;
        if (!damaged.has(hex)) damaged.set(hex, { pack: packId, reason });
      }
      return n;
    };
    if (size === undefined) {
      markAll('its pack is missing', () => true);
      report(checkError('pack_missing', `pack ${packId} is missing; the index places ${s.count} blob(s) in it`, { pack: packId }));
      continue;
    }
    // The header holds one entry per blob, so it is at least this long (more if the index lacks some).
    const headerBytes = encodePackHeader([]).length + s.count * HEADER_ENTRY_BYTES + (repo.crypt.encrypted ? TAG_BYTES : 0);
    const limit = size - HEADER_LENGTH_BYTES - headerBytes;
    if (s.maxEnd <= limit && s.minOffset >= prefix) continue;
    const n = markAll(`it lies outside its pack of ${size} bytes (truncated?)`, (off, end) => off < prefix || end > limit);
    report(
      checkError(
        'index_out_of_bounds',
        `pack ${packId} has ${size} bytes, too few for the ${s.count} blob(s) the index places in it: ${n} of them lie past its end (truncated pack?)`,
        { pack: packId },
      ),
    );
  }
}

function noteUnindexedPacks(truth: IndexTruth, packs: PackSize[], notes: string[]): void {
  const loose = packs.filter((p) => !truth.packs.has(p.id));
  if (loose.length === 0) return;
  const bytes = loose.reduce((n, p) => n + p.size, 0);
  const ids = loose.slice(0, NOTE_PACK_IDS).map((p) => p.id.slice(0, 8)).join(', ');
  notes.push(
    `${loose.length} pack(s) (${bytes} bytes) are not named by any index file (${ids}${loose.length > NOTE_PACK_IDS ? ', …' : ''}): ` +
      `a backup running now writes its packs before its index; otherwise 'snap repair index' indexes them, or prune removes them`,
  );
}

function recentCoverage(packs: PackSize[], record: VerificationRecord, nowMs: number): string {
  const total = packs.reduce((n, p) => n + p.size, 0);
  const since = nowMs - RECENT_DAYS * DAY_MS;
  let recent = 0;
  for (const p of packs) if ((record.lastVerified(p.id) ?? -Infinity) >= since) recent += p.size;
  const pct = total ? (100 * recent) / total : 100;
  return `verified in the last ${RECENT_DAYS} days: ${recent} of ${total} pack bytes (${pct.toFixed(1)} %)`;
}
