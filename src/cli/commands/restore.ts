import type { Command } from 'commander';
import { restoreSnapshot, type OverwriteMode } from '../../restorer/restoreSnapshot.js';
import { selectSnapshot, splitSelector } from '../../repository/selectSnapshot.js';
import { IntegrityError } from '../../errors.js';
import { printJson, size } from '../output.js';
import type { CliContext } from '../context.js';
import { collect, type Run } from './index.js';

export function registerRestore(program: Command, run: Run): void {
  program
    .command('restore')
    .description('rebuild a tree from a snapshot; every chunk is checked against its hash')
    .argument('<snapshot>', 'snapshot selector, optionally with :<path>')
    .argument('<target>', 'directory to restore into')
    .option('--include <glob>', 'restore only matching files (repeatable)', collect)
    .option('--exclude <glob>', 'leave out matching paths (repeatable)', collect)
    .option('--overwrite <mode>', 'always, if-changed, if-newer or never', 'always')
    .option('--delete', 'remove files in the target that the snapshot lacks')
    .option('--verify', 're-read the written files and check them against the snapshot')
    .option('--host <host>', 'narrow `latest` to this host', collect)
    .option('--tag <tag>', 'narrow `latest` to this tag', collect)
    .option('--path <path>', 'narrow `latest` to this path', collect)
    .action(run(async (ctx: CliContext, selector: unknown, target: unknown, opts: unknown) => {
      const o = opts as { include?: string[]; exclude?: string[]; overwrite: string; delete?: boolean; verify?: boolean; host?: string[]; tag?: string[]; path?: string[] };
      const { snapshot: sel, subpath } = splitSelector(selector as string);
      await ctx.withRepo('shared', async (repo) => {
        const snap = await selectSnapshot(repo, sel, { hosts: o.host, tags: o.tag, paths: o.path });
        await repo.logAccess('restore', snap.id);
        const total = Number((snap.summary as Record<string, number> | null)?.total_bytes ?? 0);
        const view = ctx.progress('restore');
        let sum;
        try {
          sum = await restoreSnapshot(repo, snap, target as string, {
            subpath, includes: o.include, excludes: o.exclude, overwrite: o.overwrite as OverwriteMode, delete: o.delete, verify: o.verify,
            progress: (p) => view.update({ files: p.files, bytes: p.bytes, current: p.current, totalBytes: subpath ? undefined : total }),
            signal: ctx.signal,
          });
        } finally {
          view.stop();
        }
        if (sum.verify_errors?.length) {
          for (const err of sum.verify_errors) process.stderr.write(`snap: verify: ${err}\n`);
        }
        const doc = { files: sum.files, dirs: sum.dirs, bytes_written: sum.bytes_written, duration_s: sum.duration_s, verified: sum.verified };
        if (ctx.json) printJson(doc);
        else ctx.say(`restored ${sum.files} files, ${sum.dirs} dirs, ${size(sum.bytes_written)} in ${sum.duration_s} s${sum.verified === true ? ', verified' : ''}`);
        if (sum.verified === false) throw new IntegrityError(`restore --verify found ${sum.verify_errors!.length} file(s) that differ from the snapshot`);
      });
    }));
}
