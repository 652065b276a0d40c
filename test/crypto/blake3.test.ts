// The BLAKE3 binding against the official vectors (BLAKE3-team/BLAKE3 test_vectors/test_vectors.json,
// first 32 bytes of each output, the binding has no XOF): one-shot, and reused hashers as IdHasher uses them.

import { blake3, Blake3Hasher } from '@napi-rs/blake-hash';
import { describe, expect, it } from 'vitest';
import { IdHasher, objectName } from '../../src/crypto/index.js';

const KEY = Buffer.from('whats the Elvish word for friend', 'ascii');

/** [input length, hash, keyed_hash]. The input of length n is the bytes i mod 251. */
const VECTORS: [number, string, string][] = [
  [0, 'af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262', '92b2b75604ed3c761f9d6f62392c8a9227ad0ea3f09573e783f1498a4ed60d26'],
  [1, '2d3adedff11b61f14c886e35afa036736dcd87a74d27b5c1510225d0f592e213', '6d7878dfff2f485635d39013278ae14f1454b8c0a3a2d34bc1ab38228a80c95b'],
  [63, 'e9bc37a594daad83be9470df7f7b3798297c3d834ce80ba85d6e207627b7db7b', 'bb1eb5d4afa793c1ebdd9fb08def6c36d10096986ae0cfe148cd101170ce37ae'],
  [64, '4eed7141ea4a5cd4b788606bd23f46e212af9cacebacdc7d1f4c6dc7f2511b98', 'ba8ced36f327700d213f120b1a207a3b8c04330528586f414d09f2f7d9ccb7e6'],
  [1023, '10108970eeda3eb932baac1428c7a2163b0e924c9a9e25b35bba72b28f70bd11', 'c951ecdf03288d0fcc96ee3413563d8a6d3589547f2c2fb36d9786470f1b9d6e'],
  [1024, '42214739f095a406f3fc83deb889744ac00df831c10daa55189b5d121c855af7', '75c46f6f3d9eb4f55ecaaee480db732e6c2105546f1e675003687c31719c7ba4'],
  [1025, 'd00278ae47eb27b34faecf67b4fe263f82d5412916c1ffd97c8cb7fb814b8444', '357dc55de0c7e382c900fd6e320acc04146be01db6a8ce7210b7189bd664ea69'],
  [2048, 'e776b6028c7cd22a4d0ba182a8bf62205d2ef576467e838ed6f2529b85fba24a', '879cf1fa2ea0e79126cb1063617a05b6ad9d0b696d0d757cf053439f60a99dd1'],
  [2049, '5f4d72f40d7a5f82b15ca2b2e44b1de3c2ef86c426c95c1af0b6879522563030', '9f29700902f7c86e514ddc4df1e3049f258b2472b6dd5267f61bf13983b78dd5'],
  [8192, 'aae792484c8efe4f19e2ca7d371d8c467ffb10748d8a5a1ae579948f718a2a63', 'dc9637c8845a770b4cbf76b8daec0eebf7dc2eac11498517f08d44c8fc00d58a'],
  [16384, 'f875d6646de28985646f34ee13be9a576fd515f76b5b0a26bb324735041ddde4', '9e9fc4eb7cf081ea7c47d1807790ed211bfec56aa25bb7037784c13c4b707b0d'],
  [31744, '62b6960e1a44bcc1eb1a611a8d6235b6b4b78f32e7abc4fb4c6cdcce94895c47', 'efa53b389ab67c593dba624d898d0f7353ab99e4ac9d42302ee64cbf9939a419'],
  [102400, 'bc3e3d41a1146b069abffad3c0d44860cf664390afce4d9661f7902e7943e085', '1c35d1a5811083fd7119f5d5d1ba027b4d01c0c6c49fb6ff2cf75393ea5db4a7'],
];

const input = (n: number): Buffer => Buffer.from(Array.from({ length: n }, (_, i) => i % 251));

describe('BLAKE3 official vectors', () => {
  it.each(VECTORS)('length %i: one-shot blake3 and keyed hasher', (n, hash, keyed) => {
    expect(blake3(input(n)).toString('hex')).toBe(hash);
    expect(Blake3Hasher.newKeyed(KEY).update(input(n)).digestBuffer().toString('hex')).toBe(keyed);
  });

  it('a reused keyed IdHasher gives every keyed vector, in order and in reverse', () => {
    const hasher = new IdHasher(KEY);
    for (const order of [VECTORS, [...VECTORS].reverse()]) {
      for (const [n, , keyed] of order) expect(hasher.hash(input(n)).toString('hex')).toBe(keyed);
    }
  });

  it('an unkeyed IdHasher gives the plain vectors', () => {
    const hasher = new IdHasher();
    for (const [n, hash] of VECTORS) expect(hasher.hash(input(n)).toString('hex')).toBe(hash);
  });

  it('a reused keyed hasher reset between uses, fed in pieces, matches', () => {
    const hasher = Blake3Hasher.newKeyed(KEY);
    for (const [n, , keyed] of VECTORS) {
      hasher.reset();
      const data = input(n);
      for (let at = 0; at < n; at += 1000) hasher.update(data.subarray(at, at + 1000));
      expect(hasher.digestBuffer().toString('hex')).toBe(keyed);
    }
  });

  it('objectName streams over a list of buffers like one buffer', () => {
    for (const [n, hash] of VECTORS) {
      const data = input(n);
      expect(objectName(data)).toBe(hash);
      expect(objectName([data.subarray(0, n >> 1), Buffer.alloc(0), data.subarray(n >> 1)])).toBe(hash);
    }
  });
});
