// The structure walk of `check`: every snapshot's trees are loaded and verified (parts of big
// directories and chunk lists of big files included), and every data chunk a file names must be in the
// index and not known to be damaged. Trees are streamed part by part, depth first. A subtree or
// chunk list already walked cleanly (in this or an earlier snapshot) is not walked again; the set of
// seen blob ids lives in a scratch LMDB table, not in memory. A subtree with problems is walked again
// in each snapshot that holds it, so that every affected snapshot is named (up to a few paths per blob).

import { IntegrityError, NotFoundError, UnsupportedFormatError } from '../../errors.js';
import type { BlobId } from '../../ids.js';
import type { Repository } from '../../repository/repository.js';
import type { Snapshot } from '../../repository/snapshotRecord.js';
import { decodeChunkListBlob, EntryType, type TreeEntry } from '../../tree/index.js';
import { foldTree, joinPath, type TreeFold } from '../../tree/walk.js';
import type { IndexTruth } from './indexTruth.js';
import { printablePath } from './paths.js';
import type { ScratchDb, ScratchTable } from '../../scratch/scratchDb.js';
import { checkError, type CheckError, type CheckErrorKind } from './types.js';

/** Errors listed per damaged or missing blob; further files that use it are counted in a note. */
export const MAX_REPORTS_PER_BLOB = 5;
const CLEAN = Buffer.from([0]);
const PROBLEM = Buffer.from([1]);

/** A blob known to be bad before the walk (from pack bounds or reading the data). */
export interface DamagedBlob {
  pack: string;
  reason: string;
}

interface Problem {
  kind: CheckErrorKind;
  message: string;
  pack: string | null;
  reported: number;
  unreported: number;
  lastWhere: string;
}

/** A blob that could not be used: not in the index, or its bytes are bad. */
class BlobFault extends Error {
  constructor(
    readonly missing: boolean,
    message: string,
    readonly pack: string | null,
  ) {
    super(message);
  }
}

const short = (id: string) => id.slice(0, 8);
/** Where a problem is, as a printable path: made only when one is reported. */
type Where = () => string;

export class SnapshotWalker {
  chunksChecked = 0;
  treesChecked = 0;
  private readonly seen: ScratchTable;
  private readonly problems = new Map<string, Problem>();

  constructor(
    private readonly repo: Repository,
    private readonly truth: IndexTruth,
    scratch: ScratchDb,
    private readonly damaged: Map<string, DamagedBlob>,
    private readonly report: (e: CheckError) => void,
    private readonly signal?: AbortSignal,
  ) {
    this.seen = scratch.table('seen');
  }

  async walk(snapshot: Snapshot): Promise<void> {
    await foldTree(this.fold(snapshot), Buffer.from(snapshot.tree, 'hex') as BlobId);
  }

  /** A tree's result: true when it and everything below it is clean (then it is not walked again). */
  private fold(snap: Snapshot): TreeFold<{ clean: boolean }, boolean> {
    return {
      load: (id) => this.load(id),
      signal: this.signal,
      known: (tree) => (this.seen.get(tree)?.[0] === CLEAN[0] ? true : undefined),
      open: (tree) => {
        if (!this.seen.get(tree)) this.treesChecked++;
        return { clean: true };
      },
      entry: async (state, e, dir, descend) => {
        if (e.type === EntryType.Dir && e.subtree) {
          if (!(await descend())) state.clean = false;
        } else if (e.type === EntryType.File) {
          if (!(await this.checkFile(snap, e, () => printablePath(joinPath(dir, e.name))))) state.clean = false;
        }
      },
      close: (state, tree) => {
        this.seen.put(tree, state.clean ? CLEAN : PROBLEM);
        return state.clean;
      },
      failed: (tree, dir, e, state) => {
        const hex = tree.toString('hex');
        if (!state) {
          if (!(e instanceof BlobFault)) throw e;
          this.problem(tree, e.missing ? 'tree_missing' : 'tree_damaged', `its tree ${hex} cannot be loaded: ${e.message}`, e.pack, snap, () => printablePath(dir));
        } else {
          if (!(e instanceof BlobFault || e instanceof IntegrityError || e instanceof UnsupportedFormatError)) throw e;
          const pack = e instanceof BlobFault ? e.pack : null;
          this.problem(tree, 'tree_damaged', `its tree ${hex} is damaged: ${e.message}`, pack, snap, () => printablePath(dir));
        }
        this.seen.put(tree, PROBLEM);
        return false;
      },
    };
  }

