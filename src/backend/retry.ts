// Retrying S3 requests that failed for a passing reason (5xx, throttling, resets, timeouts), with
// exponential backoff and full jitter, for a bounded total time. One loop around the whole request,
// including reading the response body (the SDK's own retries end when the headers arrive, so a reset
// mid-body would not be retried), which is why the SDK's retries are off (maxAttempts 1).
// Only idempotent requests come here: every request snap makes is one (a PUT of a content-addressed
// object or of a lock/config with the same bytes, GET, HEAD, LIST, DELETE, a multipart part).

/** restic retries for about 15 minutes: a night's backup outlives a router reboot or a server restart. */
export const DEFAULT_RETRY_TIME_MS = 15 * 60_000;
/** First backoff cap; doubled per attempt up to MAX_DELAY_MS. */
export const BASE_DELAY_MS = 200;
export const MAX_DELAY_MS = 20_000;

export interface RetryPolicy {
  /** Give up when the next attempt would start later than this after the first. */
  totalMs: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
}

/** The last error of a request that was retried until its time ran out. */
export class RetriesExhausted extends Error {
  constructor(
    readonly last: unknown,
    readonly attempts: number,
    readonly elapsedMs: number,
  ) {
    super(`gave up after ${attempts} attempts in ${Math.round(elapsedMs / 1000)} s`, { cause: last });
  }
}

const RETRY_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENETDOWN', 'EAI_AGAIN', 'ECONNABORTED', 'ERR_STREAM_PREMATURE_CLOSE', 'UND_ERR_SOCKET']);
const RETRY_NAMES = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException', 'SlowDown', 'Throttling', 'ThrottlingException', 'TooManyRequestsException', 'InternalError', 'ServiceUnavailable']);

/** Whether an error is worth another attempt: the server or the network, not the request. */
export function isTransient(e: unknown, depth = 0): boolean {
  if (!e || typeof e !== 'object' || depth > 5) return false;
  const err = e as { name?: string; code?: string; Code?: string; message?: string; $metadata?: { httpStatusCode?: number }; $retryable?: unknown; cause?: unknown };
  if (err.name === 'AbortError') return false;
  const status = err.$metadata?.httpStatusCode ?? 0;
  // 501: the engine lacks the feature (s3rver has no ListMultipartUploads); asking again will not help.
  if ((status >= 500 && status !== 501) || status === 429 || status === 408) return true;
  if (err.$retryable !== undefined) return true;
  if (RETRY_NAMES.has(err.name ?? '') || RETRY_NAMES.has(err.Code ?? '')) return true;
  if (RETRY_CODES.has(err.code ?? '')) return true;
  // Node's wording for a connection that closed under a request or a response body.
  if (/socket hang up|aborted|premature close|other side closed/i.test(err.message ?? '')) return true;
  return isTransient(err.cause, depth + 1);
}

/** Delay before retry number `attempt` (1-based): uniform in [0, min(max, base·2^(attempt-1))]. */
export function backoffDelay(attempt: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const base = policy.baseDelayMs ?? BASE_DELAY_MS;
  const cap = Math.min(policy.maxDelayMs ?? MAX_DELAY_MS, base * 2 ** Math.min(attempt - 1, 30));
  return Math.round(random() * cap);
}

/**
 * Run `fn` until it succeeds, fails for a lasting reason (thrown as is), or the policy's time is
 * up (RetriesExhausted with the last error).
 */
export async function withRetry<T>(policy: RetryPolicy, fn: () => Promise<T>, now: () => number = Date.now): Promise<T> {
  const start = now();
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      if (!isTransient(e)) throw e;
      const delay = backoffDelay(attempt, policy);
      const elapsed = now() - start;
      if (elapsed + delay > policy.totalMs) throw new RetriesExhausted(e, attempt, elapsed);
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}
