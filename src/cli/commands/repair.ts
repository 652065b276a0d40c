import type { Command } from 'commander';
import { InvalidArgumentError } from '../../errors.js';
import { repairIndex } from '../../maintenance/repair/repairIndex.js';
import { repairSnapshots } from '../../maintenance/repair/repairSnapshots.js';
import { EXIT } from '../errorTable.js';
import { escapeControl, printJson } from '../output.js';
import type { CliContext } from '../context.js';
import type { Run } from './registry.js';

export function registerRepair(program: Command, run: Run): void {
  const repair = program
    .command('repair')
    .description('repair a damaged repository: rebuild the index, rewrite damaged snapshots')
    .action(run(async () => {
      throw new InvalidArgumentError("repair: say what to repair: 'snap repair index' or 'snap repair snapshots'");
    }));
  repair
    .command('index')
    .description('rebuild the index files from the pack headers')
    .option('--read-data', 'also read every blob and leave out those whose content does not match their id')
    .action(run(async (ctx: CliContext, opts: unknown) => repairIndexCommand(ctx, opts as { readData?: boolean })));
  repair
    .command('snapshots')
    .description('rewrite snapshots that reference missing or damaged blobs, without the damaged files')
    .option('--forget', 'remove the original snapshot records once the repaired ones are written')
    .option('--dry-run', 'list what would be dropped, write nothing')
    .action(run(async (ctx: CliContext, opts: unknown) => repairSnapshotsCommand(ctx, opts as { forget?: boolean; dryRun?: boolean })));
}

async function repairIndexCommand(ctx: CliContext, o: { readData?: boolean }): Promise<number> {
  return ctx.withRepo('exclusive', async (repo) => {
    const view = ctx.progress(o.readData ? 'repair index (read data)' : 'repair index');
    let r;
    try {
      r = await repairIndex(repo, {
        readData: o.readData,
        signal: ctx.signal,
        progress: (p) => view.update({ files: p.packs, unit: 'packs', bytes: p.bytes, totalBytes: p.totalBytes, current: p.current }),
      });
    } finally {
      view.stop();
    }
    if (ctx.json) {
      printJson(r);
      return EXIT.ok;
    }
    for (const p of r.packs_unreadable) process.stdout.write(`pack ${p.pack} not indexed, its header cannot be read: ${escapeControl(p.message)}\n`);
    for (const d of r.dropped) process.stdout.write(`dropped blob ${d.blob} in pack ${d.pack}: ${d.reason}\n`);
    ctx.say(`indexed ${r.blobs} blob(s) in ${r.packs - r.packs_unreadable.length} of ${r.packs} pack(s): wrote ${r.index_files_written} index file(s), removed ${r.index_files_removed}`);
    if (r.blobs_dropped || r.packs_unreadable.length) {
      ctx.say(`${r.blobs_dropped} damaged blob(s) left out, ${r.packs_unreadable.length} unreadable pack(s): run 'snap repair snapshots' to rewrite the snapshots that used them`);
    }
    return EXIT.ok;
  });
}

async function repairSnapshotsCommand(ctx: CliContext, o: { forget?: boolean; dryRun?: boolean }): Promise<number> {
  return ctx.withRepo('exclusive', async (repo, lock) => {
    const r = await repairSnapshots(repo, {
      dryRun: o.dryRun, forget: o.forget, signal: ctx.signal, checkLock: () => lock.assertHeld(),
      onUnreadable: (u) => ctx.warn(`snap: snapshot ${u.id} cannot be read${o.forget && !o.dryRun ? ', removing it' : ' (--forget removes it)'}: ${u.message}`),
    });
    const { unreadable, plan, readable } = r;
    if (ctx.json) {
      const { plan: _plan, readable: _readable, ...doc } = r;
      printJson(doc);
      return EXIT.ok;
    }
    for (const s of r.snapshots) {
      const head = r.dry_run ? `snapshot ${s.id.slice(0, 8)} would be rewritten` : `snapshot ${s.id.slice(0, 8)} rewritten as ${s.new_id!.slice(0, 8)}`;
      ctx.say(`${head}${r.forgotten.includes(s.id) ? ' (original removed)' : ''}; dropped:`);
      for (const p of s.dropped) process.stdout.write(`  ${escapeControl(p)}\n`);
    }
    for (const id of r.forgotten) if (unreadable.some((u) => u.id === id)) ctx.say(`snapshot ${id.slice(0, 8)} (unreadable) removed`);
    ctx.say(
      plan.repairs.length === 0
        ? `all ${readable} snapshot(s) are whole; nothing to repair`
        : `${plan.repairs.length} of ${readable} snapshot(s) ${r.dry_run ? 'would be' : 'were'} rewritten, ${plan.intact} whole`,
    );
    return EXIT.ok;
  });
}
