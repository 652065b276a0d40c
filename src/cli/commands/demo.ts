// `snap demo`: the quick start. Makes a sample tree, backs it up, changes part of it, backs it up
// again, restores the second snapshot, checks every restored byte, and says what dedup saved.

import type { Command } from 'commander';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { createSnapshot } from '../../archiver/createSnapshot.js';
import { LocalBackend } from '../../backend/local.js';
import { initRepository } from '../../repository/initRepository.js';
import { ENCRYPTED } from '../../repository/config.js';
import { openRepository } from '../../repository/openRepository.js';
import { restoreSnapshot } from '../../restorer/restoreSnapshot.js';
import { IntegrityError } from '../../errors.js';
import { printJson, size } from '../output.js';
import type { CliContext } from '../context.js';
import type { Run } from './registry.js';
import { makeSampleTree, changeSampleTree } from './demoData.js';

/** The demo repository's random password: 16 bytes, written as 32 hex characters. */
const DEMO_PASSWORD_BYTES = 16;

export function registerDemo(program: Command, run: Run): void {
  program
    .command('demo')
    .description('the quick start: back up a sample tree twice, restore it, verify it (uses a temp dir or <dir>)')
    .argument('[dir]', 'where to put the sample tree, repository and restore (default: a new temp dir)')
    .action(run(async (ctx: CliContext, dirArg: unknown) => {
      const dir = (dirArg as string | undefined) ?? (await fs.mkdtemp(path.join(os.tmpdir(), 'snap-demo-')));
      const src = path.join(dir, 'data');
      const repoDir = path.join(dir, 'repo');
      const restoreDir = path.join(dir, 'restored');
      await fs.mkdir(dir, { recursive: true });
      const password = randomBytes(DEMO_PASSWORD_BYTES).toString('hex');
      await fs.writeFile(path.join(dir, 'password'), password + '\n', { mode: 0o600 });
      const step = (s: string) => ctx.say(s);

      step(`demo in ${dir}`);
      const made = await makeSampleTree(src);
      step(`1. made a sample tree: ${made.files} files, ${size(made.bytes)} (text shards, a model checkpoint, 5 copies of one file)`);
      await initRepository(new LocalBackend(repoDir), { encryption: ENCRYPTED, password: Buffer.from(password), cacheDir: path.join(dir, 'cache') });
      const repo = await openRepository({ location: repoDir, password: async () => Buffer.from(password), cacheDir: path.join(dir, 'cache') });
      try {
        const first = await createSnapshot(repo, { paths: [src], signal: ctx.signal });
        step(`2. first backup ${first.snapshot_id!.slice(0, 8)}: read ${size(first.bytes_read)}, stored ${size(first.bytes_stored)} (dedup + zstd, AES-256-GCM)`);
        const changed = await changeSampleTree(src);
        step(`3. changed the tree: ${changed}`);
        const second = await createSnapshot(repo, { paths: [src], signal: ctx.signal });
        step(`4. second backup ${second.snapshot_id!.slice(0, 8)}: ${second.files_unmodified} files unchanged (not read), read ${size(second.bytes_read)}, stored ${size(second.bytes_stored)}`);
        const snap = await repo.loadSnapshot(second.snapshot_id as never);
        const restored = await restoreSnapshot(repo, snap, restoreDir, { verify: true });
        const mismatches = await compareTrees(src, path.join(restoreDir, src));
        if (mismatches.length || restored.verified !== true) throw new IntegrityError(`demo: restored tree differs from the source: ${mismatches.slice(0, 3).join(', ')}`);
        step(`5. restored the second snapshot to ${restoreDir}: ${restored.files} files, ${size(restored.bytes_written)}, every byte matches the source`);
        const logical = second.total_bytes;
        const total = await dirBytes(repoDir);
        const pct = ((second.bytes_stored / Math.max(1, logical)) * 100).toFixed(1);
        step(`6. the second snapshot is logically ${size(logical)} but stored only ${size(second.bytes_stored)} new (${pct} %); the repository holds both in ${size(total)}`);
        step(`   try: SNAP_PASSWORD_FILE=${path.join(dir, 'password')} npx snap -r ${repoDir} --cache-dir ${path.join(dir, 'cache')} list`);
        if (ctx.json) {
          printJson({
            ok: true, dir, repository: repoDir, snapshots: [first.snapshot_id, second.snapshot_id], logical_bytes: logical,
            first_bytes_stored: first.bytes_stored, second_bytes_added: second.bytes_added, second_bytes_stored: second.bytes_stored,
            repository_bytes: total, restored_files: restored.files, verified: true,
          });
        }
      } finally {
        await repo.close();
      }
    }));
}

async function compareTrees(a: string, b: string): Promise<string[]> {
  const bad: string[] = [];
  for (const name of await fs.readdir(a)) {
    const pa = path.join(a, name);
    const pb = path.join(b, name);
    const st = await fs.lstat(pa);
    if (st.isDirectory()) bad.push(...(await compareTrees(pa, pb)));
    else if (!(await fs.stat(pb).catch(() => undefined)) || (await sha(pa)) !== (await sha(pb))) bad.push(pa);
  }
  return bad;
}

const sha = async (p: string) => createHash('sha256').update(await fs.readFile(p)).digest('hex');

async function dirBytes(d: string): Promise<number> {
  let n = 0;
  for (const ent of await fs.readdir(d, { withFileTypes: true, recursive: true })) {
    if (ent.isFile()) n += (await fs.stat(path.join(ent.parentPath ?? (ent as unknown as { path: string }).path, ent.name))).size;
  }
  return n;
}
