import type { Command } from 'commander';
import { isStale, readLocks } from '../../repository/lock.js';
import type { CliContext } from '../context.js';
import { localTime, printJson } from '../output.js';
import type { Run } from './index.js';

export function registerUnlock(program: Command, run: Run): void {
  program
    .command('unlock')
    .description('remove stale locks (their holder is gone, or has not refreshed them for 30 minutes)')
    .option('--remove-all', 'remove every lock, also those of running processes')
    .action(
      run(async (ctx: CliContext, opts: unknown) => {
        const all = Boolean((opts as { removeAll?: boolean }).removeAll);
        // No lock of its own: unlock must work exactly when the repository looks locked.
        await ctx.withRepo('none', async (repo) => {
          const removed: Array<{ id: string; host: string | null; pid: number | null; user: string | null; time: string | null; exclusive: boolean | null }> = [];
          for (const { name, lock } of await readLocks(repo.backend, repo.crypt)) {
            // A lock we cannot read is only removed with --remove-all: it may be one being written.
            if (!all && (!lock || !isStale(lock))) continue;
            await repo.backend.remove(name);
            removed.push({
              id: name.slice('locks/'.length),
              host: lock?.host ?? null,
              pid: lock?.pid ?? null,
              user: lock?.user ?? null,
              time: lock?.time ?? null,
              exclusive: lock?.exclusive ?? null,
            });
          }
          // Removing a running process's lock is an act someone should be able to trace.
          if (all && removed.length > 0) await repo.log({ operation: 'unlock --remove-all', snapshot_ids: [], bytes_added: 0, bytes_freed: 0 });
          if (ctx.json) {
            printJson({ ok: true, removed: removed.length, locks: removed });
            return;
          }
          for (const l of removed) {
            ctx.say(`removed lock ${l.id.slice(0, 8)} of pid ${l.pid ?? '?'} on ${l.host ?? '?'}${l.time ? ` (last refreshed ${localTime(l.time)})` : ''}`);
          }
          ctx.say(`${removed.length} lock${removed.length === 1 ? '' : 's'} removed`);
        });
      }),
    );
}
