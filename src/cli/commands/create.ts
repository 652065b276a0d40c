import type { Command } from 'commander';
import { InvalidArgumentError } from '../../errors.js';
import { EXIT } from '../errorTable.js';
import { printJson, size } from '../output.js';
import type { CliContext } from '../context.js';
import { collect, type Run } from './registry.js';
import { youngCollector } from '../youngGc.js';

interface CreateCliOptions {
  tag?: string[];
  host?: string;
  exclude?: string[];
  excludeFile?: string[];
  oneFileSystem?: boolean;
  parent?: string;
  time?: string;
  dryRun?: boolean;
  stdin?: boolean;
  stdinFilename?: string;
}

export function registerCreate(program: Command, run: Run): void {
  program
    .command('create')
    .alias('backup')
    .description('make a snapshot of the given paths')
    .argument('[paths...]', 'files and directories to back up')
    .option('--tag <tag>', 'tag the snapshot (repeatable)', collect)
    .option('--host <host>', 'record this host name instead of the machine\'s')
    .option('--exclude <glob>', 'leave out matching paths (repeatable)', collect)
    .option('--exclude-file <file>', 'read exclude patterns from a file (repeatable)', collect)
    .option('--one-file-system', 'do not cross file system boundaries')
    .option('--parent <snapshot>', 'compare against this snapshot instead of the latest with the same host and paths')
    .option('--time <iso-8601>', 'record this snapshot time instead of now')
    .option('--dry-run', 'report what would be added, write nothing')
    .option('--stdin', 'back up standard input as one file')
    .option('--stdin-filename <name>', 'file name for --stdin', 'stdin')
    .action(run(async (ctx: CliContext, paths: unknown, opts: unknown) => createCommand(ctx, paths as string[], opts as CreateCliOptions)));
}

/** SNAP_CHUNK_WORKERS / SNAP_SMALL_FILE_WORKERS: worker threads (tuning; unset: the library's default). */
function workersFromEnv(name: 'SNAP_CHUNK_WORKERS' | 'SNAP_SMALL_FILE_WORKERS'): number | undefined {
  return wholeFromEnv(name, MAX_WORKERS_FROM_ENV);
}
const MAX_WORKERS_FROM_ENV = 64;
/** SNAP_SMALL_FILE_WORKER_START: small files read on the main thread before those workers start (tuning). */
const MAX_WORKER_START = 2 ** 40;
/** SNAP_YOUNG_GC_BYTES: fresh buffer bytes between young collections (tuning; 0 = none; unset: YOUNG_GC_BYTES). */
const MAX_YOUNG_GC_BYTES = 2 ** 40;

function wholeFromEnv(name: string, max: number): number | undefined {
  const v = process.env[name];
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > max) throw new InvalidArgumentError(`${name}: expected a whole number 0..${max}, got '${v}'`);
  return n;
}

async function createCommand(ctx: CliContext, paths: string[], o: CreateCliOptions): Promise<number> {
  if (o.stdin && paths.length) throw new InvalidArgumentError('create: --stdin takes no paths');
  if (!o.stdin && paths.length === 0) throw new InvalidArgumentError('create: no paths given (or use --stdin)');
  const excludeFiles = o.excludeFile?.length ? (await import('../../archiver/excludes.js')).readExcludeFile : undefined;
  const excludes = [...(o.exclude ?? []), ...(o.excludeFile ?? []).flatMap((f) => excludeFiles!(f))];
  // The backup's modules load while the repository opens: its key derivation runs on another
  // thread (openRepository.ts), and a run that changes nothing is mostly such fixed costs.
  const loading = import('../../archiver/createSnapshot.js');
  loading.catch(() => undefined);
  const youngGcBytes = wholeFromEnv('SNAP_YOUNG_GC_BYTES', MAX_YOUNG_GC_BYTES);
  const collectYoung = youngGcBytes === 0 ? undefined : youngCollector();
  return ctx.withRepo('shared', async (repo, lock) => {
    const { createSnapshot } = await loading;
    const parent = o.parent ? await (await import('../../repository/selectSnapshot.js')).selectSnapshot(repo, o.parent) : undefined;
    const view = ctx.progress(o.dryRun ? 'dry run' : 'backup');
    let summary;
    try {
      summary = await createSnapshot(repo, {
        paths,
        tags: o.tag,
        host: o.host,
        excludes,
        oneFileSystem: o.oneFileSystem,
        parent,
        time: o.time,
        dryRun: o.dryRun,
        stdin: o.stdin ? { stream: process.stdin, filename: o.stdinFilename ?? 'stdin' } : undefined,
        progress: (p) => view.update({ files: p.files, bytes: p.bytesRead, current: p.current }),
        signal: ctx.signal,
        // The commit point: no snapshot record is written once this lock is gone (issue 11).
        checkLock: () => lock.assertHeld(),
        chunkWorkers: workersFromEnv('SNAP_CHUNK_WORKERS'),
        smallFileWorkers: workersFromEnv('SNAP_SMALL_FILE_WORKERS'),
        smallFileWorkerStart: wholeFromEnv('SNAP_SMALL_FILE_WORKER_START', MAX_WORKER_START),
        collectYoung,
        youngGcBytes,
      });
    } finally {
      view.stop();
    }
    for (const f of summary.files_failed) process.stderr.write(`snap: could not read ${f.path}: ${f.error}\n`);
    if (ctx.json) printJson(summary);
    else {
      const head = summary.snapshot_id ? `snapshot ${summary.snapshot_id.slice(0, 8)} saved` : 'dry run: nothing written';
      ctx.say(head);
      ctx.say(`  files: ${summary.files_new} new, ${summary.files_changed} changed, ${summary.files_unmodified} unmodified; ${summary.dirs} dirs`);
      ctx.say(`  read ${size(summary.bytes_read)}, added ${size(summary.bytes_added)} (stored ${size(summary.bytes_stored)}) in ${summary.duration_s} s`);
      if (summary.parent_id) ctx.say(`  parent ${summary.parent_id.slice(0, 8)}`);
    }
    if (summary.files_failed.length) {
      ctx.warn(`snap: ${summary.files_failed.length} file(s) could not be read; the snapshot was made without them`);
      return EXIT.partial;
    }
    return EXIT.ok;
  });
}
