// The one Object Lock rule of prune: a pack still under retention (S3 Object Lock) is neither deleted
// nor repacked, whatever the plan said, and its reason says from when its space can be freed. Deleting
// it would only add a delete marker (the locked version stays and is billed), and repacking would
// store its used blobs a second time. Called by the planner's caller on the finished plan.

import type { Backend } from '../../backend/backend.js';
import { packObjectName } from '../../pack/packFormat.js';
import type { PrunePlan } from './planPrune.js';

export async function holdRetainedPacks(plan: PrunePlan, backend: Backend, now = new Date()): Promise<PrunePlan> {
  if (!backend.retainedUntil || !(await backend.objectLockEnabled?.())) return plan;
  let { deleteBytes, repackBytes, repackUsedBytes, unusedBytesAfter } = plan;
  const packs = [];
  for (const d of plan.packs) {
    if (d.action === 'keep' || d.state === 'missing') {
      packs.push(d);
      continue;
    }
    const until = await backend.retainedUntil(packObjectName(d.id));
    if (!until || until <= now) {
      packs.push(d);
      continue;
    }
    if (d.action === 'delete') deleteBytes -= d.size;
    else {
      repackBytes -= d.size;
      repackUsedBytes -= d.usedBytes;
    }
    unusedBytesAfter += d.unusedBytes;
    packs.push({ ...d, action: 'keep' as const, reason: `retained (Object Lock) until ${until.toISOString()}: its ${d.action} and space wait until then` });
  }
  return { ...plan, packs, deleteBytes, repackBytes, repackUsedBytes, unusedBytesAfter, nothingToDo: packs.every((d) => d.action === 'keep') };
}
