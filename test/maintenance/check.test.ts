// `snap check` on real repositories made by the built CLI: a healthy repository is clean; a flipped
// byte and a truncated pack are found (the truncation even without --read-data) and traced to the
// pack and the file that uses it; deleted index files are found and `repair index` puts them back.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdirSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Sandbox } from '../e2e/helpers.js';
import { deleteIndexFiles, flipByte, listPacks, newPacks, randomFile, truncateTo, type PackFile } from '../fixtures/damageRepo.js';

const MiB = 1024 * 1024;
const modes = [['encrypted', [] as string[]], ['unencrypted', ['--encryption', 'none']]] as const;

interface CheckDoc {
  ok: boolean;
  errors: Array<{ kind: string; message: string; snapshot: string | null; pack: string | null; path: string | null }>;
  notes: string[];
  snapshots: number;
  packs: number;
  chunks_checked: number;
  packs_read: number;
}

function checkJson(sb: Sandbox, args: string[] = [], env: Record<string, string> = {}): { code: number; doc: CheckDoc } {
  const r = sb.run(['check', ...args, '--json'], { env });
  return { code: r.code, doc: JSON.parse(r.stdout) as CheckDoc };
}

/** check --json without blocking the event loop (so a spawned create's exit is noticed). */
function checkAsync(sb: Sandbox): Promise<{ code: number; doc: CheckDoc }> {
  const child = sb.spawn(['check', '--json']);
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code: code ?? -1, doc: JSON.parse(out) as CheckDoc })));
}

function makeSource(sb: Sandbox): string {
  const src = sb.path('src');
  randomFile(path.join(src, 'a.bin'), 4 * MiB);
  randomFile(path.join(src, 'sub/b.bin'), 2 * MiB);
  mkdirSync(path.join(src, 'empty'));
  writeFileSync(path.join(src, 'small.txt'), 'small\n');
  return src;
}

