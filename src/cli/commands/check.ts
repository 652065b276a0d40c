import type { Command } from 'commander';
import { InvalidArgumentError } from '../../errors.js';
import { checkRepository } from '../../maintenance/check/checkRepository.js';
import { parseDataSubset, type DataSubset } from '../../maintenance/check/readDataSubset.js';
import { EXIT } from '../errorTable.js';
import { escapeControl, printJson, size } from '../output.js';
import type { CliContext } from '../context.js';
import type { Run } from './registry.js';

interface CheckCliOptions {
  readData?: boolean;
  readDataSubset?: string;
}

export function registerCheck(program: Command, run: Run): void {
  program
    .command('check')
    .description('check the repository\'s structure; with --read-data also read and verify every chunk')
    .option('--read-data', 'read every pack: decrypt, decompress and re-hash every chunk')
    .option('--read-data-subset <n/m|percent>', 'read only group n of m (restic\'s groups), or the given percentage of pack bytes verified least recently')
    .action(run(async (ctx: CliContext, opts: unknown) => checkCommand(ctx, opts as CheckCliOptions)));
}

async function checkCommand(ctx: CliContext, o: CheckCliOptions): Promise<number> {
  if (o.readData && o.readDataSubset) throw new InvalidArgumentError('check: give either --read-data or --read-data-subset, not both');
  const readData: DataSubset | undefined = o.readDataSubset ? parseDataSubset(o.readDataSubset) : o.readData ? { kind: 'all' } : undefined;
  return ctx.withRepo('shared', async (repo) => {
    const started = performance.now();
    // The structure walk is quick; reading data is what takes time and gets a progress line.
    const view = readData ? ctx.progress('read data') : { update: () => undefined, stop: () => undefined };
    let result;
    try {
      result = await checkRepository(repo, {
        readData,
        signal: ctx.signal,
        progress: (p) => {
          if (p.phase === 'read-data') view.update({ files: p.packs, unit: 'packs', bytes: p.bytes, totalBytes: p.totalBytes, current: p.current });
        },
      });
    } finally {
      view.stop();
    }
    const seconds = (performance.now() - started) / 1000;
    if (ctx.json) {
      printJson(result);
    } else {
      // Errors are the result: printed even with --quiet.
      for (const e of result.errors) process.stdout.write(`error: ${e.kind}: ${escapeControl(e.message)}\n`);
      for (const n of result.notes) ctx.say(`note: ${n}`);
      ctx.say(
        `checked ${result.snapshots} snapshot(s), ${result.trees_checked} tree blob(s), ${result.chunks_checked} chunk(s), ${result.packs} pack(s)` +
          (readData ? `; read ${result.packs_read} pack(s), ${result.blobs_read} blob(s), ${size(result.bytes_read)} (${rate(result.bytes_read, seconds)})` : '') +
          ` in ${seconds.toFixed(1)} s`,
      );
      ctx.say(result.ok ? 'no errors were found' : `${result.errors.length} error(s) were found`);
    }
    if (!result.ok) ctx.warn(`snap: check found ${result.errors.length} error(s) in the repository at ${repo.location}`);
    return result.ok ? EXIT.ok : EXIT.failure;
  });
}

function rate(bytes: number, seconds: number): string {
  return `${size(seconds > 0 ? bytes / seconds : 0)}/s`;
}