  /** After every snapshot: damaged blobs that no snapshot uses are still errors (a backup would reuse them). */
  finish(notes: string[]): void {
    for (const [hex, d] of this.damaged) {
      if (this.problems.has(hex)) continue;
      this.report(
        checkError(
          'blob_damaged',
          `blob ${hex} in pack ${d.pack} is damaged (${d.reason}); no snapshot uses it, but it is in the index, so a new backup would reuse it: run 'snap repair index --read-data'`,
          { pack: d.pack },
        ),
      );
    }
    for (const [hex, p] of this.problems) {
      if (p.unreported > 0) notes.push(`blob ${hex}: ${p.unreported} more use(s) not listed (the first ${MAX_REPORTS_PER_BLOB} are)`);
    }
  }

  private async checkFile(snap: Snapshot, e: TreeEntry, path: Where): Promise<boolean> {
    let clean = true;
    if (e.chunks) for (const id of e.chunks) if (!this.checkData(snap, id, path)) clean = false;
    for (const listId of e.chunkList ?? []) {
      const status = this.seen.get(listId);
      if (status?.[0] === CLEAN[0]) continue;
      let ids: BlobId[];
      try {
        ids = decodeChunkListBlob(await this.load(listId));
      } catch (err) {
        if (!(err instanceof BlobFault || err instanceof IntegrityError)) throw err;
        const missing = err instanceof BlobFault && err.missing;
        const pack = err instanceof BlobFault ? err.pack : null;
        this.problem(listId, missing ? 'chunk_list_missing' : 'chunk_list_damaged', `its chunk list ${listId.toString('hex')} cannot be loaded: ${err.message}`, pack, snap, path);
        this.seen.put(listId, PROBLEM);
        clean = false;
        continue;
      }
      if (!status) this.treesChecked++;
      let listClean = true;
      for (const id of ids) if (!this.checkData(snap, id, path)) listClean = false;
      this.seen.put(listId, listClean ? CLEAN : PROBLEM);
      if (!listClean) clean = false;
    }
    return clean;
  }

  private checkData(snap: Snapshot, id: BlobId, path: Where): boolean {
    const status = this.seen.get(id);
    if (status) {
      if (status[0] === CLEAN[0]) return true;
      const p = this.problems.get(id.toString('hex'));
      if (p) this.note(p, snap, path);
      return false;
    }
    const hex = id.toString('hex');
    if (!this.truth.lookup(id)) {
      this.problem(id, 'blob_missing', `data blob ${hex} is not in the index (missing data)`, null, snap, path);
      this.seen.put(id, PROBLEM);
      return false;
    }
    const d = this.damaged.get(hex);
    if (d) {
      this.problem(id, 'blob_damaged', `data blob ${hex} in pack ${d.pack} is damaged (${d.reason})`, d.pack, snap, path);
      this.seen.put(id, PROBLEM);
      return false;
    }
    this.chunksChecked++;
    this.seen.put(id, CLEAN);
    return true;
  }

  /** Read a blob at the index's location and verify it against its id. */
  private async load(id: BlobId): Promise<Buffer> {
    const hex = id.toString('hex');
    const loc = this.truth.lookup(id);
    if (!loc) throw new BlobFault(true, `blob ${hex} is not in the index`, null);
    const d = this.damaged.get(hex);
    if (d) throw new BlobFault(false, `blob ${hex} in pack ${d.pack} is damaged (${d.reason})`, d.pack);
    try {
      return await this.repo.loadBlobAt(id, loc);
    } catch (e) {
      if (e instanceof IntegrityError) throw new BlobFault(false, e.message, loc.packId);
      if (e instanceof NotFoundError) throw new BlobFault(false, `pack ${loc.packId} is missing`, loc.packId);
      throw e;
    }
  }

  private problem(id: BlobId, kind: CheckErrorKind, message: string, pack: string | null, snap: Snapshot, path: Where): void {
    const hex = id.toString('hex');
    let p = this.problems.get(hex);
    if (!p) this.problems.set(hex, (p = { kind, message, pack, reported: 0, unreported: 0, lastWhere: '' }));
    this.note(p, snap, path);
  }

  private note(p: Problem, snap: Snapshot, at: Where): void {
    const path = at();
    const where = `${snap.id}\0${path}`;
    if (where === p.lastWhere) return; // the same file naming the blob twice
    p.lastWhere = where;
    if (p.reported >= MAX_REPORTS_PER_BLOB) {
      p.unreported++;
      return;
    }
    p.reported++;
    this.report(checkError(p.kind, `snapshot ${short(snap.id)}, ${path}: ${p.message}`, { snapshot: snap.id, pack: p.pack, path }));
  }
}
