// The demo's sample data: text shards that grow, a model checkpoint rewritten in part, duplicates.
// Deterministic (a seeded generator), so every demo shows the same figures.

import { promises as fs } from 'node:fs';
import path from 'node:path';

const WORDS = 'the model data token layer loss epoch batch gradient weight vector index shard train eval sample value metric update'.split(' ');
const SHARDS = 40;
const SHARD_LINES = 4000;
const CHECKPOINT_BYTES = 24 * 1024 * 1024;
const COPY_BYTES = 2 * 1024 * 1024;
const COPIES = 5;

function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

function jsonl(r: () => number, lines: number, start: number): string {
  let s = '';
  for (let i = 0; i < lines; i++) {
    const text = Array.from({ length: 12 + Math.floor(r() * 20) }, () => WORDS[Math.floor(r() * WORDS.length)]).join(' ');
    s += JSON.stringify({ id: start + i, text, score: Math.round(r() * 1e4) / 1e4 }) + '\n';
  }
  return s;
}

function checkpoint(r: () => number, bytes: number): Buffer {
  const f = new Float32Array(bytes / 4);
  for (let i = 0; i < f.length; i++) f[i] = (r() - 0.5) * 0.02;
  return Buffer.from(f.buffer);
}

export async function makeSampleTree(dir: string): Promise<{ files: number; bytes: number }> {
  const r = rng(42);
  await fs.mkdir(path.join(dir, 'shards'), { recursive: true });
  await fs.mkdir(path.join(dir, 'copies'), { recursive: true });
  let bytes = 0;
  for (let i = 0; i < SHARDS; i++) {
    const t = jsonl(r, SHARD_LINES, i * SHARD_LINES);
    await fs.writeFile(path.join(dir, 'shards', `shard-${String(i).padStart(3, '0')}.jsonl`), t);
    bytes += Buffer.byteLength(t);
  }
  await fs.writeFile(path.join(dir, 'model.bin'), checkpoint(r, CHECKPOINT_BYTES));
  bytes += CHECKPOINT_BYTES;
  const blob = checkpoint(r, COPY_BYTES);
  for (let i = 0; i < COPIES; i++) await fs.writeFile(path.join(dir, 'copies', `copy-${i}.bin`), blob);
  bytes += COPIES * COPY_BYTES;
  return { files: SHARDS + 1 + COPIES, bytes };
}

/** Night two: append to some shards, rewrite 5 % of the checkpoint in place, add and delete a shard. */
export async function changeSampleTree(dir: string): Promise<string> {
  const r = rng(7);
  for (let i = 0; i < 5; i++) await fs.appendFile(path.join(dir, 'shards', `shard-${String(i * 7).padStart(3, '0')}.jsonl`), jsonl(r, 200, 1e6 + i * 200));
  const fh = await fs.open(path.join(dir, 'model.bin'), 'r+');
  const region = Math.floor(CHECKPOINT_BYTES / 20 / 4) * 4;
  await fh.write(checkpoint(r, region), 0, region, CHECKPOINT_BYTES / 2);
  await fh.close();
  await fs.writeFile(path.join(dir, 'shards', 'shard-new.jsonl'), jsonl(r, SHARD_LINES, 2e6));
  await fs.rm(path.join(dir, 'shards', 'shard-039.jsonl'));
  return 'appended to 5 shards, rewrote 5 % of model.bin in place, added one shard, deleted one';
}
