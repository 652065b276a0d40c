// maintenance/forget owns `snap forget`: the plan (this file, over retention/) and its execution
// (executeForget.ts: one audit entry, then the records removed).
//
// Which snapshot records `forget` (and `prune` with --keep-* options) removes: explicit selectors
// (ids, prefixes, `latest`) or a retention policy over the snapshots matching --host/--tag/--path,
// grouped by --group-by. The decision itself is the pure retention planner's
// (maintenance/retention); this resolves selectors and loads the records it needs.

import { InvalidArgumentError, NotFoundError } from '../../errors.js';
import { isRecordDamage, type Repository } from '../../repository/repository.js';
import { matchesFilter, selectSnapshot, type SnapshotFilter } from '../../repository/selectSnapshot.js';
import type { Snapshot } from '../../repository/snapshotRecord.js';
import {
  isEmptyPolicy, planForgetIds, planRetention, type GroupBy, type GroupPlan, type KeepDecision, type PolicySnapshot, type RetentionPolicy,
} from '../retention/index.js';
import { holdRetained, retainedRecords, type HeldSnapshot } from './retainedSnapshots.js';

export interface ForgetRequest {
  /** Snapshot selectors given on the command line; empty for a policy run. */
  selectors: string[];
  policy: RetentionPolicy;
  groupBy: GroupBy;
  filter: SnapshotFilter;
  /** prune: no selector and no policy means "remove nothing" instead of an error. */
  allowEmpty?: boolean;
  now?: Date;
}

export interface ForgetPlan {
  groups: GroupPlan[];
  keep: KeepDecision[];
  remove: Array<{ id: string; time: string }>;
  /** Every snapshot that stays (not only the filtered ones), oldest first. */
  remaining: Snapshot[];
  /** Records the policy would remove that S3 Object Lock still retains: kept (also in `keep`), with their date. */
  held: HeldSnapshot[];
}

/** The time shown for a forgotten record that could not be read. */
export const UNKNOWN_TIME = 'unknown (record unreadable)';

const NO_POLICY_MESSAGE =
  'no policy was given, so no snapshot would be removed: name snapshots, or give --keep-last/-hourly/-daily/-weekly/-monthly/-yearly/-within/-tag';

function policySnapshot(s: Snapshot): PolicySnapshot {
  return { id: s.id, time: s.time, hostname: s.hostname, paths: s.paths, tags: s.tags };
}

/** True when the request removes nothing by construction (prune without a policy). */
export function isNoop(req: ForgetRequest): boolean {
  return req.selectors.length === 0 && isEmptyPolicy(req.policy);
}

export async function planForget(repo: Repository, req: ForgetRequest): Promise<ForgetPlan> {
  const emptyPolicy = isEmptyPolicy(req.policy); // validates every --keep-* value first
  if (req.selectors.length > 0 && !emptyPolicy) {
    throw new InvalidArgumentError('give snapshot ids or a --keep-* policy, not both');
  }
  const all = await repo.listSnapshots();
  let groups: GroupPlan[];
  if (req.selectors.length > 0) {
    const ids: string[] = [];
    const unreadable: string[] = [];
    for (const sel of req.selectors) {
      // A record that cannot be read can still be forgotten by naming it (issue 12): its time is unknown.
      try {
        ids.push((await selectSnapshot(repo, sel, req.filter)).id);
      } catch (e) {
        const bad = (await repo.listSnapshotIds()).filter((id) => id.startsWith(sel));
        if (!isRecordDamage(e) || e instanceof NotFoundError || bad.length !== 1) throw e;
        if (!unreadable.includes(bad[0]!)) unreadable.push(bad[0]!);
      }
    }
    groups = ids.length > 0 || unreadable.length === 0 ? planForgetIds(all.map(policySnapshot), ids) : [];
    if (unreadable.length > 0) groups.push({ key: {}, keep: [], remove: unreadable.map((id) => ({ id, time: UNKNOWN_TIME })) });
  } else if (emptyPolicy) {
    if (!req.allowEmpty) throw new InvalidArgumentError(NO_POLICY_MESSAGE);
    groups = [];
  } else {
    const chosen = all.filter((s) => matchesFilter(s, req.filter));
    groups = planRetention(chosen.map(policySnapshot), req.policy, req.groupBy, { now: req.now });
  }
  const now = req.now ?? new Date();
  const retained = await retainedRecords(repo.backend, groups.flatMap((g) => g.remove.map((r) => r.id)), now);
  if (req.selectors.length > 0 && retained.size > 0) {
    // Named on purpose: refused before anything is removed, with the date it can be (retainedSnapshots.ts).
    const [id, until] = [...retained].sort((a, b) => a[1].getTime() - b[1].getTime()).at(-1)!;
    throw new InvalidArgumentError(
      `snapshot ${id.slice(0, 12)}${retained.size > 1 ? ` (and ${retained.size - 1} more)` : ''} is retained by S3 Object Lock until ${until.toISOString()}: nothing was removed; it can be forgotten from then on`,
    );
  }
  const hold = holdRetained(groups, retained);
  groups = hold.groups;
  const removed = new Set(groups.flatMap((g) => g.remove.map((r) => r.id)));
  return {
    groups,
    keep: groups.flatMap((g) => g.keep),
    remove: groups.flatMap((g) => g.remove),
    remaining: all.filter((s) => !removed.has(s.id)),
    held: hold.held,
  };
}
