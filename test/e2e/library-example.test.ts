// docs/examples/library.mjs runs as documented: exit 0, two backups (the second reads only what
// changed), a restore identical to the source, and a repository the CLI opens and checks clean.

import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { diffTrees, Sandbox, snapshotTree } from './helpers.js';

const EXAMPLE = fileURLToPath(new URL('../../docs/examples/library.mjs', import.meta.url));
const PASSWORD = 'an example password, use a real one';

describe('docs/examples/library.mjs', () => {
  const sb = new Sandbox(PASSWORD);
  afterAll(() => sb.cleanup());

  it('backs up, lists, restores byte for byte, and prints the numbers', () => {
    const work = sb.root;
    const r = spawnSync(process.execPath, [EXAMPLE, work], { encoding: 'utf8', timeout: 120_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    const out = r.stdout;
    const field = (name: string, line: string) => Number(new RegExp(`${name}=(\\d+)`).exec(line)?.[1]);
    const lines = out.trimEnd().split('\n');

    expect(lines[0]).toMatch(new RegExp(`^repository [0-9a-f]{10} at ${path.join(work, 'repo')}$`));
    const b1 = lines.find((l) => l.startsWith('backup 1: '))!;
    const b2 = lines.find((l) => l.startsWith('backup 2: '))!;
    expect(field('files_new', b1)).toBe(3);
    // The copy of model.bin costs nothing: less was added than read.
    expect(field('bytes_added', b1)).toBeLessThan(field('bytes_read', b1));
    expect(field('files_unmodified', b2)).toBe(2);
    expect(field('files_changed', b2)).toBe(1);
    expect(field('bytes_read', b2)).toBeLessThan(field('bytes_read', b1));
    expect(lines).toContain('snapshots: 2');

    // The restored bytes are the source's bytes.
    const source = path.join(work, 'data');
    const sourceBytes = readdirSync(source, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .reduce((n, e) => n + statSync(path.join(e.parentPath, e.name)).size, 0);
    const restored = lines.find((l) => l.startsWith('restored '))!;
    expect(restored).toMatch(/ verified=true$/);
    expect(field('files', restored)).toBe(3);
    expect(field('bytes_written', restored)).toBe(sourceBytes);
    expect(field('logical_bytes', lines.find((l) => l.startsWith('logical_bytes='))!)).toBe(sourceBytes);
    expect(lines[lines.length - 1]).toBe('identical=true');
    expect(diffTrees(snapshotTree(source), snapshotTree(path.join(work, 'restored', source)))).toEqual([]);

    // The CLI sees the same repository: two snapshots, tagged, and a clean check.
    const env = { SNAP_REPO: path.join(work, 'repo'), SNAP_CACHE_DIR: path.join(work, 'cache') };
    const list = sb.json(['list'], { env });
    expect(list).toHaveLength(2);
    expect(list.map((s: { short_id: string }) => s.short_id)).toEqual(
      [...out.matchAll(/^backup \d: snapshot ([0-9a-f]{8}) /gm)].map((m) => m[1]),
    );
    expect(list[1]).toMatchObject({ tags: ['example'], paths: [source] });
    expect(sb.json(['check', '--read-data'], { env })).toMatchObject({ ok: true });
  });
});
