import type { Command } from 'commander';
import { restoreSnapshot, type OverwriteMode } from '../../restorer/restoreSnapshot.js';
import { selectSnapshot, splitSelector } from '../../repository/selectSnapshot.js';
import { EXIT } from '../errorTable.js';
import { printJson, size } from '../output.js';
import { addSnapshotFilterOptions, snapshotFilter, type SnapshotFilterCliOptions } from '../snapshotOptions.js';
import type { CliContext } from '../context.js';
import { collect, type Run } from './registry.js';

/** A path or reason from a snapshot on one line of the terminal: control characters escaped. */
const oneLine = (s: string): string => s.replace(/[\x00-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);

export function registerRestore(program: Command, run: Run): void {
  const cmd = program
    .command('restore')
    .description('rebuild a tree from a snapshot; every chunk is checked against its hash; files with damaged or missing data are listed and everything else is restored (exit 1)')
    .argument('<snapshot>', 'snapshot selector, optionally with :<path>')
    .argument('<target>', 'directory to restore into')
    .option('--include <glob>', 'restore only matching files (repeatable)', collect)
    .option('--exclude <glob>', 'leave out matching paths (repeatable)', collect)
    .option('--overwrite <mode>', 'always, if-changed, if-newer or never', 'always')
    .option('--delete', 'remove files in the target that the snapshot lacks')
    .option('--verify', 're-read the written files and check them against the snapshot')
    .option('--no-owner', 'do not restore owners and groups (as root: files belong to root)')
    .option('--no-xattrs', 'do not restore extended attributes (ACLs and file capabilities included)')
    .option('--no-setuid', 'clear setuid/setgid bits of files and drop file capabilities (security.capability)')
    .option('--no-special-files', 'do not create device nodes and FIFOs');
  addSnapshotFilterOptions(cmd, 'latest')
    .action(run(async (ctx: CliContext, selector: unknown, target: unknown, opts: unknown) => {
      const o = opts as {
        include?: string[]; exclude?: string[]; overwrite: string; delete?: boolean; verify?: boolean;
        owner: boolean; xattrs: boolean; setuid: boolean; specialFiles: boolean;
      } & SnapshotFilterCliOptions;
      const { snapshot: sel, subpath } = splitSelector(selector as string);
      return ctx.withRepo('shared', async (repo) => {
        const snap = await selectSnapshot(repo, sel, snapshotFilter(o));
        await repo.logAccess('restore', snap.id);
        const total = Number((snap.summary as Record<string, number> | null)?.total_bytes ?? 0);
        const view = ctx.progress('restore');
        let sum;
        try {
          sum = await restoreSnapshot(repo, snap, target as string, {
            subpath, includes: o.include, excludes: o.exclude, overwrite: o.overwrite as OverwriteMode, delete: o.delete, verify: o.verify,
            noOwner: !o.owner, noXattrs: !o.xattrs, noSetuid: !o.setuid, noSpecialFiles: !o.specialFiles,
            progress: (p) => view.update({ files: p.files, bytes: p.bytes, current: p.current, totalBytes: subpath ? undefined : total }),
            signal: ctx.signal,
          });
        } finally {
          view.stop();
        }
        // Every failure is listed, --quiet or not: these are the files the user does not have.
        for (const f of sum.failed_files) process.stderr.write(`snap: restore: ${oneLine(f.path)}: ${oneLine(f.reason)}\n`);
        for (const err of sum.verify_errors ?? []) process.stderr.write(`snap: verify: ${oneLine(err)}\n`);
        const doc = {
          files: sum.files, dirs: sum.dirs, bytes_written: sum.bytes_written, duration_s: sum.duration_s, verified: sum.verified,
          skipped: sum.skipped, failed_files: sum.failed_files,
        };
        if (ctx.json) printJson(doc);
        else ctx.say(`restored ${sum.files} files, ${sum.dirs} dirs, ${size(sum.bytes_written)} in ${sum.duration_s} s${sum.verified ? ', verified' : ''}`);
        let failed = false;
        if (sum.failed_files.length) {
          failed = true;
          process.stderr.write(`snap: restore: ${sum.failed_files.length} file(s) could not be restored (damaged or missing data, listed above); everything else was restored\n`);
        }
        if (sum.verify_errors?.length) {
          failed = true;
          process.stderr.write(`snap: restore --verify found ${sum.verify_errors?.length ?? 0} file(s) that differ from the snapshot\n`);
        }
        return failed ? EXIT.failure : EXIT.ok;
      });
    }));
}
