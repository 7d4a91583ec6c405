/**
 * One retry policy for every server the suite talks to (registries, S3): how many attempts, how long to
 * wait between them, how a server's Retry-After is honoured, and which failures are worth another try.
 * The clients decide *what* may be repeated (a consumed body cannot be; a PATCH resumes at the server's
 * offset); this module decides *when*.
 */

/** Attempts in all for a request, unless a caller has a reason for another number. */
export const DEFAULT_ATTEMPTS = 5;

/**
 * The longest Retry-After honoured. A server asking for more is treated as failing now: a release job
 * waiting minutes on one request is worse than a clear error and a re-run (which resumes).
 */
export const MAX_RETRY_AFTER_MS = 60_000;

const BASE_MS = 250;
const MAX_BACKOFF_MS = 8000;

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Exponential backoff from `base`, capped, jittered ±25% so parallel retries do not arrive together. */
export function backoffMs(attempt: number, base = BASE_MS): number {
  return Math.min(base * 2 ** (attempt - 1), MAX_BACKOFF_MS) * (0.75 + Math.random() * 0.5);
}

/** Milliseconds a Retry-After (seconds or an HTTP date) asks for; undefined when absent or unreadable. */
export function retryAfterMs(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const secs = Number(value);
  if (Number.isFinite(secs) && secs >= 0) return secs * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(date - now, 0);
}

/**
 * How long to wait before attempt `attempt + 1`: what the server asked (Retry-After), else backoff.
 * `undefined` when the server asks for longer than MAX_RETRY_AFTER_MS: give up.
 */
export function retryDelay(attempt: number, retryAfter?: string, base = BASE_MS): number | undefined {
  const asked = retryAfterMs(retryAfter);
  if (asked === undefined) return backoffMs(attempt, base);
  return asked > MAX_RETRY_AFTER_MS ? undefined : asked;
}

/** Statuses that say "not now" rather than "no": server errors, too many requests, request timeout. */
export function isTransientStatus(status: number): boolean {
  return status >= 500 || status === 429 || status === 408;
}

const TRANSIENT_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'EAI_AGAIN',
  'ENOTFOUND',
]);

/**
 * A connection that failed or stalled (no answer to judge): worth another try. Node's socket error
 * codes, undici's (`UND_ERR_*`, its own timeouts among them), and the names the AWS SDK gives the same
 * failures.
 */
export function isTransientError(e: unknown): boolean {
  const err = e as { code?: string; name?: string; message?: string; cause?: { code?: string } } | undefined;
  const code = err?.code ?? err?.cause?.code ?? '';
  if (TRANSIENT_CODES.has(code) || code.startsWith('UND_ERR_')) return true;
  return /ECONNRESET|EPIPE|ETIMEDOUT|ECONNREFUSED|EAI_AGAIN|socket hang up|TimeoutError|RequestTimeout/i.test(
    `${err?.name ?? ''} ${err?.message ?? ''}`,
  );
}

export interface RetryOptions {
  /** Attempts in all (default DEFAULT_ATTEMPTS). */
  attempts?: number;
  /** Whether this failure is worth another try. */
  retryable: (e: unknown) => boolean;
  /** The server's Retry-After carried by the failure, if any. */
  retryAfter?: (e: unknown) => string | undefined;
  /** Told before each wait (for a debug line). */
  onRetry?: (e: unknown, attempt: number, waitMs: number) => void;
}

/**
 * Runs `fn` until it succeeds, the failure is not retryable, the attempts are used up, or the server asks
 * for a longer wait than we give; then rethrows the last failure. `fn` gets the attempt number (from 1)
 * and must open a fresh body each time.
 */
export async function withRetry<T>(fn: (attempt: number) => Promise<T>, o: RetryOptions): Promise<T> {
  const attempts = o.attempts ?? DEFAULT_ATTEMPTS;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (e) {
      if (attempt >= attempts || !o.retryable(e)) throw e;
      const wait = retryDelay(attempt, o.retryAfter?.(e));
      if (wait === undefined) throw e;
      o.onRetry?.(e, attempt, wait);
      await sleep(wait);
    }
  }
}
