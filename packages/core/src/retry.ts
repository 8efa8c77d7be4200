import { setTimeout as sleep } from 'node:timers/promises';
import pRetry from 'p-retry';
import { errorCode, errorMessage, isRetryable } from './errors.js';

export interface RetryOptions {
  /** Retries after the first attempt. */
  retries?: number;
  minTimeoutMs?: number;
  maxTimeoutMs?: number;
  /** Start no retry once this much time has passed since the first attempt: 2 minutes by default. */
  maxElapsedMs?: number;
  /** Which errors are worth another attempt; CredsError.retryable by default. */
  shouldRetry?: (error: unknown) => boolean;
  onRetry?: (info: { attempt: number; delayMs: number; code: string; message: string }) => void;
  signal?: AbortSignal;
}

export const DEFAULT_RETRY = { retries: 4, minTimeoutMs: 200, maxTimeoutMs: 5_000, maxElapsedMs: 120_000 } as const;

/**
 * Runs `fn` again on retryable errors with exponential backoff and jitter (p-retry), within a bound
 * of attempts and of total time (no retry starts after `maxElapsedMs`). A server's retry-after
 * (`retryAfterMs` on the error) is waited out first. Terminal errors are thrown at once, unchanged.
 */
export async function withRetry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions = {}): Promise<T> {
  // Once aborted, no further attempt starts; an attempt that already succeeded still counts
  // (p-retry's own signal option would throw away a result that arrived after the abort).
  const retryable = options.shouldRetry ?? isRetryable;
  const shouldRetry = (error: unknown) => !options.signal?.aborted && retryable(error);
  const minTimeout = options.minTimeoutMs ?? DEFAULT_RETRY.minTimeoutMs;
  const maxTimeout = options.maxTimeoutMs ?? DEFAULT_RETRY.maxTimeoutMs;
  const retries = options.retries ?? DEFAULT_RETRY.retries;
  const maxElapsed = options.maxElapsedMs ?? DEFAULT_RETRY.maxElapsedMs;
  return pRetry(fn, {
    retries,
    minTimeout,
    maxTimeout,
    factor: 2,
    randomize: true,
    maxRetryTime: maxElapsed,
    shouldRetry: ({ error }) => shouldRetry(error),
    onFailedAttempt: async ({ error, attemptNumber, retriesLeft }) => {
      if (retriesLeft <= 0 || !shouldRetry(error)) return;
      const hinted = (error as { retryAfterMs?: unknown }).retryAfterMs;
      const delayMs = typeof hinted === 'number' ? hinted : minTimeout * 2 ** (attemptNumber - 1);
      options.onRetry?.({
        attempt: attemptNumber,
        delayMs: Math.min(delayMs, typeof hinted === 'number' ? hinted : maxTimeout),
        code: errorCode(error),
        message: errorMessage(error),
      });
      if (typeof hinted === 'number' && hinted > 0) {
        await sleep(hinted, undefined, options.signal ? { signal: options.signal } : undefined).catch(() => {});
      }
    },
  });
}
