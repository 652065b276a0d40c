// repository/ owns an opened repository: its config, keys, locks, snapshots, the audit log, and
// blobs in and out. This file: the `config` object (format v1), pure encode/decode.

import { randomBytes } from 'node:crypto';
import { IntegrityError, UnsupportedFormatError } from '../errors.js';
import type { CompressionConfig } from '../pack/codec.js';
import type { NormalizationLevel } from '../chunker/index.js';

export const FORMAT_MAJOR = 1;
export const FORMAT_MINOR = 0;
/** Pack files are finished when their payload reaches this size (restic's default too). */
export const DEFAULT_PACK_SIZE = 16 * 1024 * 1024;

export interface ChunkerConfig {
  algorithm: 'fastcdc-2020';
  min: number;
  avg: number;
  max: number;
  /** FastCDC normalisation level (0–3). */
  level: NormalizationLevel;
  /** "keyed": gear table derived from the chunker key; "standard": fastcdc-rs's public table. */
  gear: 'keyed' | 'standard';
}

export interface RepoConfig {
  version: string;
  id: string;
  created: string;
  encryption: 'aes-256-gcm' | 'none';
  compression: CompressionConfig;
  chunker: ChunkerConfig;
  pack_size: number;
}

export function newRepoId(): string {
  return randomBytes(32).toString('hex');
}

export function encodeConfig(c: RepoConfig): Buffer {
  // Fixed key order: the same config always encodes to the same bytes.
  const ordered: RepoConfig = {
    version: c.version,
    id: c.id,
    created: c.created,
    encryption: c.encryption,
    compression: { codec: c.compression.codec, level: c.compression.level },
    chunker: { algorithm: c.chunker.algorithm, min: c.chunker.min, avg: c.chunker.avg, max: c.chunker.max, level: c.chunker.level, gear: c.chunker.gear },
    pack_size: c.pack_size,
  };
  return Buffer.from(JSON.stringify(ordered), 'utf8');
}

export function decodeConfig(buf: Buffer, where: string): RepoConfig {
  let c: RepoConfig;
  try {
    c = JSON.parse(buf.toString('utf8')) as RepoConfig;
  } catch {
    throw new IntegrityError(`${where}/config is not readable (damaged, or encrypted without keys)`, { object: 'config' });
  }
  const major = Number(String(c.version ?? '').split('.')[0]);
  if (major !== FORMAT_MAJOR) {
    throw new UnsupportedFormatError(`${where}: repository format ${c.version} is not supported (this snap reads format ${FORMAT_MAJOR}.x)`);
  }
  if (!c.id || !c.chunker || !c.compression) throw new IntegrityError(`${where}/config lacks required fields`, { object: 'config' });
  return c;
}
