import type { Command } from 'commander';
import { planForget, type ForgetPlan, type ForgetRequest } from '../../maintenance/forget/planForget.js';
import { executeForget } from '../../maintenance/forget/executeForget.js';
import { DEFAULT_GROUP_BY, describeGroupKey, parseGroupBy, parseKeepCount, type GroupPlan, type RetentionPolicy } from '../../maintenance/retention/index.js';
import type { CliContext } from '../context.js';
import { addSnapshotFilterOptions, snapshotFilter, type SnapshotFilterCliOptions } from '../snapshotOptions.js';
import { localTime, printJson, table } from '../output.js';
import { collect, type Run } from './registry.js';

/** The --keep-* and snapshot filter options that forget and prune share. */
export interface PolicyCliOptions extends SnapshotFilterCliOptions {
  keepLast?: string;
  keepHourly?: string;
  keepDaily?: string;
  keepWeekly?: string;
  keepMonthly?: string;
  keepYearly?: string;
  keepWithin?: string;
  keepTag?: string[];
  groupBy?: string;
  dryRun?: boolean;
}

export function addPolicyOptions(cmd: Command): Command {
  cmd
    .option('--keep-last <n>', 'keep the n newest snapshots')
    .option('--keep-hourly <n>', 'keep the newest snapshot of each of the n latest hours that have one')
    .option('--keep-daily <n>', 'keep the newest snapshot of each of the n latest days that have one')
    .option('--keep-weekly <n>', 'keep the newest snapshot of each of the n latest ISO weeks that have one')
    .option('--keep-monthly <n>', 'keep the newest snapshot of each of the n latest months that have one')
    .option('--keep-yearly <n>', 'keep the newest snapshot of each of the n latest years that have one')
    .option('--keep-within <duration>', 'keep snapshots newer than the newest minus this (e.g. 1y5m7d2h)')
    .option('--keep-tag <tags>', 'keep snapshots with these tags (a,b = both; repeatable = any)', collect);
  return addSnapshotFilterOptions(cmd, 'consider')
    .option('--group-by <fields>', "group snapshots by host, paths and/or tags ('' = one group)", DEFAULT_GROUP_BY.join(','))
    .option('--dry-run', 'only print what would be removed');
}

export function forgetRequest(o: PolicyCliOptions, selectors: string[]): ForgetRequest {
  const count = (v: string | undefined, option: string): number | undefined => (v === undefined ? undefined : parseKeepCount(v, option));
  const policy: RetentionPolicy = {
    last: count(o.keepLast, 'keep-last'),
    hourly: count(o.keepHourly, 'keep-hourly'),
    daily: count(o.keepDaily, 'keep-daily'),
    weekly: count(o.keepWeekly, 'keep-weekly'),
    monthly: count(o.keepMonthly, 'keep-monthly'),
    yearly: count(o.keepYearly, 'keep-yearly'),
    within: o.keepWithin,
    keepTags: o.keepTag,
  };
  return {
    selectors,
    policy,
    groupBy: parseGroupBy(o.groupBy ?? DEFAULT_GROUP_BY.join(',')),
    filter: snapshotFilter(o),
  };
}

/** Per group: the kept snapshots with their reasons, then the removed ones. */
export function printGroups(ctx: CliContext, groups: GroupPlan[], dryRun: boolean): void {
  for (const g of groups) {
    if (groups.length > 1 || Object.keys(g.key).length > 0) ctx.say(`snapshots of ${describeGroupKey(g.key)}:`);
    if (g.keep.length > 0) {
      ctx.say(`keep ${g.keep.length} snapshot${g.keep.length === 1 ? '' : 's'}:`);
      ctx.say(table([['ID', 'Time', 'Reasons'], ...g.keep.map((k) => [k.id.slice(0, 8), localTime(k.time), k.reasons.join(', ')])]));
    }
    if (g.remove.length > 0) {
      ctx.say(`${dryRun ? 'would remove' : 'remove'} ${g.remove.length} snapshot${g.remove.length === 1 ? '' : 's'}:`);
      ctx.say(table([['ID', 'Time'], ...g.remove.map((r) => [r.id.slice(0, 8), localTime(r.time)])]));
    }
    ctx.say('');
  }
}

/** Records a policy would remove that Object Lock still retains, and from when they can go. */
export function printHeld(ctx: CliContext, held: ForgetPlan['held']): void {
  if (held.length === 0) return;
  const dates = held.map((h) => h.retained_until).sort();
  ctx.say(`${held.length} snapshot${held.length === 1 ? ' is' : 's are'} retained by S3 Object Lock and kept: a forget from ${localTime(dates[0]!)}${dates.length > 1 ? ` (the last from ${localTime(dates.at(-1)!)})` : ''} removes them`);
}

export function registerForget(program: Command, run: Run): void {
  addPolicyOptions(
    program
      .command('forget')
      .description('remove snapshot records, by id or by a retention policy (no data is deleted: run prune for that)')
      .argument('[snapshot...]', 'snapshots to remove (id, unique prefix or latest)'),
  ).action(
    run(async (ctx: CliContext, selectors: unknown, opts: unknown) => {
      const o = opts as PolicyCliOptions;
      const req = forgetRequest(o, selectors as string[]);
      // Removing snapshot records deletes no data: it runs beside backups (shared lock).
      await ctx.withRepo('shared', async (repo, lock) => {
        const plan = await planForget(repo, req);
        const dryRun = Boolean(o.dryRun);
        if (!dryRun) await executeForget(repo, plan.remove.map((r) => r.id), { checkLock: () => lock.assertHeld() });
        if (ctx.json) {
          printJson({ keep: plan.keep, remove: plan.remove, held: plan.held, dry_run: dryRun });
          return;
        }
        printGroups(ctx, plan.groups, dryRun);
        printHeld(ctx, plan.held);
        const n = plan.remove.length;
        ctx.say(`${dryRun ? 'would remove' : 'removed'} ${n} snapshot${n === 1 ? '' : 's'}, ${dryRun ? 'would keep' : 'kept'} ${plan.remaining.length}; run 'snap prune' to free their data`);
      });
    }),
  );
}
