// What every command gets: the global options, the interrupt signal, and opening the repository
// with the lock its command needs (released however the command ends). Every lock a command takes
// goes through withLock(): --retry-lock is parsed once here, and while a lock is held `signal` also
// aborts when that lock is lost, so the command's loops stop and it fails with the lock's error.

import { InvalidArgumentError } from '../errors.js';
import type { BackendOptions } from '../backend/openBackend.js';
import type { Repository } from '../repository/repository.js';
import type { LockOptions, RepositoryLock } from '../repository/lock.js';
import { passwordSource, REPO_PASSWORD, type PasswordSource } from './password.js';
import { escapeControl, setJsonExtras, setWarningSource } from './output.js';
import { progressEnabled, startProgress, type ProgressView } from './progress.js';
import { parsePrices, s3SettingsFromEnv } from './s3Settings.js';
import { RequestCounts, type RequestPrices } from '../backend/requestCounts.js';
import { ledgerFile, recordRequests } from './requestLedger.js';
import { defaultCacheDir } from '../blobindex/cacheFolder.js';

export interface GlobalOptions {
  repo?: string;
  passwordFile?: string;
  json?: boolean;
  quiet?: boolean;
  progress?: boolean;
  cacheDir?: string;
  retryLock?: string;
  insecureAllowUnencrypted?: boolean;
}

export type LockMode = 'shared' | 'exclusive' | 'none';
type WithLockFn<T> = (repo: Repository, held: RepositoryLock) => Promise<T>;

/**
 * A span of time ("30s", "5m", "1h", "250ms"; a bare number is seconds) in milliseconds, for
 * --retry-lock, --grace, SNAP_LOCK_REFRESH/SNAP_LOCK_STALE and the S3 timeouts. Not a --keep-within
 * period: that is parseRetentionDuration (maintenance/retention), in calendar units where "m" is months.
 */
export function parseDuration(s: string, what: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(s.trim());
  if (!m) throw new InvalidArgumentError(`${what}: expected a duration like 30s, 5m or 1h, got '${s}'`);
  const mult = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h'];
  return Number(m[1]) * mult;
}

export class CliContext {
  private s3Warned = false;
  private readonly held: RepositoryLock[] = [];
  private combined: AbortSignal;
  private lockOpts: LockOptions | undefined;
  /** Requests to S3 storage by this command (every S3 backend it opens counts here). */
  readonly requests = new RequestCounts();

  constructor(
    readonly g: GlobalOptions,
    private readonly interrupt: AbortSignal,
    /** The command as typed ("create", "key add"): the request ledger names it. */
    readonly command = '',
  ) {
    this.combined = interrupt;
  }

  /** Aborted by SIGINT/SIGTERM, or when a lock this command holds is lost. */
  get signal(): AbortSignal {
    return this.combined;
  }

  /**
   * --retry-lock, and the lock timing: SNAP_LOCK_REFRESH / SNAP_LOCK_STALE (durations; tests only,
   * the defaults are 5m and 30m). Parsed once.
   */
  lockOptions(): LockOptions {
    if (!this.lockOpts) {
      const env = (name: string) => (process.env[name] ? parseDuration(process.env[name]!, name) : undefined);
      const o: LockOptions = {
        retryMs: this.g.retryLock ? parseDuration(this.g.retryLock, '--retry-lock') : 0,
        refreshMs: env('SNAP_LOCK_REFRESH'),
        staleMs: env('SNAP_LOCK_STALE'),
      };
      this.lockOpts = o;
    }
    return this.lockOpts;
  }

  get json(): boolean {
    return Boolean(this.g.json);
  }

  location(): string {
    const loc = this.g.repo ?? process.env.SNAP_REPO;
    if (!loc) throw new InvalidArgumentError('no repository given: use -r/--repo or set SNAP_REPO');
    return loc;
  }

