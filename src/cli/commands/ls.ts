import type { Command } from 'commander';
import { EntryType, type TreeEntry } from '../../tree/index.js';
import { findEntry } from '../../restorer/findEntry.js';
import { walkEntries } from '../../tree/walk.js';
import { WalkBudget } from '../../tree/walkBudget.js';
import { selectSnapshot, splitSelector } from '../../repository/selectSnapshot.js';
import { displayName, isUtf8, localTime, startJsonStream } from '../output.js';
import { addSnapshotFilterOptions, snapshotFilter, type SnapshotFilterCliOptions } from '../snapshotOptions.js';
import type { CliContext } from '../context.js';
import type { Run } from './registry.js';

const TYPE_NAMES: Record<EntryType, string> = {
  [EntryType.File]: 'file', [EntryType.Dir]: 'dir', [EntryType.Symlink]: 'symlink', [EntryType.Fifo]: 'fifo',
  [EntryType.Socket]: 'socket', [EntryType.CharDevice]: 'chardev', [EntryType.BlockDevice]: 'blockdev',
};
const TYPE_CHAR: Record<EntryType, string> = {
  [EntryType.File]: '-', [EntryType.Dir]: 'd', [EntryType.Symlink]: 'l', [EntryType.Fifo]: 'p',
  [EntryType.Socket]: 's', [EntryType.CharDevice]: 'c', [EntryType.BlockDevice]: 'b',
};

export const typeName = (t: EntryType): string => TYPE_NAMES[t];

export function modeString(e: TreeEntry): string {
  let s = TYPE_CHAR[e.type];
  for (let shift = 6; shift >= 0; shift -= 3) {
    const bits = (e.mode >> shift) & 7;
    s += (bits & 4 ? 'r' : '-') + (bits & 2 ? 'w' : '-') + (bits & 1 ? 'x' : '-');
  }
  return s;
}

export const nsToIso = (ns: bigint): string => new Date(Number(ns / 1_000_000n)).toISOString();

export function entryJson(e: TreeEntry, path: Buffer): Record<string, unknown> {
  const doc: Record<string, unknown> = {
    path: path.toString('utf8'), name: e.name.toString('utf8'), type: TYPE_NAMES[e.type], size: Number(e.size),
    mode: e.mode, mtime: nsToIso(e.mtimeNs), uid: e.uid, gid: e.gid,
  };
  if (!isUtf8(e.name)) doc.name_b64 = e.name.toString('base64');
  return doc;
}

/** How much of `ls --json`'s array is held back before it streams (see below). */
const LS_JSON_HOLD_BYTES = 1 << 20;

export function registerLs(program: Command, run: Run): void {
  const cmd = program
    .command('ls')
    .description('list the entries of a snapshot (or of <snapshot>:<path>)')
    .argument('<snapshot>', 'snapshot selector, optionally with :<path>')
    .option('--recursive', 'list everything below, not just one level');
  addSnapshotFilterOptions(cmd, 'latest')
    .action(run(async (ctx: CliContext, selector: unknown, opts: unknown) => {
      const o = opts as SnapshotFilterCliOptions & { recursive?: boolean };
      const { snapshot: sel, subpath } = splitSelector(selector as string);
      await ctx.withRepo('shared', async (repo) => {
        const snap = await selectSnapshot(repo, sel, snapshotFilter(o));
        const start = await findEntry(repo, snap, subpath);
        const prefix = Buffer.from((subpath ?? '').replace(/\/+$/, ''));
        const items = start.type !== EntryType.Dir ? single(start, prefix)
          : start.subtree ? walkEntries(repo.loadTreeBlob, start.subtree, prefix, { recursive: Boolean(o.recursive), budget: WalkBudget.of(snap) })
          : single();
        if (ctx.json) {
          // Held back up to LS_JSON_HOLD_BYTES, then streamed element by element, so huge trees need
          // no memory; a tree that fails to load before that (all but huge listings) still gives the
          // error document alone on stdout (CLI.md), not a cut array.
          let held: string[] | undefined = [];
          let heldBytes = 0;
          let first = true;
          for await (const { e, path } of items) {
            const element = (first ? '\n' : ',\n') + JSON.stringify(entryJson(e, path));
            first = false;
            if (!held) {
              process.stdout.write(element);
              continue;
            }
            held.push(element);
            heldBytes += element.length;
            if (heldBytes > LS_JSON_HOLD_BYTES) {
              startJsonStream('[' + held.join(''));
              held = undefined;
            }
          }
          if (held) process.stdout.write('[' + held.join(''));
          process.stdout.write(first ? ']\n' : '\n]\n');
          return;
        }
        for await (const { e, path } of items) {
          const target = e.type === EntryType.Symlink && e.linkTarget ? ` -> ${displayName(e.linkTarget)}` : '';
          ctx.say(`${modeString(e)} ${(e.user ?? String(e.uid)).padEnd(8)} ${(e.group ?? String(e.gid)).padEnd(8)} ${String(e.size).padStart(12)} ${localTime(nsToIso(e.mtimeNs))} ${displayName(path)}${target}`);
        }
      });
    }));
}

/** One entry (a file named by the selector), or none (an empty directory). */
async function* single(e?: TreeEntry, path?: Buffer): AsyncGenerator<{ e: TreeEntry; path: Buffer }> {
  if (!e || !path) return;
  yield { e, path };
}
