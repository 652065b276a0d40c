import type { Command } from 'commander';
import { filterSnapshots } from '../../repository/selectSnapshot.js';
import { localTime, printJson, size, table } from '../output.js';
import { addSnapshotFilterOptions, snapshotFilter, type SnapshotFilterCliOptions } from '../snapshotOptions.js';
import type { CliContext } from '../context.js';
import type { Run } from './registry.js';

export function registerList(program: Command, run: Run): void {
  const cmd = program
    .command('list')
    .alias('snapshots')
    .description('list snapshots, oldest first');
  addSnapshotFilterOptions(cmd, 'list')
    .action(run(async (ctx: CliContext, opts: unknown) => {
      const o = opts as SnapshotFilterCliOptions;
      await ctx.withRepo('shared', async (repo) => {
        const snaps = await filterSnapshots(repo, snapshotFilter(o));
        if (ctx.json) {
          printJson(snaps.map((s) => ({
            id: s.id, short_id: s.id.slice(0, 8), time: s.time, hostname: s.hostname, username: s.username,
            // The stored summary cannot name the record that holds it: its create document had the id.
            paths: s.paths, tags: s.tags, parent_id: s.parent, summary: s.summary ? { ...s.summary, snapshot_id: s.id } : null,
          })));
          return;
        }
        const rows = [['ID', 'Time', 'Host', 'Tags', 'Paths', 'Size', 'Added']];
        for (const s of snaps) {
          const sum = (s.summary ?? {}) as Record<string, number>;
          rows.push([
            s.id.slice(0, 8), localTime(s.time), s.hostname, s.tags.join(','), s.paths.join(' '),
            sum.total_bytes !== undefined ? size(sum.total_bytes) : '', sum.bytes_added !== undefined ? size(sum.bytes_added) : '',
          ]);
        }
        ctx.say(table(rows, [5, 6]));
        ctx.say(`${snaps.length} snapshot${snaps.length === 1 ? '' : 's'}`);
      });
    }));
}
