import { describe, expect, test } from 'vitest';
import {
  backoffMs,
  isTransientError,
  isTransientStatus,
  MAX_RETRY_AFTER_MS,
  retryAfterMs,
  retryDelay,
  withRetry,
} from '../../src/retry.js';

describe('retry policy', () => {
  test('Retry-After in seconds or as a date', () => {
    expect(retryAfterMs('3')).toBe(3000);
    expect(retryAfterMs(new Date(Date.now() + 2000).toUTCString(), Date.now())).toBeGreaterThan(500);
    expect(retryAfterMs('soon')).toBeUndefined();
    expect(retryAfterMs(undefined)).toBeUndefined();
  });

  test('one Retry-After rule: honoured up to the limit, longer asks are a failure now', () => {
    expect(retryDelay(1, '2')).toBe(2000);
    expect(retryDelay(1, String(MAX_RETRY_AFTER_MS / 1000))).toBe(MAX_RETRY_AFTER_MS);
    expect(retryDelay(1, String(MAX_RETRY_AFTER_MS / 1000 + 1))).toBeUndefined();
  });

  test('backoff grows, is capped and jittered', () => {
    for (let i = 0; i < 50; i++) {
      const first = backoffMs(1);
      expect(first).toBeGreaterThanOrEqual(187.5);
      expect(first).toBeLessThanOrEqual(312.5);
      expect(backoffMs(20)).toBeLessThanOrEqual(10_000);
    }
    expect(retryDelay(3)).toBeGreaterThanOrEqual(750);
  });

  test('transient failures: statuses and connection errors', () => {
    for (const s of [500, 502, 503, 429, 408]) expect(isTransientStatus(s)).toBe(true);
    for (const s of [400, 401, 403, 404, 409]) expect(isTransientStatus(s)).toBe(false);
    expect(isTransientError(Object.assign(new Error('x'), { code: 'ECONNRESET' }))).toBe(true);
    expect(isTransientError(Object.assign(new Error('x'), { code: 'UND_ERR_SOCKET' }))).toBe(true);
    expect(isTransientError({ name: 'TimeoutError', message: 'idle' })).toBe(true);
    expect(isTransientError(new Error('socket hang up'))).toBe(true);
    expect(isTransientError({ cause: { code: 'EPIPE' } })).toBe(true);
    expect(isTransientError(new Error('access denied'))).toBe(false);
    expect(isTransientError(undefined)).toBe(false);
  });

  test('withRetry: retries what is retryable, up to the attempts, then rethrows the last failure', async () => {
    let calls = 0;
    const seen: number[] = [];
    const out = await withRetry(
      async (attempt) => {
        seen.push(attempt);
        if (++calls < 3) throw Object.assign(new Error('reset'), { code: 'ECONNRESET' });
        return 'ok';
      },
      { attempts: 4, retryable: isTransientError, retryAfter: () => '0' },
    );
    expect(out).toBe('ok');
    expect(seen).toEqual([1, 2, 3]);

    calls = 0;
    await expect(
      withRetry(
        async () => {
          calls++;
          throw new Error(`fail ${calls}`);
        },
        { attempts: 2, retryable: () => true, retryAfter: () => '0' },
      ),
    ).rejects.toThrow('fail 2');

    calls = 0;
    await expect(
      withRetry(
        async () => {
          calls++;
          throw new Error('denied');
        },
        { retryable: () => false },
      ),
    ).rejects.toThrow('denied');
    expect(calls).toBe(1);

    calls = 0;
    await expect(
      withRetry(
        async () => {
          calls++;
          throw new Error('busy');
        },
        { retryable: () => true, retryAfter: () => '3600' },
      ),
    ).rejects.toThrow('busy');
    expect(calls).toBe(1);
  });
});