describe.each(modes)('check (%s)', (_name, initArgs) => {
  const sb = new Sandbox(initArgs.length ? undefined : 'pw');
  let src: string;
  let flipped: PackFile;
  let truncated: PackFile;
  beforeAll(() => {
    sb.init([...initArgs]);
    src = makeSource(sb);
    sb.ok(['create', src]);
  });
  afterAll(() => sb.cleanup());

  it('a healthy repository is clean, with and without --read-data (exit 0)', () => {
    const plain = checkJson(sb);
    expect(plain.code).toBe(0);
    expect(plain.doc.ok).toBe(true);
    expect(plain.doc.errors).toEqual([]);
    expect(plain.doc.snapshots).toBe(1);
    expect(plain.doc.chunks_checked).toBeGreaterThan(10);
    expect(plain.doc.packs).toBe(listPacks(sb.repo).length);
    const full = checkJson(sb, ['--read-data']);
    expect(full.code).toBe(0);
    expect(full.doc.ok).toBe(true);
    expect(full.doc.packs_read).toBe(full.doc.packs);
    const text = sb.run(['check']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/no errors were found/);
  });

  it('a pack no index file names yet (a backup running beside check) is a note, not an error', () => {
    // A valid pack from another repository stands in for one a running create wrote before its index.
    const other = new Sandbox(undefined);
    try {
      other.init(['--encryption', 'none']);
      randomFile(other.path('src/x.bin'), 300 * 1024);
      other.ok(['create', other.path('src')]);
      const loose = listPacks(other.repo)[0]!;
      const dest = path.join(sb.repo, 'data', loose.id.slice(0, 2), loose.id);
      mkdirSync(path.dirname(dest), { recursive: true });
      copyFileSync(loose.file, dest);
      for (const args of [[], ['--read-data']]) {
        const r = checkJson(sb, args);
        expect(r.code).toBe(0);
        expect(r.doc.ok).toBe(true);
        expect(r.doc.notes.some((n) => n.includes('not named by any index file') && n.includes(loose.id.slice(0, 8)))).toBe(true);
      }
      unlinkSync(dest); // the next test counts this repository's own packs
    } finally {
      other.cleanup();
    }
  });

  it('finds a flipped byte (with --read-data) and a truncated pack, naming the pack and the file (exit 1)', () => {
    // Each victim file arrives in its own backup, so its chunks sit in data packs of their own (an
    // encrypted repository spreads them over several packs: take the largest, which holds data).
    const largest = (packs: ReturnType<typeof listPacks>) => packs.sort((a, b) => b.size - a.size)[0]!;
    let before = listPacks(sb.repo);
    randomFile(path.join(src, 'victim-flip.bin'), MiB);
    sb.ok(['create', src]);
    flipped = largest(newPacks(before, listPacks(sb.repo)));
    before = listPacks(sb.repo);
    randomFile(path.join(src, 'deep/victim-trunc.bin'), MiB);
    sb.ok(['create', src]);
    truncated = largest(newPacks(before, listPacks(sb.repo)));
    expect(flipped.size).toBeGreaterThan(MiB / 8);
    expect(truncated.size).toBeGreaterThan(MiB / 8);

    flipByte(flipped.file, Math.floor(flipped.size / 2));
    truncateTo(truncated.file, Math.floor(truncated.size / 2));

    // Without reading data: the truncation shows (entries past the end), the flipped byte cannot.
    const plain = checkJson(sb);
    expect(plain.code).toBe(1);
    expect(plain.doc.ok).toBe(false);
    expect(plain.doc.errors.some((e) => e.kind === 'index_out_of_bounds' && e.pack === truncated.id)).toBe(true);
    const truncFiles = plain.doc.errors.filter((e) => e.kind === 'blob_damaged' && e.pack === truncated.id);
    expect(truncFiles.length).toBeGreaterThan(0);
    expect(new Set(truncFiles.map((e) => e.path))).toEqual(new Set([path.join(src, 'deep/victim-trunc.bin')]));
    expect(truncFiles.every((e) => e.snapshot && /^[0-9a-f]{64}$/.test(e.snapshot))).toBe(true);
    expect(plain.doc.errors.some((e) => e.pack === flipped.id)).toBe(false);

    const full = checkJson(sb, ['--read-data']);
    expect(full.code).toBe(1);
    expect(full.doc.ok).toBe(false);
    const flipErrors = full.doc.errors.filter((e) => e.pack === flipped.id);
    expect(flipErrors.length).toBeGreaterThan(0);
    expect(flipErrors.every((e) => e.kind === 'blob_damaged' && e.path === path.join(src, 'victim-flip.bin'))).toBe(true);
    expect(full.doc.errors.some((e) => e.pack === truncated.id && e.path === path.join(src, 'deep/victim-trunc.bin'))).toBe(true);
    expect(full.doc.errors.some((e) => e.kind === 'pack_unreadable' && e.pack === truncated.id)).toBe(true);
    // Nothing else is blamed: every file error names a victim.
    for (const e of full.doc.errors) if (e.path) expect(e.path).toMatch(/victim-(flip|trunc)\.bin$/);

    // Text mode: one line per error, exit 1, summary at the end.
    const text = sb.run(['check', '--read-data']);
    expect(text.code).toBe(1);
    const lines = text.stdout.trim().split('\n');
    expect(lines.filter((l) => l.startsWith('error: ')).length).toBe(full.doc.errors.length);
    expect(lines[lines.length - 1]).toBe(`${full.doc.errors.length} error(s) were found`);
    expect(text.stdout).toContain(flipped.id);
  });
});

describe.each(modes)('check after deleting index files (%s)', (_name, initArgs) => {
  const sb = new Sandbox(initArgs.length ? undefined : 'pw');
  let src: string;
  beforeAll(() => {
    sb.init([...initArgs]);
    src = makeSource(sb);
    sb.ok(['create', src]);
  });
  afterAll(() => sb.cleanup());

  it('reports the missing blobs and the unindexed packs; repair index fixes it', () => {
    expect(deleteIndexFiles(sb.repo).length).toBeGreaterThan(0);
    const broken = checkJson(sb);
    expect(broken.code).toBe(1);
    expect(broken.doc.ok).toBe(false);
    // The root tree itself is no longer indexed: the snapshot is named.
    expect(broken.doc.errors.some((e) => e.kind === 'tree_missing' && e.snapshot && e.path === '/')).toBe(true);
    expect(broken.doc.notes.some((n) => /pack\(s\).*not named by any index file/.test(n))).toBe(true);

    const repaired = sb.json(['repair', 'index']);
    expect(repaired.ok).toBe(true);
    expect(repaired.packs).toBe(listPacks(sb.repo).length);
    expect(repaired.index_files_written).toBeGreaterThan(0);
    expect(repaired.packs_unreadable).toEqual([]);
    expect(repaired.blobs_dropped).toBe(0);

    const clean = checkJson(sb, ['--read-data']);
    expect(clean.code).toBe(0);
    expect(clean.doc.ok).toBe(true);
    expect(clean.doc.notes.some((n) => /not named by any index file/.test(n))).toBe(false);
    const restored = sb.path('restore');
    expect(sb.json(['restore', 'latest', restored, '--verify']).verified).toBe(true);
  });

  it('reports only some blobs missing when one of several index files is gone', () => {
    randomFile(path.join(src, 'later.bin'), MiB);
    sb.ok(['create', src]);
    // Two index files now (one per backup); delete the newest backup's by content: the one check blames.
    const before = checkJson(sb);
    expect(before.doc.ok).toBe(true);
    deleteIndexFiles(sb.repo, 1);
    const broken = checkJson(sb);
    expect(broken.code).toBe(1);
    expect(broken.doc.errors.length).toBeGreaterThan(0);
    // Missing blobs, and (this client saw the file before, no prune removed it) a rollback of index/.
    expect(broken.doc.errors.every((e) => /missing|rollback/.test(e.kind))).toBe(true);
    sb.ok(['repair', 'index']);
    expect(checkJson(sb).doc.ok).toBe(true);
  });
});

