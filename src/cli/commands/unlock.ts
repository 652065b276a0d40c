import type { Command } from 'commander';
import { unlockRepository } from '../../repository/unlockRepository.js';
import type { CliContext } from '../context.js';
import { localTime, printJson } from '../output.js';
import type { Run } from './registry.js';

export function registerUnlock(program: Command, run: Run): void {
  program
    .command('unlock')
    .description('remove stale locks (their holder is gone, or they were not refreshed for 30 minutes)')
    .option('--remove-all', 'remove every lock, also those of running processes and unreadable ones')
    .action(
      run(async (ctx: CliContext, opts: unknown) => {
        const removeAll = Boolean((opts as { removeAll?: boolean }).removeAll);
        // No lock of its own: unlock must work exactly when the repository looks locked.
        await ctx.withRepo('none', async (repo) => {
          const r = await unlockRepository(repo, { removeAll, staleMs: ctx.lockOptions().staleMs });
          const removed = r.removed.map((e) => ({
            id: e.name.slice('locks/'.length),
            host: e.lock?.host ?? null,
            pid: e.lock?.pid ?? null,
            user: e.lock?.user ?? null,
            time: e.lock?.time ?? null,
            exclusive: e.lock?.exclusive ?? null,
            reason: e.reason,
          }));
          // A fresh lock we cannot read may be a live holder's (another version, another key): say so, leave it.
          for (const u of r.unreadable) ctx.warn(`snap: warning: cannot read lock ${u.name} (${u.error}); left in place (remove it with 'snap unlock --remove-all')`);
          if (ctx.json) {
            printJson({ ok: true, removed: removed.length, locks: removed, unreadable: r.unreadable.map((u) => u.name.slice('locks/'.length)) });
            return;
          }
          for (const l of removed) {
            ctx.say(`removed lock ${l.id.slice(0, 8)} of pid ${l.pid ?? '?'} on ${l.host ?? '?'}${l.time ? ` (last refreshed ${localTime(l.time)})` : ''}: ${l.reason}`);
          }
          ctx.say(`${removed.length} lock${removed.length === 1 ? '' : 's'} removed`);
        });
      }),
    );
}
