import type { Command } from 'commander';
import { readLog } from '../../repository/auditLog.js';
import type { CliContext } from '../context.js';
import { localTime, printJson, size, table } from '../output.js';
import type { Run } from './registry.js';

export function registerLog(program: Command, run: Run): void {
  program
    .command('log')
    .description('the audit log: every operation that changed the repository, oldest first')
    .action(
      run(async (ctx: CliContext) => {
        await ctx.withRepo('shared', async (repo) => {
          // Object names start with the UTC time, so the listing order is the time order; the sort
          // by time only settles entries whose clocks disagreed with their names.
          const log = await readLog(repo.backend, repo.crypt);
          for (const u of log.unreadable) repo.warn({ kind: 'log_unreadable', object: u.name, message: `${u.message}; skipped` });
          const entries = log.entries.sort((a, b) => Date.parse(a.time) - Date.parse(b.time));
          if (ctx.json) {
            printJson(entries.map((e) => ({
              time: e.time, operation: e.operation, username: e.username, hostname: e.hostname,
              snapshot_ids: e.snapshot_ids, bytes_added: e.bytes_added, bytes_freed: e.bytes_freed, id: e.id, prev: e.prev ?? null,
            })));
            return;
          }
          const rows = [['Time', 'Operation', 'User', 'Host', 'Snapshots', 'Added', 'Freed']];
          for (const e of entries) {
            const ids = e.snapshot_ids.map((id) => id.slice(0, 8));
            rows.push([
              localTime(e.time), e.operation, e.username, e.hostname,
              ids.length > 3 ? `${ids.slice(0, 3).join(' ')} +${ids.length - 3}` : ids.join(' '),
              e.bytes_added ? size(e.bytes_added) : '', e.bytes_freed ? size(e.bytes_freed) : '',
            ]);
          }
          ctx.say(table(rows, [5, 6]));
          ctx.say(`${entries.length} entr${entries.length === 1 ? 'y' : 'ies'}`);
        });
      }),
    );
}
