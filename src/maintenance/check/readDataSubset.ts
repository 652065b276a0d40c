// Which packs `check --read-data-subset` reads.
//   n/m      restic's groups: pack ids are spread over m groups by their first byte (group n holds
//            the packs whose first id byte % m == n - 1, as restic does), so a pack stays in its group
//            as the repository grows, and running 1/m … m/m (say one per night) covers every pack.
//   P%       the packs verified least recently first (never verified first of all; ties by pack id)
//            until P % of the repository's pack bytes are selected. Run repeatedly, it walks through
//            the whole repository: 50 % twice covers everything.

import { InvalidArgumentError } from '../../errors.js';

/** The first byte of the pack id decides the group: at most 256 groups (restic's limit). */
export const MAX_GROUPS = 256;

export type DataSubset = { kind: 'all' } | { kind: 'group'; n: number; m: number } | { kind: 'percent'; percent: number };

export interface PackSize {
  id: string;
  size: number;
}

export function parseDataSubset(spec: string): DataSubset {
  const s = spec.trim();
  const group = /^(\d+)\/(\d+)$/.exec(s);
  if (group) {
    const n = Number(group[1]);
    const m = Number(group[2]);
    if (m < 1 || m > MAX_GROUPS) throw new InvalidArgumentError(`--read-data-subset: the number of groups must be 1..${MAX_GROUPS}, got '${spec}'`);
    if (n < 1 || n > m) throw new InvalidArgumentError(`--read-data-subset: the group must be 1..${m}, got '${spec}'`);
    return { kind: 'group', n, m };
  }
  const pct = /^(\d+(?:\.\d+)?)%$/.exec(s);
  if (pct) {
    const percent = Number(pct[1]);
    if (!(percent > 0 && percent <= 100)) throw new InvalidArgumentError(`--read-data-subset: the percentage must be above 0 and at most 100, got '${spec}'`);
    return { kind: 'percent', percent };
  }
  throw new InvalidArgumentError(`--read-data-subset: expected n/m (e.g. 1/5) or a percentage (e.g. 10%), got '${spec}'`);
}

/** The packs to read, in pack-id order. `lastVerified` gives a pack's last verification time (ms) or undefined. */
export function selectPacks(packs: PackSize[], subset: DataSubset, lastVerified: (id: string) => number | undefined): PackSize[] {
  const byId = [...packs].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  if (subset.kind === 'all') return byId;
  if (subset.kind === 'group') return byId.filter((p) => parseInt(p.id.slice(0, 2), 16) % subset.m === subset.n - 1);
  const total = byId.reduce((n, p) => n + p.size, 0);
  const want = (total * subset.percent) / 100;
  const ranked = byId.map((p) => ({ p, t: lastVerified(p.id) ?? -Infinity })).sort((a, b) => a.t - b.t || (a.p.id < b.p.id ? -1 : 1));
  const chosen: PackSize[] = [];
  let bytes = 0;
  for (const { p } of ranked) {
    if (bytes >= want && chosen.length > 0) break;
    chosen.push(p);
    bytes += p.size;
  }
  return chosen.sort((a, b) => (a.id < b.id ? -1 : 1));
}
