// Two-phase prune, pure: turn the plan's deletions into condemnations unless their grace period is
// over. A pack no snapshot uses is first condemned (recorded in condemned/ with the storage's time),
// kept readable and indexed, and only deleted by a prune that finds it still unused after the grace
// period; a condemned pack that a snapshot uses again is recovered (its mark removed). A repacked
// pack is condemned the same way once its blobs are copied. With `instant` (the exclusive-lock mode
// for a repository no backup writes to) everything planned is deleted at once, as before.
// The one safety condition: no backup runs longer than the grace period (create enforces it at its
// commit point, archiver/commitPoint.ts).

import { expired, type Mark } from './condemned.js';
import type { PackDecision, PrunePlan } from './planPrune.js';

export const DEFAULT_GRACE_MS = 24 * 3600_000;

export interface DeferredPlan {
  plan: PrunePlan;
  /** Packs to condemn now (no mark yet, or a recovered pack repacked again). */
  newMarks: string[];
  /** Packs whose marks go: deleted now, used again, or gone from the repository. */
  dropMarks: Set<string>;
  /** Condemned packs still inside their grace period. */
  waiting: number;
}

export interface DeferOptions {
  instant: boolean;
  /** Storage time (condemned.storageNow) taken before the snapshots were listed. */
  now: number;
}

export function deferDeletes(plan: PrunePlan, marks: ReadonlyMap<string, Mark>, opts: DeferOptions): DeferredPlan {
  const newMarks: string[] = [];
  const dropMarks = new Set<string>();
  let waiting = 0;
  const seen = new Set<string>();
  const packs: PackDecision[] = plan.packs.map((d) => {
    seen.add(d.id);
    const mark = marks.get(d.id);
    const until = mark ? new Date(mark.markedAt + mark.graceMs).toISOString() : '';
    if (d.action === 'delete') {
      if (d.state === 'missing' || opts.instant) {
        if (mark) dropMarks.add(d.id);
        return d;
      }
      if (mark && expired(mark, opts.now)) {
        dropMarks.add(d.id);
        return { ...d, reason: `${d.reason}; condemned since ${new Date(mark.markedAt).toISOString()}, grace period over` };
      }
      if (mark) {
        waiting++;
        return { ...d, action: 'keep', reason: `${d.reason}; condemned, deleted by a prune after ${until}` };
      }
      newMarks.push(d.id);
      return { ...d, action: 'condemn', reason: `${d.reason}; condemned now, deleted after the grace period` };
    }
    // keep or repack: the pack has used blobs (or is being emptied into new packs).
    if (mark) dropMarks.add(d.id);
    if (d.action === 'repack' && !opts.instant) newMarks.push(d.id);
    return mark && d.usedBlobs > 0 ? { ...d, reason: `${d.reason}; recovered from condemned (a snapshot uses it again)` } : d;
  });
  for (const id of marks.keys()) if (!seen.has(id)) dropMarks.add(id);
  const deleteBytes = packs.filter((d) => d.action === 'delete').reduce((n, d) => n + d.size, 0);
  const nothingToDo = packs.every((d) => d.action === 'keep') && newMarks.length === 0 && dropMarks.size === 0;
  return { plan: { ...plan, packs, deleteBytes, nothingToDo }, newMarks, dropMarks, waiting };
}
