import type { Command } from 'commander';
import { InvalidArgumentError } from '../../errors.js';
import { EntryType } from '../../tree/index.js';
import { findEntry } from '../../restorer/findEntry.js';
import { fileChunks } from '../../restorer/writeFile.js';
import { selectSnapshot, splitSelector } from '../../repository/selectSnapshot.js';
import { addSnapshotFilterOptions, snapshotFilter, type SnapshotFilterCliOptions } from '../snapshotOptions.js';
import type { CliContext } from '../context.js';
import type { Run } from './registry.js';

export function registerDump(program: Command, run: Run): void {
  const cmd = program
    .command('dump')
    .description("write one file's content to stdout")
    .argument('<snapshot>', 'snapshot selector, optionally with :<dir> (then <path> is inside that directory)')
    .argument('<path>', 'path of the file inside the snapshot (or inside <dir>)');
  addSnapshotFilterOptions(cmd, 'latest')
    .action(run(async (ctx: CliContext, selector: unknown, filePath: unknown, opts: unknown) => {
      if (ctx.json) throw new InvalidArgumentError('dump writes raw bytes; --json is not available');
      const o = opts as SnapshotFilterCliOptions;
      await ctx.withRepo('shared', async (repo) => {
        const { snapshot: sel, subpath } = splitSelector(selector as string);
        const snap = await selectSnapshot(repo, sel, snapshotFilter(o));
        const e = await findEntry(repo, snap, subpath ? `${subpath.replace(/\/+$/, '')}/${(filePath as string).replace(/^\/+/, '')}` : (filePath as string));
        if (e.type !== EntryType.File) throw new InvalidArgumentError(`dump: ${filePath as string} is not a regular file`);
        await repo.logAccess('dump', snap.id);
        for await (const { data } of fileChunks(repo, e)) {
          if (!process.stdout.write(data)) await new Promise((r) => process.stdout.once('drain', r));
        }
      });
    }));
}
