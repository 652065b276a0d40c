import { Option, type Command } from 'commander';
import { DEFAULT_KDF, isWeakKdf, parseKdf, formatKdf } from '../../crypto/index.js';
import { InvalidArgumentError } from '../../errors.js';
import { DEFAULT_COMPRESSION, parseCompression, type CompressionConfig } from '../../pack/codec.js';
import { DEFAULT_CHUNKER_PARAMS } from '../../chunker/params.js';
import { openBackend } from '../../backend/openBackend.js';
import { initRepository, isInterruptedInit, requireObjectLock } from '../../repository/initRepository.js';
import { ENCRYPTED, MAX_LOCK_DAYS, MIN_LOCK_DAYS, MIN_PACK_SIZE, OBJECT_LOCK_MODES, UNENCRYPTED, type ObjectLockConfig, type ObjectLockMode } from '../../repository/config.js';
import { FROM_PASSWORD, passwordSource } from '../password.js';
import { printJson } from '../output.js';
import type { Run } from './registry.js';
import type { CliContext } from '../context.js';

/** The repository's encryption when --encryption is not given (CLI.md: encrypted is the default). */
const DEFAULT_ENCRYPTION = ENCRYPTED;

/** Compression as --compression spells it (and init's JSON reports it). */
function compressionText(c: CompressionConfig): string {
  return c.codec === 'none' ? 'none' : `zstd:${c.level}`;
}

/** The core's default chunk sizes as --chunk-size spells them. */
const DEFAULT_CHUNK_SIZE = [DEFAULT_CHUNKER_PARAMS.min, DEFAULT_CHUNKER_PARAMS.avg, DEFAULT_CHUNKER_PARAMS.max].join(',');

export function parseChunkSize(s: string): { min: number; avg: number; max: number } {
  const parts = s.split(',').map((x) => Number(x.trim()));
  if (parts.length !== 3 || parts.some((n) => !Number.isInteger(n) || n <= 0)) {
    throw new InvalidArgumentError(`--chunk-size: expected min,avg,max in bytes (e.g. ${DEFAULT_CHUNK_SIZE}), got '${s}'`);
  }
  const [min, avg, max] = parts as [number, number, number];
  return { min, avg, max };
}

/**
 * --object-lock-mode when not given: governance. A restic or borg user's "append-only" is one the
 * administrator can still undo (borg's append_only flag, a rest-server started without
 * --append-only); GOVERNANCE is that: snap's credentials (without s3:BypassGovernanceRetention)
 * cannot delete or overwrite history, the bucket's administrator can, for instance after a typo in
 * DAYS. COMPLIANCE cannot be undone by anyone, the account's root included, for DAYS: chosen on purpose.
 */
const DEFAULT_LOCK_MODE: ObjectLockMode = 'governance';

export function parseObjectLock(days: string | undefined, mode: string | undefined): ObjectLockConfig | undefined {
  if (days === undefined) {
    if (mode !== undefined) throw new InvalidArgumentError('--object-lock-mode needs --object-lock DAYS');
    return undefined;
  }
  const n = Number(days);
  if (!/^\d+$/.test(days.trim()) || n < MIN_LOCK_DAYS || n > MAX_LOCK_DAYS) throw new InvalidArgumentError(`--object-lock: expected a number of days from ${MIN_LOCK_DAYS} to ${MAX_LOCK_DAYS}, got '${days}'`);
  const m = (mode ?? DEFAULT_LOCK_MODE).toLowerCase() as ObjectLockMode;
  if (!OBJECT_LOCK_MODES.includes(m)) throw new InvalidArgumentError(`--object-lock-mode: expected ${OBJECT_LOCK_MODES.join(' or ')}, got '${mode}'`);
  return { mode: m, days: n };
}

/** Hidden --pack-size: at least 4 KiB, so a pack always holds a few blobs. */
function parsePackSize(s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  const n = Number(s);
  if (!Number.isSafeInteger(n) || n < MIN_PACK_SIZE) throw new InvalidArgumentError(`--pack-size: expected a number of bytes of at least ${MIN_PACK_SIZE}, got '${s}'`);
  return n;
}

