// The one Object Lock rule of forget: a snapshot record still under retention is not removed. On a
// bucket with Object Lock, deleting it would only add a delete marker: `list` would no longer show
// the snapshot while its locked version, and every pack it uses, stays (and is billed) until the
// date; a later "undelete" by the administrator would bring back a record that prune may meanwhile
// have freed the data of. So a policy run keeps it, saying until when, and forgets it on the first
// run after that date; naming it explicitly is refused in one line with the date (planForget).

import type { Backend } from '../../backend/backend.js';
import { mapPool } from '../../pool.js';
import type { GroupPlan } from '../retention/index.js';

/** A record the plan wanted to remove that retention holds. */
export interface HeldSnapshot {
  id: string;
  time: string;
  /** ISO-8601: from this time on the record can be forgotten. */
  retained_until: string;
}

/** HEAD-like retention requests in flight. */
const RETENTION_CHECKS = 8;

/** Until when each record is retained (only the ones still retained at `now`); none without Object Lock. */
export async function retainedRecords(backend: Backend, ids: readonly string[], now: Date): Promise<Map<string, Date>> {
  const out = new Map<string, Date>();
  if (ids.length === 0 || !backend.retainedUntil || !(await backend.objectLockEnabled?.())) return out;
  await mapPool(ids, RETENTION_CHECKS, async (id) => {
    const until = await backend.retainedUntil!(`snapshots/${id}`);
    if (until && until > now) out.set(id, until);
  });
  return out;
}

/** The groups with retained records moved from remove to keep (reason: the date); and the held list. */
export function holdRetained(groups: GroupPlan[], retained: Map<string, Date>): { groups: GroupPlan[]; held: HeldSnapshot[] } {
  const held: HeldSnapshot[] = [];
  if (retained.size === 0) return { groups, held };
  const out = groups.map((g) => {
    const keep = [...g.keep];
    const remove = [];
    for (const r of g.remove) {
      const until = retained.get(r.id);
      if (!until) {
        remove.push(r);
        continue;
      }
      held.push({ id: r.id, time: r.time, retained_until: until.toISOString() });
      keep.push({ id: r.id, time: r.time, reasons: [`retained (Object Lock) until ${until.toISOString()}`] });
    }
    return { ...g, keep, remove };
  });
  return { groups: out, held };
}
