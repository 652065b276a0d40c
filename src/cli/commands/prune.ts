import type { Command } from 'commander';
import { isNoop } from '../../maintenance/forget/planForget.js';
import { DEFAULT_MAX_UNUSED, parseMaxUnused, parseSize, type PrunePolicy } from '../../maintenance/prune/planPrune.js';
import { pruneRepository, type PruneProgress, type PruneReport } from '../../maintenance/prune/pruneRepository.js';
import type { CliContext } from '../context.js';
import { InvalidArgumentError } from '../../errors.js';
import { lockWithoutSpace, type NoSpaceRecovery } from '../../repository/lockNoSpace.js';
import type { RepositoryLock } from '../../repository/lock.js';
import type { Repository } from '../../repository/repository.js';
import { localTime, printJson, size, table } from '../output.js';
import { retentionSummary } from '../../maintenance/prune/retained.js';
import { addPolicyOptions, forgetRequest, printGroups, printHeld, type PolicyCliOptions } from './forget.js';
import { parseDuration } from '../context.js';
import type { Run } from './registry.js';

interface PruneCliOptions extends PolicyCliOptions {
  maxUnused: string;
  maxRepackSize?: string;
  verbose?: boolean;
  unsafeRecoverNoFreeSpace?: string;
  instantDelete?: boolean;
  grace: string;
}

const PHASE_LABEL: Record<PruneProgress['phase'], string> = {
  walk: 'finding used blobs: trees',
  scan: 'reading index files',
  repack: 'repacking packs',
  index: 'writing index',
  'delete-index': 'deleting old index files',
  'delete-packs': 'deleting packs',
};
const PHASE_UNIT: Record<PruneProgress['phase'], string> = {
  walk: 'trees', scan: 'index files', repack: 'packs', index: 'packs', 'delete-index': 'index files', 'delete-packs': 'packs',
};

export function registerPrune(program: Command, run: Run): void {
  addPolicyOptions(
    program
      .command('prune')
      .description('apply a retention policy if given, then delete data no snapshot references (repacking partly used packs)'),
  )
    .option('--max-unused <limit>', "unused space to tolerate: a percentage (restic's meaning), a size such as 100M, or 'unlimited'", '5%')
    .option('--max-repack-size <size>', 'repack at most this many bytes of packs (e.g. 500M, 2G)')
    .option('-v, --verbose', 'list the decision for every pack')
    .option('--unsafe-recover-no-free-space <repository-id>', 'UNSAFE, read docs/operations.md first: on a full repository, make room for the lock by deleting staged files and unused packs; no repacking')
    .option('--instant-delete', 'delete unused packs at once under an exclusive lock (no backup may run: single-user repositories)')
    .option('--grace <duration>', 'how long a condemned pack waits before a later prune deletes it; no backup may run longer (e.g. 24h)', '24h')
    .action(run(async (ctx: CliContext, opts: unknown) => pruneCommand(ctx, opts as PruneCliOptions)));
}

async function pruneCommand(ctx: CliContext, o: PruneCliOptions): Promise<void> {
  const policy: PrunePolicy = {
    maxUnused: o.maxUnused ? parseMaxUnused(o.maxUnused) : DEFAULT_MAX_UNUSED,
    maxRepackBytes: o.maxRepackSize !== undefined ? parseSize(o.maxRepackSize, '--max-repack-size') : undefined,
  };
  const forget = forgetRequest(o, []);
  const dryRun = Boolean(o.dryRun);
  // Repacking writes before it frees: the recovery only deletes.
  if (o.unsafeRecoverNoFreeSpace !== undefined) policy.maxRepackBytes = 0;
  // Two-phase prune (the default) deletes only packs condemned longer ago than the grace period,
  // so it runs beside backups; --instant-delete deletes at once and must exclude every writer (so
  // does the no-space recovery, which is there to free space now).
  const instant = Boolean(o.instantDelete) || o.unsafeRecoverNoFreeSpace !== undefined;
  const graceMs = parseDuration(o.grace ?? '24h', '--grace');
  let recovery: NoSpaceRecovery | undefined;
  const withPruneLock = <T>(fn: (repo: Repository, lock: RepositoryLock) => Promise<T>): Promise<T> =>
    o.unsafeRecoverNoFreeSpace === undefined
      ? ctx.withRepo(instant ? 'exclusive' : 'shared', fn)
      : ctx.withRepo('none', async (repo) => {
          if (o.unsafeRecoverNoFreeSpace !== repo.config.id) {
            throw new InvalidArgumentError(`--unsafe-recover-no-free-space: give this repository's id (${repo.config.id}) to confirm`);
          }
          return ctx.withLock(repo, true, (lock) => fn(repo, lock), async (opts) => {
            const r = await lockWithoutSpace(repo, opts, () => unusedPacks(repo, policy));
            recovery = r.recovery;
            return r.lock;
          });
        });
  await withPruneLock(async (repo, lock) => {
    const view = ctx.progress(dryRun ? 'prune (dry run)' : 'prune');
    let report: PruneReport;
    try {
      report = await pruneRepository(repo, {
        forget: isNoop(forget) ? undefined : forget,
        policy,
        dryRun,
        checkLock: () => lock.assertHeld(),
        instant,
        graceMs,
        signal: ctx.signal,
        onProgress: (p) => view.update({ files: p.done, unit: PHASE_UNIT[p.phase], bytes: p.bytes, current: PHASE_LABEL[p.phase] }),
      });
    } finally {
      view.stop();
    }
    if (ctx.json) {
      printJson({ ...pruneDocument(report), ...(recovery ? { no_space_recovery: { leftover_files_removed: recovery.leftovers.files, packs_deleted_first: recovery.packsDeleted } } : {}) });
      return;
    }
    if (recovery) ctx.say(`made room for the lock: removed ${recovery.leftovers.files} staged file(s) and ${recovery.packsDeleted.length} unused pack(s) first`);
    printReport(ctx, report, Boolean(o.verbose));
  });
}

