import { describe, expect, it } from 'vitest';
import { CredsError, withRetry } from '../src/index.js';

const passing = (message = 'flaky') => new CredsError(message, { code: 'FLAKY', retryable: true });

describe('withRetry: the one retry layer', () => {
  it('reports exactly the waits it makes (backoff with jitter, capped)', async () => {
    const reported: number[] = [];
    const gaps: number[] = [];
    let last = performance.now();
    let attempts = 0;
    await withRetry(
      async () => {
        const now = performance.now();
        if (attempts > 0) gaps.push(now - last);
        last = now;
        if (++attempts < 4) throw passing();
        return 'ok';
      },
      { minTimeoutMs: 20, maxTimeoutMs: 50, random: () => 0.5, onRetry: (r) => reported.push(r.delayMs) },
    );
    expect(reported).toEqual([30, 50, 50]);
    for (const [i, gap] of gaps.entries()) expect(gap).toBeGreaterThanOrEqual(reported[i]! - 2);
  });

  it("waits a server's retry-after instead of the backoff", async () => {
    const reported: number[] = [];
    let attempts = 0;
    await withRetry(
      async () => {
        if (++attempts === 1) throw new CredsError('slow down', { code: 'THROTTLED', retryable: true, retryAfterMs: 40 });
      },
      { minTimeoutMs: 1, onRetry: (r) => reported.push(r.delayMs) },
    );
    expect(reported).toEqual([40]);
  });

  it('starts no wait that would end past the total bound: the last error stands', async () => {
    let attempts = 0;
    const reported: number[] = [];
    const error = await withRetry(
      async () => {
        attempts++;
        throw passing(`attempt ${attempts}`);
      },
      { retries: 10, minTimeoutMs: 40, maxTimeoutMs: 40, random: () => 0, maxElapsedMs: 100, onRetry: (r) => reported.push(r.delayMs) },
    ).catch((e: unknown) => e);
    expect((error as Error).message).toBe(`attempt ${attempts}`);
    expect(attempts).toBeLessThanOrEqual(3);
    expect(reported.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(100);
  });

  it('never retries a permanent error', async () => {
    let attempts = 0;
    const error = await withRetry(async () => {
      attempts++;
      throw new CredsError('no', { code: 'ACCESS_DENIED' });
    }).catch((e: unknown) => e);
    expect((error as CredsError).code).toBe('ACCESS_DENIED');
    expect(attempts).toBe(1);
  });
});
