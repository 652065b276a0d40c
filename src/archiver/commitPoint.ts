// The commit point of a backup: before the snapshot record is written (the moment a backup becomes
// "saved"), confirm that what the snapshot refers to will still be there when the next prune looks.
// Two-phase prune (maintenance/prune/deferDeletes.ts) deletes a condemned pack only after its grace
// period, and only when no snapshot listed after that time uses it. So a snapshot written before the
// grace period of every condemned pack it uses has ended is safe: the deleting prune sees it and
// recovers those packs instead. The check therefore refuses when
//   - a pack the snapshot refers to is gone (an --instant-delete prune that took this backup's lock
//     for stale, or a backup that ran past the grace period), or
//   - a pack it refers to is condemned and its grace period ends within COMMIT_MARGIN: the backup
//     ran (nearly) longer than the grace period, the one thing two-phase prune requires it not to.
// and asks that the lock is still held (the hook below). create runs the check twice: before it writes
// the record, and again after (a create held up in between withdraws its record). Refusing writes no snapshot record; the
// packs uploaded so far stay indexed (the next run reuses them unless a prune removed them first).

import { CommitRefusedError } from '../errors.js';
import type { BlobSaver } from '../repository/blobSaver.js';
import type { Repository } from '../repository/repository.js';
import { loadMarks, storageNow } from '../maintenance/prune/condemned.js';
import { packIdOf } from '../pack/packFormat.js';

/** Time left before a mark's grace period ends that still allows the record to be written. */
const COMMIT_MARGIN_MS = 10 * 60_000;
/** At least this margin whatever the grace: storage times may have whole-second resolution (S3 LastModified). */
const MIN_COMMIT_MARGIN_MS = 2000;

export interface CommitPointOptions {
  /**
   * HOOK (locks): throws when this process's repository lock is no longer held. The CLI passes the
   * lock's check when its lock handle is available to the command; absent, only the data is checked.
   */
  checkLock?: () => Promise<void>;
}

export async function checkCommitPoint(repo: Repository, saver: BlobSaver, opts: CommitPointOptions = {}): Promise<void> {
  await opts.checkLock?.();
  const packs = new Set([...saver.referencedPacks, ...saver.writtenPacks]);
  if (packs.size === 0) return;
  const present = new Set<string>();
  for (const name of await repo.backend.list('data/')) {
    const id = packIdOf(name);
    if (id) present.add(id);
  }
  const gone = [...packs].filter((p) => !present.has(p));
  if (gone.length > 0) {
    throw new CommitRefusedError(
      `${gone.length} pack(s) this backup refers to were deleted while it ran (e.g. ${gone[0]}); ` +
        `no snapshot was written: run the backup again`,
      { pack: gone[0] },
    );
  }
  const marks = await loadMarks(repo);
  const condemned = [...packs].map((p) => marks.byPack.get(p)).filter((m) => m !== undefined);
  if (condemned.length === 0) return;
  const now = await storageNow(repo.backend);
  const late = condemned.filter((m) => now + Math.max(MIN_COMMIT_MARGIN_MS, Math.min(COMMIT_MARGIN_MS, m.graceMs / 10)) >= m.markedAt + m.graceMs);
  if (late.length > 0) {
    const m = late[0]!;
    throw new CommitRefusedError(
      `this backup refers to ${late.length} pack(s) a prune condemned (e.g. ${m.packId}) whose grace period of ` +
        `${Math.round(m.graceMs / 60_000)} min ends ${new Date(m.markedAt + m.graceMs).toISOString()}: the backup ran longer than the ` +
        `grace period allows; no snapshot was written: run it again`,
      { pack: m.packId },
    );
  }
}