/** Packs with no used blob, largest first (what the recovery may delete before it has a lock). */
async function unusedPacks(repo: Repository, policy: PrunePolicy): Promise<string[]> {
  const plan = (await pruneRepository(repo, { policy, dryRun: true })).plan;
  return plan.packs.filter((p) => p.state === 'indexed' && p.usedBlobs === 0 && p.size > 0).sort((a, b) => b.size - a.size).map((p) => p.id);
}

export function pruneDocument(r: PruneReport): Record<string, unknown> {
  const count = (action: string) => r.plan.packs.filter((p) => p.action === action).length;
  return {
    snapshots_removed: r.snapshotsRemoved,
    packs_deleted: r.outcome ? r.outcome.packsDeleted : count('delete'),
    packs_rewritten: r.outcome ? r.outcome.packsRewritten : count('repack'),
    packs_written: r.outcome ? r.outcome.packsWritten : undefined,
    bytes_freed: r.bytesFreed,
    bytes_after: r.bytesAfter,
    used_bytes: r.plan.usedBytes,
    unused_bytes_before: r.plan.unusedBytesBefore,
    unused_bytes_after: r.plan.unusedBytesAfter,
    max_unused_bytes: Number.isFinite(r.plan.maxUnusedBytes) ? r.plan.maxUnusedBytes : null,
    dry_run: r.dryRun,
    leftover_files_removed: r.leftovers.files,
    leftover_bytes_removed: r.leftovers.bytes,
    instant_delete: r.instant,
    packs_condemned: r.condemnedNow,
    packs_condemned_waiting: r.condemnedWaiting,
    // S3 Object Lock: what retention holds back and when its space comes free (retained.ts).
    retention: { snapshots_held: r.forget?.held ?? [], ...retentionSummary(r.plan) },
    packs: r.plan.packs.map((p) => ({ id: p.id, action: p.action, reason: p.reason, unused_bytes: p.unusedBytes, size: p.size, ...(p.retainedUntil ? { retained_until: p.retainedUntil } : {}) })),
  };
}

function printReport(ctx: CliContext, r: PruneReport, verbose: boolean): void {
  const would = r.dryRun ? 'would ' : '';
  if (r.forget) {
    printGroups(ctx, r.forget.groups, r.dryRun);
    printHeld(ctx, r.forget.held);
    ctx.say(`${would}remove ${r.forget.remove.length} snapshot(s), keep ${r.forget.remaining.length}`);
  }
  const packs = r.plan.packs;
  const by = (a: string) => packs.filter((p) => p.action === a);
  const bytes = (list: typeof packs) => list.reduce((n, p) => n + p.size, 0);
  if (verbose && packs.length > 0) {
    ctx.say(table([['Pack', 'Action', 'Unused', 'Reason'], ...packs.map((p) => [p.id.slice(0, 12), p.action, size(p.unusedBytes), p.reason])], [2]));
  }
  const plan = r.plan;
  ctx.say(
    table([
      ['', 'packs', 'size'],
      [`${would}delete`, String(by('delete').length), size(bytes(by('delete')))],
      [`${would}repack`, String(by('repack').length), size(bytes(by('repack')))],
      ...(r.instant ? [] : [[`${would}condemn`, String(by('condemn').length), size(bytes(by('condemn')))]]),
      ['keep', String(by('keep').length), size(bytes(by('keep')))],
    ], [1, 2]),
  );
  const limit = Number.isFinite(plan.maxUnusedBytes) ? size(plan.maxUnusedBytes) : 'unlimited';
  ctx.say(`used data ${size(plan.usedBytes)}; unused ${size(plan.unusedBytesBefore)} before, ${size(plan.unusedBytesAfter)} after (limit ${limit})`);
  const held = retentionSummary(plan);
  if (held.packs > 0) {
    ctx.say(`S3 Object Lock retains ${held.packs} pack(s) prune would free (${size(held.bytes)}, ${size(held.unused_bytes)} unused): their space comes free from ${localTime(held.first_free!)}${held.last_free !== held.first_free ? ` to ${localTime(held.last_free!)}` : ''}, at a prune after that`);
  }
  if (r.condemnedWaiting > 0) ctx.say(`${r.condemnedWaiting} condemned pack(s) wait for their grace period (a later prune deletes them)`);
  if (r.leftovers.files > 0) ctx.say(`removed ${r.leftovers.files} file(s) staged by interrupted commands (${size(r.leftovers.bytes)})`);
  if (plan.nothingToDo) ctx.say('nothing to prune');
  else ctx.say(`${r.dryRun ? 'would free' : 'freed'} ${size(r.bytesFreed)}; ${size(r.bytesAfter)} of packs ${r.dryRun ? 'would remain' : 'remain'}`);
}
