// A set of blob ids (with a small value each) that does not live in the JS heap: stats over millions of
// chunks must not hold millions of hex strings. One table of a throwaway scratch LMDB environment
// (src/scratch/scratchDb.ts: batched writes, removed on close, leftovers of killed runs cleaned up).

import { ScratchDb, type ScratchTable } from '../../scratch/scratchDb.js';

const EMPTY = Buffer.alloc(0);

export class SeenSet {
  private constructor(
    private readonly scratch: ScratchDb,
    private readonly table: ScratchTable,
  ) {}

  /** A new, empty set in `cacheDir`. */
  static create(cacheDir: string): SeenSet {
    const scratch = ScratchDb.open(cacheDir, 'seen');
    return new SeenSet(scratch, scratch.table('seen'));
  }

  /** The value stored under key, or undefined. */
  get(key: Buffer): Buffer | undefined {
    return this.table.get(key);
  }

  has(key: Buffer): boolean {
    return this.table.has(key);
  }

  /** Adds key with its value; false (and nothing changes) when it was there already. */
  add(key: Buffer, value: Buffer = EMPTY): boolean {
    if (this.table.has(key)) return false;
    this.table.put(key, value);
    return true;
  }

  close(): Promise<void> {
    return this.scratch.close();
  }
}
