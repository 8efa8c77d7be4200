import { setTimeout as sleep } from 'node:timers/promises';
import pRetry from 'p-retry';
import { errorCode, errorMessage, isRetryable } from './errors.js';

export interface RetryOptions {
  /** Retries after the first attempt. */
  retries?: number;
  minTimeoutMs?: number;
  maxTimeoutMs?: number;
  /**
   * The total time bound: no retry starts once this much time has passed since the first attempt,
   * nor a wait that would end past it (the last error is thrown instead). 2 minutes by default.
   */
  maxElapsedMs?: number;
  /** Which errors are worth another attempt; CredsError.retryable by default. */
  shouldRetry?: (error: unknown) => boolean;
  /** Told before each wait; `delayMs` is exactly the wait that follows. */
  onRetry?: (info: { attempt: number; delayMs: number; code: string; message: string }) => void;
  signal?: AbortSignal;
  /** The jitter source, a number in [0, 1); Math.random by default. */
  random?: () => number;
}

/**
 * 8 retries: a step's attempt may make several calls, and the clients make each call once, so a
 * step needs more tries than a single call would; the waits (0.2 s doubling to 5 s) add up to about
 * 20 s, well inside the 2-minute bound.
 */
export const DEFAULT_RETRY = { retries: 8, minTimeoutMs: 200, maxTimeoutMs: 5_000, maxElapsedMs: 120_000 } as const;

/**
 * Runs `fn` again on retryable errors with exponential backoff and jitter, within a bound of
 * attempts and of total time. A server's retry-after (`retryAfterMs` on the error) replaces the
 * backoff. The wait is computed and slept here, so what `onRetry` reports is what was waited (p-retry
 * counts the attempts, with no delay of its own). Terminal errors are thrown at once, unchanged.
 */
export async function withRetry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions = {}): Promise<T> {
  // Once aborted, no further attempt starts; an attempt that already succeeded still counts
  // (p-retry's own signal option would throw away a result that arrived after the abort).
  const retryable = options.shouldRetry ?? isRetryable;
  const shouldRetry = (error: unknown) => !options.signal?.aborted && retryable(error);
  const minTimeout = options.minTimeoutMs ?? DEFAULT_RETRY.minTimeoutMs;
  const maxTimeout = options.maxTimeoutMs ?? DEFAULT_RETRY.maxTimeoutMs;
  const maxElapsed = options.maxElapsedMs ?? DEFAULT_RETRY.maxElapsedMs;
  const random = options.random ?? Math.random;
  const started = performance.now();
  return pRetry(fn, {
    retries: options.retries ?? DEFAULT_RETRY.retries,
    minTimeout: 0,
    maxTimeout: 0,
    randomize: false,
    shouldRetry: ({ error }) => shouldRetry(error),
    onFailedAttempt: async ({ error, attemptNumber, retriesLeft }) => {
      if (retriesLeft <= 0 || !shouldRetry(error)) return;
      const hinted = (error as { retryAfterMs?: unknown }).retryAfterMs;
      const backoff = Math.min(maxTimeout, Math.round(minTimeout * 2 ** (attemptNumber - 1) * (1 + random())));
      const delayMs = typeof hinted === 'number' && hinted >= 0 ? Math.round(hinted) : backoff;
      // A wait that would end past the bound is not started: the error stands.
      if (performance.now() - started + delayMs > maxElapsed) throw error;
      options.onRetry?.({ attempt: attemptNumber, delayMs, code: errorCode(error), message: errorMessage(error) });
      if (delayMs > 0) await sleep(delayMs, undefined, options.signal ? { signal: options.signal } : undefined).catch(() => {});
    },
  });
}
