// The blob saver's memory bound (issue 14): blobs waiting for an index file are bounded by count,
// not only by pack bytes, so a backup of many small files writes index files as it goes instead of
// holding every entry until the end. Real repository, real packs; the bound is set small here.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { Sandbox } from '../e2e/helpers.js';
import { openRepository } from '../../src/repository/openRepository.js';
import { BlobSaver } from '../../src/repository/blobSaver.js';
import { BlobType, type BlobId } from '../../src/ids.js';
import type { Repository } from '../../src/repository/repository.js';

const BLOBS = 24;
const BLOB_BYTES = 3000;
/** Small packs (the smallest the config allows) so that packs finish, and index writes follow, often. */
const PACK_BYTES = 4096;

describe('BlobSaver index files', () => {
  const sb = new Sandbox();
  beforeAll(() => sb.init());
  afterAll(() => sb.cleanup());

  const open = () => openRepository({ location: sb.repo, password: async () => Buffer.from(sb.password!), cacheDir: sb.cache });
  const indexDir = () => path.join(sb.repo, 'index');
  const indexFiles = () => (existsSync(indexDir()) ? readdirSync(indexDir(), { recursive: true }).map(String).filter((n) => /^[0-9a-f]{64}$/.test(path.basename(n))) : []);

  async function saveAll(repo: Repository, saver: BlobSaver, count = BLOBS): Promise<Map<BlobId, Buffer>> {
    const blobs = new Map<BlobId, Buffer>();
    for (let i = 0; i < count; i++) {
      const data = randomBytes(BLOB_BYTES); // incompressible: one or two per pack
      const id = repo.idHasher.hash(data);
      blobs.set(id, data);
      expect(await saver.save(BlobType.Data, id, data)).toBe(true);
    }
    await saver.flush();
    return blobs;
  }

  it('writes an index file whenever that many blobs wait, and every blob loads back', async () => {
    const repo = await open();
    try {
      (repo.config as { pack_size: number }).pack_size = PACK_BYTES;
      const before = indexFiles().length;
      const blobs = await saveAll(repo, new BlobSaver(repo, false, { indexFlushEntries: 4 }));
      // 24 blobs in packs of 1–2 blobs, an index file once ≥ 4 wait: at least 24 / 6 files.
      expect(indexFiles().length - before).toBeGreaterThanOrEqual(BLOBS / 6);
      for (const [id, data] of blobs) expect((await repo.loadBlob(id)).equals(data)).toBe(true);
    } finally {
      await repo.close();
    }
  });

  it('writes a single index file at the end when the bound is not reached', async () => {
    const repo = await open();
    try {
      (repo.config as { pack_size: number }).pack_size = PACK_BYTES;
      const before = indexFiles().length;
      // 16 blobs: below the byte bound too (16 packs' worth: 64 KiB here).
      const blobs = await saveAll(repo, new BlobSaver(repo, false, { indexFlushEntries: 1000 }), 16);
      expect(indexFiles().length - before).toBe(1);
      for (const [id, data] of blobs) expect((await repo.loadBlob(id)).equals(data)).toBe(true);
    } finally {
      await repo.close();
    }
  });
});
