// Issue 12: bytes that are not a tree (random data stored as a tree blob) are reported as a damaged
// tree naming its id, not as "tree format version 152"; a plausible later version stays an
// unsupported-format error, also naming the tree.

import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { IntegrityError, UnsupportedFormatError } from '../../src/errors.js';
import type { BlobId } from '../../src/ids.js';
import { decodeTreeNode, encodeIndirect, encodeLeaf, readTree } from '../../src/tree/index.js';

const ID = Buffer.alloc(32, 0xab) as BlobId;
const PART = Buffer.alloc(32, 0xcd) as BlobId;

async function drain(bytes: Buffer, load: (id: BlobId) => Promise<Buffer>): Promise<unknown> {
  try {
    for await (const _ of readTree(bytes, load, ID)) void _;
    return undefined;
  } catch (e) {
    return e;
  }
}

describe('tree decode errors', () => {
  it('random bytes: a damaged tree naming its id', async () => {
    const bytes = Buffer.concat([Buffer.from([152, 7]), randomBytes(200)]);
    const e = await drain(bytes, async () => Buffer.alloc(0));
    expect(e).toBeInstanceOf(IntegrityError);
    expect((e as Error).message).toBe(`tree ${ID.toString('hex')} is damaged: it does not start like a tree node (first bytes 9807)`);
    expect((e as IntegrityError).where.blob).toBe(ID.toString('hex'));
    expect(() => decodeTreeNode(bytes, ID)).toThrow(IntegrityError);
  });

  it('a version byte a later snap could write: unsupported format, naming the tree', () => {
    const bytes = Buffer.from([2, 0]);
    expect(() => decodeTreeNode(bytes, ID)).toThrow(UnsupportedFormatError);
    expect(() => decodeTreeNode(bytes, ID)).toThrow(`tree ${ID.toString('hex')}: tree format version 2`);
  });

  it('a damaged part is named by the part id, a bad entry by its tree', async () => {
    const root = encodeIndirect([PART]);
    const e = await drain(root, async () => randomBytes(64).fill(0, 0, 1));
    expect((e as Error).message).toContain(`tree ${PART.toString('hex')} is damaged`);
    const leaf = encodeLeaf([Buffer.from([0x05, 0x01, 0x02, 0x03])]);
    const e2 = await drain(leaf, async () => Buffer.alloc(0));
    expect(e2).toBeInstanceOf(IntegrityError);
    expect((e2 as Error).message).toMatch(new RegExp(`^tree ${ID.toString('hex')} is damaged: `));
  });
});
