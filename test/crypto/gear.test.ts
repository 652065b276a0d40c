import { Blake3Hasher } from '@napi-rs/blake-hash';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/errors.js';
import { deriveGearBytes, GEAR_BYTES, hashHex } from '../../src/crypto/index.js';
import { CHUNKER_KEY, seq } from './fixtures.js';

describe('deriveGearBytes', () => {
  const gear = deriveGearBytes(CHUNKER_KEY);

  it('golden vector: chunkerKey 40 41 … 5f', () => {
    expect(gear.length).toBe(GEAR_BYTES);
    expect(GEAR_BYTES).toBe(2048);
    expect(gear.subarray(0, 16).toString('hex')).toBe('81caf2e07384e86ae219f41cc4130dbf');
    expect(gear.subarray(GEAR_BYTES - 16).toString('hex')).toBe('4f4921e1412d85c4bf2fdd6b82fe9b2f');
    // The whole table, through its plain BLAKE3.
    expect(hashHex(gear)).toBe('7f5b9b1e3c7c55120a0f202b82bc9c573dc6a4504a0f0a766961af4a0ae6ba58');
  });

  it('entry i is u64le at 8·(i mod 4) of keyed_BLAKE3(key, "snap gear v1" || u32le(⌊i/4⌋))', () => {
    for (let i = 0; i < 256; i++) {
      const message = Buffer.concat([Buffer.from('snap gear v1', 'ascii'), Buffer.alloc(4)]);
      message.writeUInt32LE(Math.floor(i / 4), 12);
      const digest = Blake3Hasher.newKeyed(CHUNKER_KEY).update(message).digestBuffer();
      expect(gear.readBigUInt64LE(8 * i)).toBe(digest.readBigUInt64LE(8 * (i % 4)));
    }
  });

  it('depends on the key, and is deterministic', () => {
    expect(deriveGearBytes(CHUNKER_KEY).equals(gear)).toBe(true);
    expect(deriveGearBytes(seq(0x41, 32)).equals(gear)).toBe(false);
  });

  it('refuses a key that is not 32 bytes', () => {
    expect(() => deriveGearBytes(Buffer.alloc(31))).toThrow(InvalidArgumentError);
  });
});
