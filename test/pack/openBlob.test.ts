// The one blob open path (pack/openBlob.ts): each way stored bytes can fail to be the blob gives its
// own reason, and the thrown error names the pack, the blob and the offset, encrypted or not.

import { describe, expect, it } from 'vitest';
import { generateKeyMaterial, IdHasher, PackCipher } from '../../src/crypto/index.js';
import { IntegrityError } from '../../src/errors.js';
import type { BlobId } from '../../src/ids.js';
import { Codec, encodeBlob } from '../../src/pack/codec.js';
import { openBlob, tryOpenBlob, type BlobLocation } from '../../src/pack/openBlob.js';

const OFFSET = 32;
const PACK = 'ab'.repeat(32);

describe.each([['encrypted', true], ['unencrypted', false]])('openBlob (%s)', (_n, encrypted) => {
  const keys = generateKeyMaterial();
  const hasher = new IdHasher(encrypted ? keys.idKey : undefined);
  const salt = Buffer.alloc(PackCipher.SALT_BYTES, 7);
  const reader = encrypted ? PackCipher.fromSalt(keys.masterKey, salt) : undefined;

  async function stored(content: Buffer) {
    const { codec, bytes } = await encodeBlob(content, { codec: 'zstd', level: 3 });
    // A new writer each time: one writer never encrypts at the same offset twice.
    const out = encrypted ? PackCipher.fromSalt(keys.masterKey, salt).encryptAt(OFFSET, bytes) : bytes;
    const loc: BlobLocation = { packId: PACK, offset: OFFSET, storedLength: out.length, rawLength: content.length, codec };
    return { out, loc, encoded: bytes, id: hasher.hash(content) as BlobId };
  }

  it('opens a whole blob: its content and its encoded bytes', async () => {
    const content = Buffer.from('hello '.repeat(500));
    const s = await stored(content);
    const r = await openBlob(s.out, s.loc, s.id, reader, hasher);
    expect(r.plain.equals(content)).toBe(true);
    expect(r.encoded.equals(s.encoded)).toBe(true);
  });

  it('says why each kind of damage is not the blob', async () => {
    const content = Buffer.from('hello '.repeat(500));
    const s = await stored(content);
    const damage = async (bytes: Buffer, loc: BlobLocation = s.loc, id: BlobId = s.id) => {
      const r = await tryOpenBlob(bytes, loc, id, reader, hasher);
      return 'damage' in r ? r.damage : 'opened';
    };
    expect(await damage(s.out.subarray(1))).toBe(`is truncated (${s.out.length - 1} of ${s.out.length} bytes)`);
    const flipped = Buffer.from(s.out);
    flipped[4]! ^= 1;
    expect(await damage(flipped)).toBe(encrypted ? 'fails authentication (damaged)' : 'does not decompress (damaged)');
    expect(await damage(s.out, { ...s.loc, rawLength: content.length + 1 })).toBe('does not decompress (damaged)');
    expect(await damage(s.out, { ...s.loc, codec: Codec.Raw })).toBe('does not decompress (damaged)');
    const other = Buffer.from(s.id);
    other[0]! ^= 1;
    expect(await damage(s.out, s.loc, other as BlobId)).toBe('does not match its id (damaged data)');
    if (encrypted) expect(await damage(s.out, { ...s.loc, offset: OFFSET + 1 })).toBe('fails authentication (damaged)');
  });

  it('throws an IntegrityError naming pack, blob and offset', async () => {
    const s = await stored(Buffer.from('x'.repeat(100)));
    const e = await openBlob(s.out.subarray(2), s.loc, s.id, reader, hasher).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(IntegrityError);
    const hex = s.id.toString('hex');
    expect((e as IntegrityError).message).toBe(`pack ${PACK}: blob ${hex} at offset ${OFFSET} is truncated (${s.out.length - 2} of ${s.out.length} bytes)`);
    expect((e as IntegrityError).where).toEqual({ pack: PACK, blob: hex });
  });
});
