// The audit log chain as a DAG (repository/auditLog.ts): concurrent writers fork, the next writer
// merges, and only a deleted entry that something sealed, or one the client remembers, is a gap.

import { describe, expect, it } from 'vitest';
import { heads, verifyChain, MAX_PREV, type StoredLogEntry } from '../../src/repository/auditLog.js';

const id = (n: number) => n.toString(16).padStart(64, '0');
function entry(n: number, prev: number[] | undefined): StoredLogEntry {
  return {
    name: `log/2026-12-02T0100${String(n).padStart(2, '0')}000Z-${id(n)}`, id: id(n), time: '2026-12-02T01:00:00Z', operation: 'create',
    username: 'u', hostname: 'h', snapshot_ids: [], bytes_added: 0, bytes_freed: 0, ...(prev ? { prev: prev.map(id) } : {}),
  };
}

describe('audit log chain', () => {
  // 1 <- 2 <- {3, 4 written at once by two hosts} <- 5 seals both
  const dag = [entry(1, []), entry(2, [1]), entry(3, [2]), entry(4, [2]), entry(5, [3, 4])];

  it('a fork has two heads; the next writer seals both; the merged chain verifies', () => {
    const links = (es: StoredLogEntry[]) => es.map((e) => ({ name: e.name, id: e.id, prev: e.prev ?? [] }));
    expect(heads(links(dag.slice(0, 4)))).toEqual([id(3), id(4)]);
    expect(heads(links(dag))).toEqual([id(5)]);
    expect(verifyChain(dag)).toEqual({ errors: [], heads: 1, unchained: 0 });
  });

  it('a deleted entry in the middle of a fork is a gap named by its sealer', () => {
    const r = verifyChain(dag.filter((e) => e.id !== id(4)));
    expect(r.errors).toEqual([expect.objectContaining({ kind: 'log_gap', object: dag[4]!.name })]);
  });

  it('the deleted newest entry is a gap only for a client that remembers it', () => {
    expect(verifyChain(dag.slice(0, 4)).errors).toEqual([]);
    expect(verifyChain(dag.slice(0, 4), [id(5)]).errors).toEqual([expect.objectContaining({ kind: 'log_gap' })]);
  });

  it('an entry whose bytes do not match its name is reported; entries from before the chain are counted', () => {
    const swapped = { ...entry(6, [5]), id: id(99) };
    const r = verifyChain([entry(0, undefined), ...dag, swapped]);
    expect(r.errors).toEqual([expect.objectContaining({ kind: 'log_modified', object: swapped.name })]);
    expect(r.unchained).toBe(1);
  });

  it('an entry seals at most MAX_PREV heads', () => {
    const many = Array.from({ length: MAX_PREV + 5 }, (_, i) => ({ name: `log/${String(i).padStart(3, '0')}`, id: id(i), prev: [] }));
    expect(heads(many)).toHaveLength(MAX_PREV);
    expect(heads(many)[MAX_PREV - 1]).toBe(id(MAX_PREV + 4));
  });
});