describe('check beside a running backup', () => {
  const sb = new Sandbox('pw');
  afterAll(() => sb.cleanup());

  it('every check while create runs is clean (exit 0): packs before their index are only notes', async () => {
    sb.init();
    const src = sb.path('src');
    randomFile(path.join(src, 'first.bin'), MiB);
    sb.ok(['create', src]);
    for (let i = 0; i < 12; i++) randomFile(path.join(src, `big/${i}.bin`), 5 * MiB);
    const child = sb.spawn(['create', src]);
    const done = new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? -1)));
    let finished = false;
    void done.then(() => (finished = true));
    const results: Array<{ code: number; doc: CheckDoc }> = [];
    do results.push(await checkAsync(sb));
    while (!finished);
    expect(await done).toBe(0);
    expect(results.length).toBeGreaterThan(0);
    for (const r of results) {
      expect(r.code, JSON.stringify(r.doc.errors.slice(0, 3))).toBe(0);
      expect(r.doc.ok).toBe(true);
    }
    expect(checkJson(sb, ['--read-data']).doc.ok).toBe(true);
  });
});

describe('check --read-data-subset', () => {
  const sb = new Sandbox('pw');
  beforeAll(() => {
    sb.init();
    const src = sb.path('src');
    // Eight backups of new random data: eight data packs and eight tree packs.
    for (let i = 0; i < 8; i++) {
      randomFile(path.join(src, `f${i}.bin`), 256 * 1024 + i * 4096);
      sb.ok(['create', src]);
    }
  });
  afterAll(() => sb.cleanup());

  const coverage = (doc: CheckDoc) => doc.notes.find((n) => n.startsWith('verified in the last 30 days'))!;

  it('n/m: groups 1/2 and 2/2 together read every pack once', () => {
    const env = { SNAP_CACHE_DIR: sb.path('cache-groups') };
    const g1 = checkJson(sb, ['--read-data-subset', '1/2'], env);
    const g2 = checkJson(sb, ['--read-data-subset', '2/2'], env);
    expect(g1.code).toBe(0);
    expect(g2.code).toBe(0);
    const packs = listPacks(sb.repo);
    // restic's groups: first byte of the pack id, modulo m.
    const expected1 = packs.filter((p) => parseInt(p.id.slice(0, 2), 16) % 2 === 0).length;
    expect(g1.doc.packs_read).toBe(expected1);
    expect(g1.doc.packs_read + g2.doc.packs_read).toBe(packs.length);
    expect(coverage(g2.doc)).toMatch(/\(100\.0 %\)$/);
  });

  it('percent: 50% twice covers every pack, least recently verified first', () => {
    const env = { SNAP_CACHE_DIR: sb.path('cache-percent') };
    const first = checkJson(sb, ['--read-data-subset', '50%'], env);
    expect(first.code).toBe(0);
    expect(first.doc.packs_read).toBeGreaterThan(0);
    expect(first.doc.packs_read).toBeLessThan(first.doc.packs);
    expect(coverage(first.doc)).not.toMatch(/\(100\.0 %\)$/);
    const second = checkJson(sb, ['--read-data-subset', '50%'], env);
    expect(second.code).toBe(0);
    expect(first.doc.packs_read + second.doc.packs_read).toBeGreaterThanOrEqual(first.doc.packs);
    expect(coverage(second.doc)).toMatch(/\(100\.0 %\)$/);
  });

  it('refuses a bad subset with a clear message (exit 1)', () => {
    for (const bad of ['0/2', '3/2', '1/0', '1/300', '0%', '150%', 'half']) {
      const r = sb.run(['check', '--read-data-subset', bad, '--json']);
      expect(r.code).toBe(1);
      expect(JSON.parse(r.stdout).error.code).toBe('invalid_argument');
      expect(r.stderr).toMatch(/--read-data-subset/);
    }
  });
});
