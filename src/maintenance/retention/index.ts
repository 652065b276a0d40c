// maintenance/retention owns the forget policy: given snapshot records (id, time, host, paths,
// tags) and --keep-* options, it decides per group which snapshots stay and why, with restic
// 0.17's semantics (docs/retention.md). It is pure: no repository, no I/O, no printing. The CLI
// loads and filters the records, calls planRetention (or planForgetIds for explicit ids), prints
// the plan and removes the records.

export type {
  PolicySnapshot,
  RetentionPolicy,
  GroupBy,
  GroupByField,
  GroupKey,
  KeepDecision,
  GroupPlan,
  RetentionDuration,
  PlanOptions,
} from './types.js';
export { parseRetentionDuration, formatRetentionDuration } from './duration.js';
export { parseGroupBy, DEFAULT_GROUP_BY, describeGroupKey } from './groupBy.js';
export { isEmptyPolicy, parseKeepCount, UNLIMITED } from './policy.js';
export { planRetention, planForgetIds, NO_POLICY_REASON } from './plan.js';
