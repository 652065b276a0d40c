import type { Command } from 'commander';
import { diffSnapshots, type DiffItem, type DiffKind } from '../../maintenance/diff/diffSnapshots.js';
import { selectSnapshot } from '../../repository/selectSnapshot.js';
import { EntryType } from '../../tree/index.js';
import { displayName, printJson, size, table } from '../output.js';
import { addSnapshotFilterOptions, snapshotFilter, type SnapshotFilterCliOptions } from '../snapshotOptions.js';
import type { CliContext } from '../context.js';
import { typeName } from './ls.js';
import type { Run } from './registry.js';

const MARK: Record<DiffKind, string> = { added: '+', removed: '-', modified: 'M', type_changed: 'T', metadata_only: 'U' };
const KINDS: DiffKind[] = ['added', 'removed', 'modified', 'type_changed', 'metadata_only'];

export function registerDiff(program: Command, run: Run): void {
  const cmd = program
    .command('diff')
    .description(
      'what changed between two snapshots: + added, - removed, M modified (content), T type changed, U metadata only ' +
        '(mode, owner, mtime, xattrs); identical subtrees are skipped unread. bytes added/removed are the sizes of the added/removed entries',
    )
    .argument('<snapshot-a>', 'the older snapshot')
    .argument('<snapshot-b>', 'the newer snapshot');
  addSnapshotFilterOptions(cmd, 'latest')
    .action(run(async (ctx: CliContext, selA: unknown, selB: unknown, opts: unknown) => {
      const o = opts as SnapshotFilterCliOptions;
      const filter = snapshotFilter(o);
      await ctx.withRepo('shared', async (repo) => {
        const a = await selectSnapshot(repo, selA as string, filter);
        const b = await selectSnapshot(repo, selB as string, filter);
        const items: DiffItem[] = [];
        const view = ctx.progress('diff');
        let totals;
        try {
          totals = await diffSnapshots(repo, a, b, {
            onItem: (it) => items.push(it),
            progress: (p) => view.update({ files: p.entries, unit: 'entries', current: p.current }),
            signal: ctx.signal,
          });
        } finally {
          view.stop();
        }
        if (ctx.json) {
          const doc: Record<string, unknown> = {};
          for (const k of KINDS) doc[k] = items.filter((it) => it.kind === k).map((it) => ({ path: it.path.toString('utf8'), type: typeName(it.type), size: it.size }));
          doc.totals = totals;
          printJson(doc);
          return;
        }
        ctx.say(`comparing snapshot ${a.id.slice(0, 8)} to ${b.id.slice(0, 8)}:`);
        const sizes = items.map((it) => (it.type === EntryType.File && it.kind !== 'metadata_only' ? size(it.size) : ''));
        const width = Math.max(0, ...sizes.map((s) => s.length));
        items.forEach((it, i) => {
          const suffix = it.kind === 'metadata_only' ? ' (metadata)' : it.type === EntryType.Dir ? '/' : '';
          ctx.say(`${MARK[it.kind]} ${sizes[i]!.padStart(width)}  ${displayName(it.path)}${suffix}`);
        });
        const n = (k: number) => String(k);
        ctx.say('');
        ctx.say(table([
          ['totals', 'entries', 'bytes'],
          ['added', n(totals.added), size(totals.bytes_added)],
          ['removed', n(totals.removed), size(totals.bytes_removed)],
          ['modified', n(totals.modified), ''],
          ['type changed', n(totals.type_changed), ''],
          ['metadata only', n(totals.metadata_only), ''],
        ], [1, 2]));
      });
    }));
}