  cacheDir(): string {
    return this.g.cacheDir ?? process.env.SNAP_CACHE_DIR ?? defaultCacheDir(process.env.XDG_CACHE_HOME);
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

  /** Prices per 1000 requests: --request-prices, else SNAP_S3_PRICES; undefined when neither is set. */
  requestPrices(option: string | undefined): RequestPrices | undefined {
    if (option !== undefined) return parsePrices(option, '--request-prices');
    return process.env.SNAP_S3_PRICES ? parsePrices(process.env.SNAP_S3_PRICES) : undefined;
  }

  /** The repository's password (--password-file, SNAP_PASSWORD_FILE, SNAP_PASSWORD or a prompt). */
  password(): PasswordSource {
    return passwordSource(REPO_PASSWORD, this.g.passwordFile);
  }

  async openRepo(location = this.location(), password = this.password()): Promise<Repository> {
    // Loaded here, not at start-up: `snap --version` and argument errors need none of the core.
    const { openRepository } = await import('../repository/openRepository.js');
    return openRepository({
      location,
      password: password.read,
      cacheDir: this.cacheDir(),
      backend: this.backendOptions(location),
      passwordGiven: password.given,
      allowUnencrypted: Boolean(this.g.insecureAllowUnencrypted),
      onWarning: (m) => this.warn(`snap: warning: ${m}`),
    });
  }

  /**
   * Lock an open repository (`acquire` replaces the plain lock for prune's no-space recovery), run,
   * release. If the lock is lost meanwhile, `signal` aborts and the
   * command fails with the LockLostError (not "interrupted"), whatever its loops threw on the way out.
   */
  async withLock<T>(
    repo: Repository, exclusive: boolean, fn: (lock: RepositoryLock) => Promise<T>,
    acquire: (opts: LockOptions) => Promise<RepositoryLock> = (opts) => repo.lock(exclusive, opts),
  ): Promise<T> {
    const lock = await acquire(this.lockOptions());
    this.held.push(lock);
    this.combined = AbortSignal.any([this.interrupt, ...this.held.map((l) => l.signal)]);
    try {
      return await fn(lock);
    } catch (e) {
      if (lock.signal.aborted && !this.interrupt.aborted) throw lock.signal.reason;
      throw e;
    } finally {
      this.held.splice(this.held.indexOf(lock), 1);
      this.combined = this.held.length ? AbortSignal.any([this.interrupt, ...this.held.map((l) => l.signal)]) : this.interrupt;
      await lock.release();
    }
  }

  /** Open, lock, run, then release the lock and close, whatever happens. */
  async withRepo<T>(lock: 'shared' | 'exclusive', fn: WithLockFn<T>): Promise<T>;
  async withRepo<T>(lock: LockMode, fn: (repo: Repository, held: RepositoryLock | undefined) => Promise<T>): Promise<T>;
  async withRepo<T>(lock: LockMode, fn: WithLockFn<T> | ((repo: Repository, held: RepositoryLock | undefined) => Promise<T>)): Promise<T> {
    const repo = await this.openRepo();
    setWarningSource(() => repo.warnings);
    repo.onNotice = (m) => this.warn(`snap: ${m}`);
    try {
      // 'none' is only accepted with the second signature, whose function takes undefined.
      if (lock === 'none') return await (fn as (repo: Repository, held: RepositoryLock | undefined) => Promise<T>)(repo, undefined);
      return await this.withLock(repo, lock === 'exclusive', (held) => fn(repo, held));
    } finally {
      // What was skipped, one line each, after the command's own output (CLI: warnings on stderr).
      for (const w of repo.warnings) this.warn(`warning: ${w.message}`);
      // What this command cost in S3 requests, for `stats` later (requestLedger.ts); failed runs are billed too.
      if (repo.backend.location.startsWith('s3://')) {
        try {
          recordRequests(ledgerFile(repo.cacheDir), this.command, this.requests.counts);
        } catch {
          // A cache that cannot be written loses only this record.
        }
      }
      await repo.close();
    }
  }

  progress(label: string): ProgressView {
    return startProgress(progressEnabled(this.g), label);
  }

  /** Human text on stdout, unless --json or --quiet. */
  say(text: string): void {
    if (!this.g.json && !this.g.quiet) process.stdout.write(escapeControl(text, true) + '\n');
  }

  /** Warnings and notes on stderr, unless --quiet. */
  warn(text: string): void {
    if (!this.g.quiet) process.stderr.write(escapeControl(text, true) + '\n');
  }
}
