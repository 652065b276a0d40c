// Golden bytes for the location value of the LMDB cache and check's scratch tables (index/locationCodec.ts).

import { describe, expect, it } from 'vitest';
import { BlobType } from '../../src/ids.js';
import { Codec } from '../../src/pack/codec.js';
import {
  CACHED_LOCATION_BYTES,
  decodeLocation,
  encodeLocation,
  LOCATION_BYTES,
  LOCATION_FIELDS_BYTES,
  locationSeq,
  readLocationFields,
} from '../../src/blobindex/locationCodec.js';

const PACK = '0123456789abcdef'.repeat(4);
const FIELDS = { offset: 0x01020304, storedLength: 0x0a0b, rawLength: 0xfffffffe, type: BlobType.Tree, codec: Codec.ZstdShuffle4 };

describe('location value', () => {
  it('encodes to pinned bytes, with and without the index file seq', () => {
    const fields = '04030201' + '0b0a0000' + 'feffffff' + '01' + '02';
    expect(encodeLocation(PACK, FIELDS).toString('hex')).toBe(PACK + fields);
    expect(encodeLocation(PACK, FIELDS, 0x11223344).toString('hex')).toBe(PACK + fields + '44332211');
    expect([LOCATION_FIELDS_BYTES, LOCATION_BYTES, CACHED_LOCATION_BYTES]).toEqual([14, 46, 50]);
  });

  it('decodes what it encodes, the seq apart, and the fields alone at an offset', () => {
    const cached = encodeLocation(PACK, FIELDS, 7);
    expect(decodeLocation(cached)).toEqual({ packId: PACK, ...FIELDS });
    expect(decodeLocation(encodeLocation(PACK, FIELDS))).toEqual({ packId: PACK, ...FIELDS });
    expect(locationSeq(cached)).toBe(7);
    const record = Buffer.concat([Buffer.alloc(32, 9), cached]);
    expect(locationSeq(record, 32)).toBe(7);
    expect(readLocationFields('p', cached.subarray(32), 0)).toEqual({ packId: 'p', ...FIELDS });
  });
});