export function registerInit(program: Command, run: Run): void {
  program
    .command('init')
    .description('create a repository (encrypted unless --encryption none)')
    .option('--encryption <mode>', `${ENCRYPTED} or ${UNENCRYPTED}`, DEFAULT_ENCRYPTION)
    .option('--compression <codec>', 'zstd, zstd:N (level) or none', compressionText(DEFAULT_COMPRESSION))
    .option('--chunk-size <min,avg,max>', 'FastCDC chunk sizes in bytes (default from the chunk-size study, docs/benchmarks.md)', DEFAULT_CHUNK_SIZE)
    .option('--kdf <scrypt:N,r,p>', `key derivation cost (default ${formatKdf(DEFAULT_KDF)}; lower is for tests)`)
    .option('--from-repo <location>', 'take chunker parameters and id/chunker keys from another repository (for copy)')
    .option('--from-password-file <file>', 'password of the --from-repo repository (or SNAP_FROM_PASSWORD)')
    .option('--object-lock <days>', 'S3 Object Lock: every object snap writes is retained this many days (recorded in the repository; needs a bucket with Object Lock)')
    .option('--object-lock-mode <mode>', `governance (the bucket's administrator can still lift it) or compliance (nobody can) (default ${DEFAULT_LOCK_MODE})`)
    // Hidden, for tests: small packs let a few MB of test data fill many packs (prune, repack).
    .addOption(new Option('--pack-size <bytes>', 'pack target size in bytes').hideHelp())
    .action(run(async (ctx: CliContext, opts: unknown) => {
      const o = opts as { encryption: string; compression: string; chunkSize: string; kdf?: string; fromRepo?: string; fromPasswordFile?: string; packSize?: string; objectLock?: string; objectLockMode?: string };
      const objectLock = parseObjectLock(o.objectLock, o.objectLockMode);
      if (o.encryption !== ENCRYPTED && o.encryption !== UNENCRYPTED) throw new InvalidArgumentError(`--encryption: expected ${ENCRYPTED} or ${UNENCRYPTED}, got '${o.encryption}'`);
      const compression = parseCompression(o.compression);
      const { resolveChunkerParams } = await import('../../chunker/index.js');
      const chunker = parseChunkSize(o.chunkSize);
      resolveChunkerParams(chunker);
      const kdf = o.kdf ? parseKdf(o.kdf) : DEFAULT_KDF;
      let from;
      if (o.fromRepo) {
        const src = await ctx.openRepo(o.fromRepo, passwordSource(FROM_PASSWORD, o.fromPasswordFile));
        from = { config: src.config, keys: src.crypt.keys };
        await src.close();
        if (o.encryption === UNENCRYPTED && from.keys) throw new InvalidArgumentError('--from-repo: an encrypted repository cannot share its keys with an unencrypted one');
      }
      const backend = await openBackend(ctx.location(), ctx.backendOptions(ctx.location()));
      const encrypted = o.encryption !== UNENCRYPTED;
      if (encrypted && (await backend.exists()) && !(await isInterruptedInit(backend))) {
        const { RepositoryExistsError } = await import('../../errors.js');
        throw new RepositoryExistsError(backend.location);
      }
      // Before the password is asked for: storage that cannot retain objects fails init in one line.
      if (objectLock) await requireObjectLock(backend);
      const password = encrypted ? await ctx.password().read() : undefined;
      if (encrypted && isWeakKdf(kdf)) ctx.warn(`note: --kdf ${formatKdf(kdf)} is below the recommended cost (${formatKdf(DEFAULT_KDF)}); use it for tests only`);
      const config = await initRepository(backend, {
        encryption: encrypted ? ENCRYPTED : UNENCRYPTED,
        compression,
        chunker: { ...chunker, level: DEFAULT_CHUNKER_PARAMS.level },
        kdf,
        password,
        from,
        packSize: parsePackSize(o.packSize),
        cacheDir: ctx.cacheDir(),
        objectLock,
      });
      const doc = {
        repository_id: config.id,
        location: backend.location,
        encryption: config.encryption,
        compression: compressionText(config.compression),
        chunker: { min: config.chunker.min, avg: config.chunker.avg, max: config.chunker.max },
        object_lock: config.object_lock ?? null,
      };
      if (ctx.json) printJson(doc);
      else ctx.say(`created ${config.encryption === UNENCRYPTED ? 'unencrypted ' : ''}repository ${config.id.slice(0, 10)} at ${backend.location}${config.object_lock ? ` (every object retained ${config.object_lock.days} days, ${config.object_lock.mode})` : ''}`);
      await backend.close();
    }));
}
