// docs/operations-check.md "When something is damaged", run exactly as written: one flipped byte in
// a data pack of a real repository, then check --read-data → repair index --read-data → repair
// snapshots --forget → prune → check --read-data is clean, every intact file restores bit for bit,
// and a new backup of the source stores the lost file again.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Sandbox } from '../e2e/helpers.js';
import { flipByte, listPacks, newPacks, randomFile, type PackFile } from '../fixtures/damageRepo.js';
import { hashTree } from './baseRepos.js';

const VICTIM_BYTES = 1024 * 1024;
const REAL_FILES = fileURLToPath(new URL('../../node_modules/commander/lib', import.meta.url));

describe.each([['encrypted', []], ['unencrypted', ['--encryption', 'none']]] as const)('damage recovery path, end to end (%s, ~30 s)', (_n, initArgs) => {
  const sb = new Sandbox(initArgs.length ? undefined : 'pw');
  const src = sb.path('src');
  const victim = path.join(src, 'victim.bin');
  let pack: PackFile;
  const snap = (args: string[]) => {
    const r = sb.run(args);
    return { ...r, all: r.stderr + r.stdout };
  };

  beforeAll(() => {
    sb.init([...initArgs]);
    cpSync(REAL_FILES, path.join(src, 'lib'), { recursive: true });
    randomFile(victim, VICTIM_BYTES);
    sb.ok(['create', src]);
    pack = newPacks([], listPacks(sb.repo))[0]; // the biggest: the victim's random data
    flipByte(pack.file, Math.floor(pack.size / 2));
  });
  afterAll(() => sb.cleanup());

  it('check without --read-data does not read blobs, so it cannot see the flipped byte', () => {
    expect(snap(['check']).code).toBe(0);
  });

  it('check --read-data names the damaged blob, its pack and the file that uses it', () => {
    const r = snap(['check', '--read-data']);
    expect(r.code).toBe(1);
    expect(r.all).toMatch(new RegExp(`error: blob_damaged: snapshot [0-9a-f]{8}, ${victim}: data blob [0-9a-f]{64} in pack ${pack.id} is damaged`));
    expect(r.all).toContain('1 error(s) were found');
  });

  it('repair index --read-data leaves the damaged blob out; check then reports it missing', () => {
    const r = snap(['repair', 'index', '--read-data']);
    expect(r.code).toBe(0);
    expect(r.all).toMatch(new RegExp(`dropped blob [0-9a-f]{64} in pack ${pack.id}`));
    expect(r.all).toContain("run 'snap repair snapshots'");
    const c = snap(['check']);
    expect(c.code).toBe(1);
    expect(c.all).toMatch(new RegExp(`error: blob_missing: snapshot [0-9a-f]{8}, ${victim}: data blob [0-9a-f]{64} is not in the index`));
  });

  it('repair snapshots --dry-run lists the file; --forget rewrites the snapshot without it', () => {
    const dry = snap(['repair', 'snapshots', '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.all).toContain('would be rewritten; dropped:');
    expect(dry.all).toContain(`  ${victim}`);
    const r = snap(['repair', 'snapshots', '--forget']);
    expect(r.code).toBe(0);
    expect(r.all).toMatch(/snapshot [0-9a-f]{8} rewritten as [0-9a-f]{8} \(original removed\)/);
    expect(snap(['check']).code).toBe(0);
  });

  it('prune removes the damaged leftovers; check --read-data is clean', () => {
    const r = snap(['prune']);
    expect(r.code).toBe(0);
    expect(r.all).toMatch(/freed /);
    // The damaged pack is deleted or repacked when its unused share is over --max-unused (5 %);
    // a pack mostly used by other files may stay, its damaged bytes indexed by nothing.
    const c = snap(['check', '--read-data']);
    expect(c.code).toBe(0);
    expect(c.all).toContain('no errors were found');
  });

  it('every intact file restores bit for bit; a new backup stores the lost file again', () => {
    const want = hashTree(src);
    sb.ok(['restore', `latest:${src}`, sb.path('t1')]);
    const got = hashTree(sb.path('t1'));
    expect([...got.keys()].sort()).toEqual([...want.keys()].filter((p) => p !== 'victim.bin').sort());
    for (const [p, h] of got) expect(h).toBe(want.get(p));
    sb.ok(['create', src]);
    sb.ok(['restore', `latest:${src}`, sb.path('t2')]);
    expect(hashTree(sb.path('t2'))).toEqual(want);
    expect(snap(['check', '--read-data']).code).toBe(0);
  });
});
