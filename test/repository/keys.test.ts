// unlockKeys bounds (issue 15, item 5), on a real local backend: the order key files are tried in,
// and the cap on how many are read when none opens.

import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LocalBackend } from '../../src/backend/local.js';
import { generateKeyMaterial } from '../../src/crypto/index.js';
import { WrongPasswordError } from '../../src/errors.js';
import { addKey, listKeyNames, MAX_KEY_FILES_TRIED, orderKeyNames, unlockKeys } from '../../src/repository/keys.js';

const KDF = { name: 'scrypt', N: 1024, r: 8, p: 1 } as const;
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function backendWithKeys(count: number, password: string): Promise<LocalBackend> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'snap-keys-'));
  dirs.push(dir);
  const b = new LocalBackend(dir);
  await b.create();
  for (let i = 0; i < count; i++) await addKey(b, generateKeyMaterial(), Buffer.from(`${password} ${i}`), KDF);
  return b;
}

describe('unlockKeys', () => {
  it('orders the hinted key first, then known keys, then the rest by name', () => {
    expect(orderKeyNames(['d', 'c', 'b', 'a'], { lastKey: 'c', knownKeys: ['d', 'c'] })).toEqual(['c', 'd', 'a', 'b']);
    expect(orderKeyNames(['b', 'a'], {})).toEqual(['a', 'b']);
  });

  it(`reads at most ${MAX_KEY_FILES_TRIED} key files and says so when none opens`, async () => {
    const b = await backendWithKeys(MAX_KEY_FILES_TRIED + 4, 'other');
    const names = await listKeyNames(b);
    expect(names).toHaveLength(MAX_KEY_FILES_TRIED + 4);
    const err = await unlockKeys(b, Buffer.from('wrong'), names).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WrongPasswordError);
    expect((err as Error).message).toContain(`only the first ${MAX_KEY_FILES_TRIED} of ${MAX_KEY_FILES_TRIED + 4} key files were tried`);
  });

  it('the hinted key opens even when it would sort past the cap', async () => {
    const b = await backendWithKeys(MAX_KEY_FILES_TRIED + 4, 'pw');
    const names = await listKeyNames(b);
    const last = [...names].sort().at(-1)!;
    // Which password opens `last` is unknown here; try each: exactly one opens it, via the hint.
    let opened = 0;
    for (let i = 0; i < MAX_KEY_FILES_TRIED + 4; i++) {
      const r = await unlockKeys(b, Buffer.from(`pw ${i}`), names, { lastKey: last }).catch(() => undefined);
      if (r?.keyId === last) opened++;
    }
    expect(opened).toBe(1);
  });
});
