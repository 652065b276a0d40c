// Many crash points: `create` SIGKILLed after each pack write, night after night (each night rewrites
// every file, so each night's runs start over and pass every point again). After each kill the
// repository is checked and restored in this process through the library (cheaper than the CLI),
// so well over a hundred kills fit in a bounded CI run. Together with crash-create.test.ts (random
// kills, index and snapshot points) and prune.crash.test.ts this is the fault-injection suite.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { Sandbox, snapshotTree, diffTrees, type TreeFact } from './helpers.js';
import { openRepository } from '../../src/repository/openRepository.js';
import { checkRepository } from '../../src/maintenance/check/checkRepository.js';
import { restoreSnapshot } from '../../src/restorer/restoreSnapshot.js';
import type { SnapshotId } from '../../src/ids.js';

const FILES = 16;
const FILE_BYTES = 64 * 1024;
const NIGHTS = 18;
/** Per night: enough to pass every pack of a run (a run writes ~40 packs of 32 KiB). */
const MAX_POINTS_PER_NIGHT = 40;

function content(i: number, night: number): Buffer {
  const out = Buffer.allocUnsafe(FILE_BYTES);
  for (let o = 0, k = 0; o < FILE_BYTES; o += 32, k++) createHash('sha256').update(`${i}:${night}:${k}`).digest().copy(out, o);
  return out;
}

describe('create killed after every pack write, night after night', () => {
  const sb = new Sandbox();
  let src: string;
  const taken: Array<{ id: string; tree: Map<string, TreeFact> }> = [];
  let kills = 0;

  beforeAll(() => {
    sb.init(['--pack-size', '32768', '--chunk-size', '4096,16384,65536']);
    src = sb.path('src');
    mkdirSync(src);
  });
  afterAll(() => sb.cleanup());

  async function assertIntact(label: string): Promise<void> {
    const repo = await openRepository({ location: sb.repo, password: async () => Buffer.from(sb.password!), cacheDir: sb.cache });
    try {
      const result = await checkRepository(repo);
      expect(result.errors, label).toEqual([]);
      // The first and the newest snapshot restore bit-identical (all of them at the end).
      for (const t of taken.length > 1 ? [taken[0]!, taken[taken.length - 1]!] : taken) {
        const out = sb.path('restore');
        rmSync(out, { recursive: true, force: true });
        await restoreSnapshot(repo, await repo.loadSnapshot(t.id as SnapshotId), out);
        expect(diffTrees(t.tree, snapshotTree(path.join(out, src))), label).toEqual([]);
      }
    } finally {
      await repo.close();
    }
  }

  it('keeps every earlier snapshot restorable and check clean after each kill', { timeout: 900_000 }, async () => {
    for (let night = 1; night <= NIGHTS; night++) {
      for (let i = 0; i < FILES; i++) writeFileSync(path.join(src, `f${i}.bin`), content(i, night));
      let done = false;
      for (let n = 1; n <= MAX_POINTS_PER_NIGHT && !done; n++) {
        const r = sb.run(['create', src, '--json'], { env: { SNAP_CRASH_AT: `pack-written:${n}` } });
        if (r.code === 0) {
          taken.push({ id: JSON.parse(r.stdout).snapshot_id, tree: snapshotTree(src) });
          done = true;
        } else {
          expect(r.code, `night ${night} pack-written:${n}: ${r.stderr}`).toBe(-1);
          kills++;
        }
        await assertIntact(`night ${night} pack-written:${n}`);
      }
      expect(done, `night ${night} never completed`).toBe(true);
    }
    console.log(`create: ${kills} kills after pack writes over ${NIGHTS} nights; check clean and snapshots intact after each`);
    expect(kills).toBeGreaterThanOrEqual(160);
  });
});
