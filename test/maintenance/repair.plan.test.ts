// planRepairSnapshots is pure: from the damage found below each snapshot's root, which snapshots are
// rewritten and which paths each one loses (files; "<dir>/" for a directory whose tree is lost).

import { describe, expect, it } from 'vitest';
import type { BlobId } from '../../src/ids.js';
import type { Snapshot } from '../../src/repository/snapshotRecord.js';
import type { TreeDamage } from '../../src/maintenance/repair/findDamage.js';
import { planRepairSnapshots } from '../../src/maintenance/repair/planRepairSnapshots.js';

const snap = (n: number): Snapshot =>
  ({ id: String(n).repeat(64).slice(0, 64), time: `2026-01-0${n}T00:00:00Z`, tree: 'ab'.repeat(32) }) as unknown as Snapshot;
const id = (b: number) => Buffer.alloc(32, b) as BlobId;
const b = (s: string | number[]) => (typeof s === 'string' ? Buffer.from(s) : Buffer.from(s));

function dir(files: Array<string | number[]>, dirs: Array<[string, TreeDamage]> = []): TreeDamage {
  return {
    lost: false,
    files: new Map(files.map((f) => [b(f).toString('latin1'), { name: b(f), reason: 'chunk missing' }])),
    dirs: new Map(dirs.map(([name, damage], i) => [name, { name: b(name), subtree: id(i), damage }])),
  };
}

describe('planRepairSnapshots', () => {
  it('leaves whole snapshots alone and lists dropped paths in name order', () => {
    const damage = dir(['z.bin', 'a.bin'], [['m', dir(['x'])], ['gone', { lost: true, reason: 'tree missing' }]]);
    const plan = planRepairSnapshots([
      { snapshot: snap(1), damage: undefined },
      { snapshot: snap(2), damage },
    ]);
    expect(plan.intact).toBe(1);
    expect(plan.repairs.length).toBe(1);
    expect(plan.repairs[0]!.snapshot.id).toBe(snap(2).id);
    expect(plan.repairs[0]!.dropped).toEqual(['/a.bin', '/gone/', '/m/x', '/z.bin']);
  });

  it('a lost root is listed as "/"', () => {
    const plan = planRepairSnapshots([{ snapshot: snap(1), damage: { lost: true, reason: 'root missing' } }]);
    expect(plan.repairs[0]!.dropped).toEqual(['/']);
  });

  it('shows names that are not UTF-8 with escapes', () => {
    const plan = planRepairSnapshots([{ snapshot: snap(1), damage: dir([[0x6e, 0xff, 0x0a]]) }]);
    expect(plan.repairs[0]!.dropped).toEqual(['/n\\xff\\x0a']);
  });

  it('the same damaged subtree shared by two snapshots is listed in each', () => {
    const shared = dir(['lost.bin']);
    const plan = planRepairSnapshots([
      { snapshot: snap(1), damage: dir([], [['home', shared]]) },
      { snapshot: snap(2), damage: dir([], [['srv', shared]]) },
    ]);
    expect(plan.repairs.map((r) => r.dropped)).toEqual([['/home/lost.bin'], ['/srv/lost.bin']]);
  });
});
