import { Option, type Command } from 'commander';
import { DEFAULT_KDF, isWeakKdf, parseKdf, formatKdf } from '../../crypto/index.js';
import { InvalidArgumentError } from '../../errors.js';
import { DEFAULT_COMPRESSION, parseCompression, type CompressionConfig } from '../../pack/codec.js';
import { DEFAULT_CHUNKER_PARAMS } from '../../chunker/params.js';
import { openBackend } from '../../backend/openBackend.js';
import { initRepository, isInterruptedInit } from '../../repository/initRepository.js';
import { ENCRYPTED, MIN_PACK_SIZE, UNENCRYPTED } from '../../repository/config.js';
import { FROM_PASSWORD, passwordSource } from '../password.js';
import { printJson } from '../output.js';
import type { Run } from './index.js';
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
    // Hidden, for tests: small packs let a few MB of test data fill many packs (prune, repack).
    .addOption(new Option('--pack-size <bytes>', 'pack target size in bytes').hideHelp())
    .action(run(async (ctx: CliContext, opts: unknown) => {
      const o = opts as { encryption: string; compression: string; chunkSize: string; kdf?: string; fromRepo?: string; fromPasswordFile?: string; packSize?: string };
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
      });
      const doc = {
        repository_id: config.id,
        location: backend.location,
        encryption: config.encryption,
        compression: compressionText(config.compression),
        chunker: { min: config.chunker.min, avg: config.chunker.avg, max: config.chunker.max },
      };
      if (ctx.json) printJson(doc);
      else ctx.say(`created ${config.encryption === UNENCRYPTED ? 'unencrypted ' : ''}repository ${config.id.slice(0, 10)} at ${backend.location}`);
      await backend.close();
    }));
}
