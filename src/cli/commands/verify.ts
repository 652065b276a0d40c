import type { Command } from 'commander';
import { selectSnapshot, splitSelector } from '../../repository/selectSnapshot.js';
import { verifyDir } from '../../restorer/verifyDir.js';
import { EXIT } from '../errorTable.js';
import { printJson, table } from '../output.js';
import { addSnapshotFilterOptions, snapshotFilter, type SnapshotFilterCliOptions } from '../snapshotOptions.js';
import type { CliContext } from '../context.js';
import type { Run } from './registry.js';

export function registerVerify(program: Command, run: Run): void {
  const cmd = program
    .command('verify')
    .description(
      'compare a directory on disk with a snapshot: content by hash, and type, size, mode, mtime (to the µs), symlink target, ' +
        'owner (when root); lists every difference (missing, extra, content, size, type, mode, mtime, link, owner) and exits 1 if any',
    )
    .argument('<snapshot>', "snapshot selector, optionally with :<path> (default path: the snapshot's one backed-up path, else /)")
    .argument('<dir>', 'the directory to compare');
  addSnapshotFilterOptions(cmd, 'latest')
    .action(run(async (ctx: CliContext, selector: unknown, dir: unknown, opts: unknown) => {
      const o = opts as SnapshotFilterCliOptions;
      const { snapshot: sel, subpath } = splitSelector(selector as string);
      return ctx.withRepo('shared', async (repo) => {
        const snap = await selectSnapshot(repo, sel, snapshotFilter(o));
        const view = ctx.progress('verify');
        let result;
        try {
          result = await verifyDir(repo, snap, subpath, dir as string, {
            progress: (p) => view.update({ files: p.files, bytes: p.bytes, current: p.current }),
            signal: ctx.signal,
          });
        } finally {
          view.stop();
        }
        if (ctx.json) printJson(result);
        else if (result.ok) ctx.say(`ok: ${result.checked} entries match snapshot ${snap.id.slice(0, 8)}`);
        else {
          ctx.say(table([['Kind', 'Path', 'Detail'], ...result.differences.map((d) => [d.kind, d.path, d.detail])]));
          ctx.say(`${result.differences.length} difference${result.differences.length === 1 ? '' : 's'} in ${result.checked} entries checked`);
        }
        if (result.ok) return EXIT.ok;
        ctx.warn(`snap: verify: ${dir as string} differs from snapshot ${snap.id.slice(0, 8)} (${result.differences.length} difference(s))`);
        return EXIT.failure;
      });
    }));
}
