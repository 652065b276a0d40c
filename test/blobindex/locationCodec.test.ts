// Golden bytes for the location value of check's scratch tables and the cache value of the LMDB
// cache (blobindex/locationCodec.ts).

import { describe, expect, it } from 'vitest';
import { BlobType } from '../../src/ids.js';
import { Codec } from '../../src/pack/codec.js';
import {
  CACHE_VALUE_BYTES,
  cacheValuePackIndex,
  cacheValueSeq,
  decodeLocation,
  encodeLocation,
  LOCATION_BYTES,
  LOCATION_FIELDS_BYTES,
  readCacheValue,
  readLocationFields,
  writeCacheValue,
} from '../../src/blobindex/locationCodec.js';

const PACK = '0123456789abcdef'.repeat(4);
const FIELDS = { offset: 0x01020304, storedLength: 0x0a0b, rawLength: 0xfffffffe, type: BlobType.Tree, codec: Codec.ZstdShuffle4 };
const FIELD_HEX = '04030201' + '0b0a0000' + 'feffffff' + '01' + '02';

describe('location value', () => {
  it('encodes to pinned bytes', () => {
    expect(encodeLocation(PACK, FIELDS).toString('hex')).toBe(PACK + FIELD_HEX);
    expect([LOCATION_FIELDS_BYTES, LOCATION_BYTES, CACHE_VALUE_BYTES]).toEqual([14, 46, 22]);
  });

  it('decodes what it encodes, and the fields alone at an offset', () => {
    const v = encodeLocation(PACK, FIELDS);
    expect(decodeLocation(v)).toEqual({ packId: PACK, ...FIELDS });
    expect(readLocationFields('p', v.subarray(32), 0)).toEqual({ packId: 'p', ...FIELDS });
  });
});

describe('cache value', () => {
  it('encodes to pinned bytes: seq, pack index, fields', () => {
    const out = Buffer.alloc(2 + CACHE_VALUE_BYTES, 0xee);
    writeCacheValue(out, 2, 0x11223344, 0x0506, FIELDS);
    expect(out.toString('hex')).toBe('eeee' + '44332211' + '06050000' + FIELD_HEX);
  });

  it('decodes what it encodes, at an offset too', () => {
    const record = Buffer.alloc(32 + CACHE_VALUE_BYTES, 9);
    writeCacheValue(record, 32, 7, 3, FIELDS);
    expect(cacheValueSeq(record, 32)).toBe(7);
    expect(cacheValuePackIndex(record, 32)).toBe(3);
    expect(readCacheValue(PACK, record, 32)).toEqual({ packId: PACK, ...FIELDS });
    const v = record.subarray(32);
    expect([cacheValueSeq(v), cacheValuePackIndex(v)]).toEqual([7, 3]);
  });
});
