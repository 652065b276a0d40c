// The snapshot filter every command that picks snapshots takes (CLI.md: `--host`, `--tag`, `--path`),
// declared once: the options, their parsing into a SnapshotFilter, and choosing the snapshots a
// command's selectors (or, without any, its filter) name.

import type { Command } from 'commander';
import { filterSnapshots, selectSnapshot, type SnapshotFilter } from '../repository/selectSnapshot.js';
import type { Repository } from '../repository/repository.js';
import type { Snapshot } from '../repository/snapshotRecord.js';
import { collect } from './commands/registry.js';

/** The filter options as commander parses them (each repeatable). */
export interface SnapshotFilterCliOptions {
  host?: string[];
  tag?: string[];
  path?: string[];
}

/**
 * What the filter does for the command, which only changes the help text: `list` narrows the
 * snapshots it works on, `consider` the ones forget/prune consider, `latest` what `latest` means.
 */
export type FilterUse = 'list' | 'consider' | 'latest';

const HELP: Record<FilterUse, Record<keyof SnapshotFilterCliOptions, string>> = {
  list: {
    host: 'only snapshots of this host (repeatable)',
    tag: 'only snapshots with this tag (repeatable; a,b = both)',
    path: 'only snapshots including this path (repeatable)',
  },
  consider: {
    host: 'only consider snapshots of this host (repeatable)',
    tag: 'only consider snapshots with this tag (repeatable; a,b = both)',
    path: 'only consider snapshots including this path (repeatable)',
  },
  latest: {
    host: 'narrow `latest` to this host',
    tag: 'narrow `latest` to this tag',
    path: 'narrow `latest` to this path',
  },
};

/** Add --host, --tag and --path to a command. */
export function addSnapshotFilterOptions(cmd: Command, use: FilterUse): Command {
  const help = HELP[use];
  return cmd
    .option('--host <host>', help.host, collect)
    .option('--tag <tag>', help.tag, collect)
    .option('--path <path>', help.path, collect);
}

/** The parsed options as the core's filter. */
export function snapshotFilter(o: SnapshotFilterCliOptions): SnapshotFilter {
  return { hosts: o.host, tags: o.tag, paths: o.path };
}

/** The chosen snapshots, oldest first, each once (all matching the filter when none are named). */
export async function chooseSnapshots(repo: Repository, selectors: string[], filter: SnapshotFilter): Promise<Snapshot[]> {
  if (selectors.length === 0) return filterSnapshots(repo, filter);
  const byId = new Map<string, Snapshot>();
  for (const sel of selectors) {
    const s = await selectSnapshot(repo, sel, filter);
    byId.set(s.id, s);
  }
  return [...byId.values()].sort((a, b) => Date.parse(a.time) - Date.parse(b.time) || a.id.localeCompare(b.id));
}
