// The README's nightly-job example (the block between <!-- nightly-example --> markers) runs as
// written against the build: three nights of create → forget → prune → check. The code is taken
// from the README itself, so the two cannot drift apart.

import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Sandbox } from './helpers.js';

const README = fileURLToPath(new URL('../../README.md', import.meta.url));
const DIST = pathToFileURL(fileURLToPath(new URL('../../dist/index.js', import.meta.url))).href;

/** The README's code block between the markers, importing the build instead of the package. */
function nightlyExample(): string {
  const text = readFileSync(README, 'utf8');
  const m = /<!-- nightly-example -->\n```js\n([\s\S]*?)```\n<!-- \/nightly-example -->/.exec(text);
  if (!m) throw new Error('README.md has no nightly-example block');
  return m[1]!.replace(/from 'snap';/, `from '${DIST}';`);
}

describe('README nightly example', () => {
  const sb = new Sandbox();
  afterAll(() => sb.cleanup());

  it('runs create, forget, prune and check night after night, and the CLI agrees', async () => {
    sb.init();
    const file = sb.path('nightly.mjs');
    writeFileSync(file, nightlyExample());
    const { nightly } = (await import(pathToFileURL(file).href)) as { nightly: (o: object) => Promise<Record<string, any>> };
    const data = sb.path('data');
    mkdirSync(data);
    const opts = { location: sb.repo, password: Buffer.from(sb.password!), paths: [data], cacheDir: sb.cache };
    const nights = [];
    for (let n = 1; n <= 3; n++) {
      writeFileSync(path.join(data, `night-${n}.txt`), `night ${n}\n`.repeat(1000 * n));
      nights.push(await nightly(opts));
    }
    for (const r of nights) {
      expect(r.ok, JSON.stringify(r.errors)).toBe(true);
      expect(r.snapshot).toMatch(/^[0-9a-f]{64}$/);
    }
    // All three nights fall on one day: daily 7 keeps that day's latest, so older nights are
    // forgotten (how many on which night depends on the buckets' boundaries; none on the first).
    const forgotten = nights.map((r) => r.forgotten as number);
    expect(forgotten[0]).toBe(0);
    expect(forgotten[1]! + forgotten[2]!).toBeGreaterThanOrEqual(1);
    const list = sb.json(['list']);
    expect(list).toHaveLength(3 - forgotten[1]! - forgotten[2]!);
    expect(list.at(-1).id).toBe(nights[2]!.snapshot);
    expect(list.at(-1).tags).toEqual(['nightly']);
    expect(sb.json(['check', '--read-data'])).toMatchObject({ ok: true });
    const restored = sb.path('restored');
    sb.ok(['restore', 'latest', restored]);
    expect(readFileSync(path.join(restored, data, 'night-3.txt'), 'utf8')).toBe('night 3\n'.repeat(3000));
  });
});
