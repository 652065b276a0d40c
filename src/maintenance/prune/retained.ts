// The one Object Lock rule of prune: a pack still under retention (S3 Object Lock) is neither deleted
// nor repacked, whatever the plan said, and its reason says from when its space can be freed. Deleting
// it would only add a delete marker (the locked version stays and is billed), and repacking would
// store its used blobs a second time. Called by the planner's caller on the finished plan.

import type { Backend } from '../../backend/backend.js';
import { mapPool } from '../../pool.js';
import { packObjectName } from '../../pack/packFormat.js';
import type { PackDecision, PrunePlan } from './planPrune.js';

/** Retention requests in flight (one small request per candidate pack). */
const RETENTION_CHECKS = 8;

export async function holdRetainedPacks(plan: PrunePlan, backend: Backend, now = new Date()): Promise<PrunePlan> {
  if (!backend.retainedUntil || !(await backend.objectLockEnabled?.())) return plan;
  const candidates = plan.packs.filter((d) => d.action !== 'keep' && d.state !== 'missing');
  const until = new Map<string, Date>();
  await mapPool(candidates, RETENTION_CHECKS, async (d) => {
    const u = await backend.retainedUntil!(packObjectName(d.id));
    if (u && u > now) until.set(d.id, u);
  });
  if (until.size === 0) return plan;
  let { deleteBytes, repackBytes, repackUsedBytes, unusedBytesAfter } = plan;
  const packs: PackDecision[] = plan.packs.map((d) => {
    const u = until.get(d.id);
    if (!u) return d;
    if (d.action === 'delete') deleteBytes -= d.size;
    else {
      repackBytes -= d.size;
      repackUsedBytes -= d.usedBytes;
    }
    unusedBytesAfter += d.unusedBytes;
    return { ...d, action: 'keep' as const, retainedUntil: u.toISOString(), reason: `retained (Object Lock) until ${u.toISOString()}: its ${d.action} and space wait until then` };
  });
  return { ...plan, packs, deleteBytes, repackBytes, repackUsedBytes, unusedBytesAfter, nothingToDo: packs.every((d) => d.action === 'keep') };
}

/** What retention holds back, for the report: packs, their unused bytes, and from when to when they come free. */
export function retentionSummary(plan: PrunePlan): { packs: number; bytes: number; unused_bytes: number; first_free: string | null; last_free: string | null } {
  const held = plan.packs.filter((d) => d.retainedUntil);
  const dates = held.map((d) => d.retainedUntil!).sort();
  return {
    packs: held.length,
    bytes: held.reduce((n, d) => n + d.size, 0),
    unused_bytes: held.reduce((n, d) => n + d.unusedBytes, 0),
    first_free: dates[0] ?? null,
    last_free: dates.at(-1) ?? null,
  };
}
