// A bound on a snapshot walk from the snapshot's own record (authenticated in an encrypted repository):
// its summary says how many files, directories and bytes `create` put in it. Trees are a DAG, so two
// entries pointing at the same subtree at every level give 2^depth paths from a few tree blobs (a 33 KB
// repository restored 8 191 directories; depth 40 exhausts any disk). A walk that goes past what the
// summary records stops with one clear error instead. A record without a summary (older records,
// `summary: null`) gives no bound.

import { IntegrityError } from '../errors.js';
import { EntryType, type TreeEntry } from './entry.js';

/** What the bound is taken from: the fields of a snapshot record (repository/snapshotRecord.ts) it reads;
 * structural, so tree/ does not depend on repository/. */
export interface BudgetSource {
  id: string;
  paths: readonly string[];
  summary: Record<string, unknown> | null;
}

/** Directories a walk may see beyond the summary's count: the ones above each backed-up path (made
 * by create around the paths) and the empty ones create stores for mount points it does not cross
 * (--one-file-system), neither counted by it; plus this margin and a share of the count. Amplification
 * is exponential, so a margin this size still stops it after a few levels. */
const DIR_SLACK = 256;
const DIR_SLACK_SHARE = 100;

/** A walk past what the snapshot says it holds: its trees repeat (damaged or forged repository). */
export class WalkBudgetError extends IntegrityError {}

const count = (v: unknown): number | undefined => (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : undefined);

export class WalkBudget {
  private files = 0;
  private dirs = 0;
  private bytes = 0n;

  private constructor(
    private readonly snapshotId: string,
    private readonly maxFiles: number,
    private readonly recordedDirs: number,
    private readonly maxDirs: number,
    private readonly maxBytes: bigint,
  ) {}

  /** The bound for one walk of `snapshot` (each walk needs its own), or undefined when it records none. */
  static of(snapshot: BudgetSource): WalkBudget | undefined {
    const s = snapshot.summary;
    if (!s || typeof s !== 'object') return undefined;
    const files = count(s.total_files) ?? sum([count(s.files_new), count(s.files_changed), count(s.files_unmodified)]);
    const dirs = count(s.dirs);
    const bytes = count(s.total_bytes);
    if (files === undefined || dirs === undefined || bytes === undefined) return undefined;
    const above = snapshot.paths.reduce((n, p) => n + p.split('/').filter(Boolean).length, 0);
    return new WalkBudget(snapshot.id.slice(0, 8), files, dirs, dirs + above + DIR_SLACK + Math.ceil(dirs / DIR_SLACK_SHARE), BigInt(bytes));
  }

  /** Counts one entry of the walk; throws WalkBudgetError past the bound. */
  take(e: TreeEntry): void {
    if (e.type === EntryType.Dir) {
      if (++this.dirs > this.maxDirs) this.exceeded(`${this.dirs} directories`, `${this.recordedDirs}`);
    } else if (e.type === EntryType.File) {
      if (++this.files > this.maxFiles) this.exceeded(`${this.files} files`, `${this.maxFiles}`);
      this.bytes += e.size;
      if (this.bytes > this.maxBytes) this.exceeded(`${this.bytes} bytes of files`, `${this.maxBytes}`);
    }
  }

  private exceeded(seen: string, recorded: string): never {
    throw new WalkBudgetError(
      `snapshot ${this.snapshotId}: its trees hold more than its record says (${seen}, recorded ${recorded}): ` +
        'sub-trees repeat (damaged or forged repository); walk stopped',
      { object: `snapshots/${this.snapshotId}` },
    );
  }
}

function sum(xs: Array<number | undefined>): number | undefined {
  return xs.every((x) => x !== undefined) ? xs.reduce((a, b) => a! + b!, 0) : undefined;
}
