// `snap copy [<snapshot>...] --to <location>`: copy snapshots, and only the blobs the target lacks,
// to a second repository. Shared locks on both sides. The target's password comes from
// --to-password-file, SNAP_TO_PASSWORD_FILE, SNAP_TO_PASSWORD, or a prompt on a terminal.

import type { Command } from 'commander';
import { copySnapshots, sharesBlobIds, sharesChunker } from '../../maintenance/copy/copySnapshots.js';
import { addSnapshotFilterOptions, chooseSnapshots, snapshotFilter, type SnapshotFilterCliOptions } from '../snapshotOptions.js';
import type { CliContext } from '../context.js';
import { printJson, size } from '../output.js';
import { passwordSource, TO_PASSWORD } from '../password.js';
import type { Run } from './registry.js';

interface CopyCliOptions extends SnapshotFilterCliOptions {
  to: string;
  toPasswordFile?: string;
}

export function registerCopy(program: Command, run: Run): void {
  const cmd = program
    .command('copy')
    .description('copy snapshots, and only the chunks the target lacks, to another repository')
    .argument('[snapshots...]', 'snapshots to copy (default: all)')
    .requiredOption('--to <location>', 'the target repository: a directory or s3://bucket/prefix')
    .option('--to-password-file <file>', 'password of the target repository (or SNAP_TO_PASSWORD / SNAP_TO_PASSWORD_FILE)');
  addSnapshotFilterOptions(cmd, 'list')
    .action(run(async (ctx: CliContext, selectors: unknown, opts: unknown) => {
      const o = opts as CopyCliOptions;
      await ctx.withRepo('shared', async (src) => {
        const snapshots = await chooseSnapshots(src, selectors as string[], snapshotFilter(o));
        const dst = await ctx.openRepo(o.to, passwordSource(TO_PASSWORD, o.toPasswordFile));
        try {
          await ctx.withLock(dst, false, async (lock) => {
          const view = ctx.progress('copy');
          try {
            const summary = await copySnapshots(src, dst, {
              snapshots,
              signal: ctx.signal,
              beforeSnapshotWrite: () => lock.assertHeld(),
              progress: (p) => view.update({ files: p.snapshotsDone, unit: 'snapshots', bytes: p.bytesCopied, current: p.current }),
            });
            view.stop();
            if (ctx.json) {
              printJson(summary);
              return;
            }
            ctx.say(`copied ${summary.snapshots_copied} snapshot(s) to ${dst.location}, ${summary.snapshots_skipped} already there`);
            ctx.say(`  ${summary.blobs_copied} blobs, ${size(summary.bytes_copied)} (stored ${size(summary.bytes_stored)})`);
            if (!sharesBlobIds(src, dst)) {
              ctx.say('  blob ids re-identified with the target\'s key (the source\'s chunk boundaries are kept)');
            }
            if (!sharesChunker(src, dst)) {
              ctx.warn('note: the repositories chunk files differently; copied data deduplicates less with the target\'s own backups (see init --from-repo)');
            }
          } finally {
            view.stop();
          }
          });
        } finally {
          await dst.close();
        }
      });
    }));
}
