// Snapshot selectors (CLI.md): a full id, a unique prefix of ≥ 4 hex characters, or `latest`,
// narrowed by host, tag and path; `<snapshot>:<path>` names a sub-tree.

import { InvalidArgumentError, NotFoundError } from '../errors.js';
import { isRecordDamage, type Repository } from './repository.js';
import type { Snapshot } from './snapshotRecord.js';
import type { SnapshotId } from '../ids.js';

export const MIN_PREFIX = 4;

export interface SnapshotFilter {
  hosts?: string[];
  tags?: string[];
  paths?: string[];
}

export function splitSelector(sel: string): { snapshot: string; subpath: string | undefined } {
  const i = sel.indexOf(':');
  return i < 0 ? { snapshot: sel, subpath: undefined } : { snapshot: sel.slice(0, i), subpath: sel.slice(i + 1) || '/' };
}

export function matchesFilter(s: Snapshot, f: SnapshotFilter): boolean {
  if (f.hosts?.length && !f.hosts.includes(s.hostname)) return false;
  // Each --tag value may list tags separated by commas, all required (restic's semantics).
  if (f.tags?.length && !f.tags.some((t) => t.split(',').every((x) => s.tags.includes(x)))) return false;
  if (f.paths?.length && !f.paths.every((p) => s.paths.includes(p))) return false;
  return true;
}

export async function filterSnapshots(repo: Repository, f: SnapshotFilter): Promise<Snapshot[]> {
  return (await repo.listSnapshots()).filter((s) => matchesFilter(s, f));
}

export async function selectSnapshot(repo: Repository, selector: string, f: SnapshotFilter = {}): Promise<Snapshot> {
  if (selector === 'latest') {
    const all = await filterSnapshots(repo, f);
    const last = all[all.length - 1];
    if (!last) throw new NotFoundError(`no snapshot matches 'latest'${describe(f)}`);
    return last;
  }
  if (!/^[0-9a-f]+$/.test(selector)) throw new InvalidArgumentError(`'${selector}' is not a snapshot id, a hex prefix or 'latest'`);
  if (selector.length < MIN_PREFIX) throw new InvalidArgumentError(`snapshot prefix '${selector}' is too short (at least ${MIN_PREFIX} hex characters)`);
  const ids = (await repo.listSnapshotIds()).filter((id) => id.startsWith(selector));
  if (ids.length === 0) throw new NotFoundError(`no snapshot with id ${selector}`);
  // A full id, or a prefix of one record, names exactly that record: when it cannot be read the
  // error says so. Among several matches, unreadable ones are skipped with a warning.
  const s = ids.length === 1 ? await repo.loadSnapshot(ids[0]!) : await onlyReadable(repo, ids, selector);
  if (!matchesFilter(s, f)) throw new NotFoundError(`snapshot ${selector} does not match${describe(f)}`);
  return s;
}

async function onlyReadable(repo: Repository, ids: SnapshotId[], selector: string): Promise<Snapshot> {
  const readable: Snapshot[] = [];
  for (const id of ids) {
    try {
      readable.push(await repo.loadSnapshot(id));
    } catch (e) {
      if (!isRecordDamage(e)) throw e;
      repo.skipUnreadable({ id, message: (e as Error).message });
    }
  }
  if (readable.length !== 1) {
    throw new InvalidArgumentError(`snapshot prefix '${selector}' is ambiguous (${ids.length} snapshots match${readable.length < ids.length ? `, ${readable.length} readable` : ''})`);
  }
  return readable[0]!;
}

function describe(f: SnapshotFilter): string {
  const parts = [...(f.hosts ?? []).map((h) => `host ${h}`), ...(f.tags ?? []).map((t) => `tag ${t}`), ...(f.paths ?? []).map((p) => `path ${p}`)];
  return parts.length ? ` (${parts.join(', ')})` : '';
}
