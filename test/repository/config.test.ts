// The config's bytes are a format: a config without object_lock must encode exactly as before the
// field existed (format 1.0 readers and the archived fixture), and one with it adds exactly one
// field at the end. object_lock read from storage is validated like every other field.

import { describe, expect, it } from 'vitest';
import { decodeConfig, encodeConfig, objectLockSettings, type RepoConfig } from '../../src/repository/config.js';

const base: RepoConfig = {
  version: '1.0',
  id: 'ab'.repeat(32),
  created: '2026-01-02T03:04:05.000Z',
  encryption: 'none',
  compression: { codec: 'zstd', level: 3 },
  chunker: { algorithm: 'fastcdc-2020', min: 262144, avg: 1048576, max: 4194304, level: 1, gear: 'standard' },
  pack_size: 16777216,
};
const GOLDEN_V1 =
  '{"version":"1.0","id":"' + 'ab'.repeat(32) + '","created":"2026-01-02T03:04:05.000Z","encryption":"none",' +
  '"compression":{"codec":"zstd","level":3},"chunker":{"algorithm":"fastcdc-2020","min":262144,"avg":1048576,"max":4194304,"level":1,"gear":"standard"},' +
  '"pack_size":16777216}';

describe('config object_lock', () => {
  it('a config without object_lock encodes to the bytes of format 1.0 (golden), and decodes without the field', () => {
    expect(encodeConfig(base).toString('utf8')).toBe(GOLDEN_V1);
    const back = decodeConfig(Buffer.from(GOLDEN_V1), 'r');
    expect(back).toEqual(base);
    expect('object_lock' in back).toBe(false);
    expect(objectLockSettings(back)).toBeUndefined();
  });

  it('with object_lock: one field more at the end (golden), read back, and sent to S3 upper-case', () => {
    // init writes minor version 1 with the field (format.md: minor versions add optional things).
    const locked: RepoConfig = { ...base, version: '1.1', object_lock: { mode: 'compliance', days: 30 } };
    const bytes = encodeConfig(locked).toString('utf8');
    expect(bytes).toBe(GOLDEN_V1.replace('"version":"1.0"', '"version":"1.1"').slice(0, -1) + ',"object_lock":{"mode":"compliance","days":30}}');
    const back = decodeConfig(Buffer.from(bytes), 'r');
    expect(back.object_lock).toEqual({ mode: 'compliance', days: 30 });
    expect(objectLockSettings(back)).toEqual({ mode: 'COMPLIANCE', days: 30 });
    expect(objectLockSettings({ ...base, object_lock: { mode: 'governance', days: 1 } })).toEqual({ mode: 'GOVERNANCE', days: 1 });
  });

  it.each([
    ['a string', '"COMPLIANCE:30"', /object_lock is not an object/],
    ['null', 'null', /object_lock is not an object/],
    ['an unknown mode', '{"mode":"legal-hold","days":3}', /object_lock mode "legal-hold" is not governance or compliance/],
    ['an upper-case mode', '{"mode":"COMPLIANCE","days":3}', /object_lock mode "COMPLIANCE"/],
    ['zero days', '{"mode":"governance","days":0}', /object_lock days 0 is not a whole number in \[1, 3650\]/],
    ['a century', '{"mode":"compliance","days":36500}', /object_lock days 36500 is not/],
    ['fractional days', '{"mode":"governance","days":1.5}', /object_lock days 1.5 is not/],
    ['days as text', '{"mode":"governance","days":"30"}', /object_lock days "30" is not/],
    ['an extra field', '{"mode":"governance","days":3,"bypass":true}', /object_lock has fields "bypass,days,mode"/],
    ['a missing field', '{"mode":"governance"}', /object_lock has fields "mode"/],
  ])('object_lock as %s is refused naming the field', (_what, value, message) => {
    const bytes = Buffer.from(GOLDEN_V1.slice(0, -1) + `,"object_lock":${value}}`);
    expect(() => decodeConfig(bytes, 'r')).toThrow(message);
  });
});
