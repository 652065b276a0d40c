// What every command gets: the global options, the interrupt signal, and opening the repository
// with the lock its command needs (released however the command ends).

import { InvalidArgumentError } from '../errors.js';
import type { BackendOptions } from '../backend/openBackend.js';
import type { Repository } from '../repository/repository.js';
import { passwordSource } from './password.js';
import { progressEnabled, startProgress, type ProgressView } from './progress.js';
import { s3SettingsFromEnv } from './s3Settings.js';
import { setJsonExtras } from './output.js';
import { RequestCounts } from '../backend/requestCounts.js';

export interface GlobalOptions {
  repo?: string;
  passwordFile?: string;
  json?: boolean;
  quiet?: boolean;
  progress?: boolean;
  cacheDir?: string;
  retryLock?: string;
}

export type LockMode = 'shared' | 'exclusive' | 'none';

export function parseDuration(s: string, what: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(s.trim());
  if (!m) throw new InvalidArgumentError(`${what}: expected a duration like 30s, 5m or 1h, got '${s}'`);
  const mult = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h'];
  return Number(m[1]) * mult;
}

export class CliContext {
  private s3Warned = false;
  /** Requests to S3 storage by this command (every S3 backend it opens counts here). */
  readonly requests = new RequestCounts();

  constructor(
    readonly g: GlobalOptions,
    readonly signal: AbortSignal,
  ) {}

  get json(): boolean {
    return Boolean(this.g.json);
  }

  location(): string {
    const loc = this.g.repo ?? process.env.SNAP_REPO;
    if (!loc) throw new InvalidArgumentError('no repository given: use -r/--repo or set SNAP_REPO');
    return loc;
  }

  cacheDir(): string | undefined {
    return this.g.cacheDir ?? process.env.SNAP_CACHE_DIR ?? undefined;
  }

  /** Backend settings for a location (S3 ones from the environment); warns once about plain http. */
  backendOptions(location: string): BackendOptions {
    if (!location.startsWith('s3://')) return {};
    const { options, warnings, prices } = s3SettingsFromEnv(process.env);
    if (!this.s3Warned) {
      for (const w of warnings) this.warn(w);
      // The command's JSON document says what it cost in requests (CLI.md: `requests`).
      setJsonExtras(() => ({ requests: this.requests.report(prices) }));
    }
    this.s3Warned = true;
    return { s3: { ...options, requests: this.requests } };
  }

  password(): () => Promise<Buffer> {
    return passwordSource({ passwordFile: this.g.passwordFile });
  }

  async openRepo(location = this.location(), password = this.password()): Promise<Repository> {
    // Loaded here, not at start-up: `snap --version` and argument errors need none of the core.
    const { openRepository } = await import('../repository/openRepository.js');
    return openRepository({ location, password, cacheDir: this.cacheDir(), backend: this.backendOptions(location) });
  }

  /** Open, lock, run, then release the lock and close, whatever happens. */
  async withRepo<T>(lock: LockMode, fn: (repo: Repository) => Promise<T>): Promise<T> {
    const repo = await this.openRepo();
    try {
      const retry = this.g.retryLock ? parseDuration(this.g.retryLock, '--retry-lock') : 0;
      const held = lock === 'none' ? undefined : await repo.lock(lock === 'exclusive', retry);
      try {
        return await fn(repo);
      } finally {
        await held?.release();
      }
    } finally {
      await repo.close();
    }
  }

  progress(label: string): ProgressView {
    return startProgress(progressEnabled(this.g), label);
  }

  /** Human text on stdout, unless --json or --quiet. */
  say(text: string): void {
    if (!this.g.json && !this.g.quiet) process.stdout.write(text + '\n');
  }

  /** Warnings and notes on stderr, unless --quiet. */
  warn(text: string): void {
    if (!this.g.quiet) process.stderr.write(text + '\n');
  }
}
