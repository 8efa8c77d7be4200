import { HttpError } from './http.js';
import type { FailNextOptions, SandboxRateLimitOptions } from './types.js';

interface Bucket {
  used: number;
  /** Real epoch ms when the primary window ends. */
  resetAt: number;
  /** Real epoch ms of recent writes (secondary limit). */
  writes: number[];
  /** Real epoch ms until which writes are refused. */
  blockedUntil: number;
  blockedRetryAfter: number;
}

/**
 * GitHub's limits per token: the primary (requests per hour, `x-ratelimit-*` headers) and the
 * secondary on content-creating requests (403/429 with `retry-after`). Windows run on scaled time.
 */
export class RateLimits {
  readonly #limit: number;
  readonly #writesPerMinute: number;
  readonly #secondaryStatus: 403 | 429;
  readonly #retryAfter: number;
  readonly #scale: number;
  readonly #buckets = new Map<string, Bucket>();
  /** Secondary limits armed for the next write of a token ('*' = any token). */
  readonly #armed = new Map<string, number>();

  constructor(options: SandboxRateLimitOptions, timeScale: number) {
    this.#limit = options.limit ?? 5000;
    this.#writesPerMinute = options.writesPerMinute ?? 80;
    this.#secondaryStatus = options.secondaryStatus ?? 403;
    this.#retryAfter = options.secondaryRetryAfterSeconds ?? 60;
    this.#scale = timeScale;
  }

  #bucket(token: string, now: number): Bucket {
    let bucket = this.#buckets.get(token);
    if (!bucket || now >= bucket.resetAt) {
      bucket = { used: 0, resetAt: now + 3_600_000 * this.#scale, writes: bucket?.writes ?? [], blockedUntil: bucket?.blockedUntil ?? 0, blockedRetryAfter: bucket?.blockedRetryAfter ?? 0 };
      this.#buckets.set(token, bucket);
    }
    return bucket;
  }

  /** Counts a request against the primary limit; returns the headers, throws 403 when spent. */
  primary(token: string): Record<string, string> {
    const now = Date.now();
    const bucket = this.#bucket(token, now);
    const headers = (): Record<string, string> => ({
      'x-ratelimit-limit': String(this.#limit),
      'x-ratelimit-remaining': String(Math.max(0, this.#limit - bucket.used)),
      'x-ratelimit-used': String(bucket.used),
      // In GitHub time: a client on the same time scale waits (reset - now) × scale, the real time left.
      'x-ratelimit-reset': String(Math.ceil((now + (bucket.resetAt - now) / this.#scale) / 1000)),
      'x-ratelimit-resource': 'core',
    });
    if (bucket.used >= this.#limit) {
      throw new HttpError(403, `API rate limit exceeded for user. Wait for the reset at x-ratelimit-reset.`, headers());
    }
    bucket.used++;
    return headers();
  }

  /** Checks a content-creating request against the secondary limit. */
  secondary(token: string): void {
    const now = Date.now();
    const bucket = this.#bucket(token, now);
    const armed = this.#armed.get(token) ?? this.#armed.get('*');
    if (armed !== undefined) {
      this.#armed.delete(this.#armed.has(token) ? token : '*');
      this.#block(bucket, now, armed);
    }
    if (now < bucket.blockedUntil) throw this.#refusal(bucket, now);
    const windowMs = 60_000 * this.#scale;
    bucket.writes = bucket.writes.filter((t) => now - t < windowMs);
    if (bucket.writes.length >= this.#writesPerMinute) {
      this.#block(bucket, now, this.#retryAfter);
      throw this.#refusal(bucket, now);
    }
    bucket.writes.push(now);
  }

  #block(bucket: Bucket, now: number, retryAfterSeconds: number): void {
    bucket.blockedUntil = now + retryAfterSeconds * 1000 * this.#scale;
    bucket.blockedRetryAfter = retryAfterSeconds;
  }

  #refusal(bucket: Bucket, now: number): HttpError {
    // retry-after is in GitHub seconds; a client on the same time scale waits the scaled time.
    const left = Math.max(1, Math.ceil((bucket.blockedUntil - now) / (1000 * this.#scale)));
    return new HttpError(
      this.#secondaryStatus,
      'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
      { 'retry-after': String(Math.min(left, bucket.blockedRetryAfter)) },
    );
  }

  armSecondary(token: string | undefined, retryAfterSeconds?: number): void {
    this.#armed.set(token ?? '*', retryAfterSeconds ?? this.#retryAfter);
  }

  exhaust(token: string, resetInSeconds = 3600): void {
    const now = Date.now();
    const bucket = this.#bucket(token, now);
    bucket.used = this.#limit;
    bucket.resetAt = now + resetInSeconds * 1000 * this.#scale;
  }
}

interface PendingFailure {
  count: number;
  status: number;
  method?: string;
  path?: RegExp;
}

/** Injected 5xx answers: a rate, and queued one-offs from the control API. */
export class Faults {
  errorRate: number;
  latencyMs: number;
  readonly #random: () => number;
  readonly #queue: PendingFailure[] = [];

  constructor(errorRate: number, latencyMs: number, random: () => number) {
    this.errorRate = errorRate;
    this.latencyMs = latencyMs;
    this.#random = random;
  }

  failNext(options: FailNextOptions): void {
    this.#queue.push({
      count: options.count ?? 1,
      status: options.status ?? 500,
      ...(options.method ? { method: options.method.toUpperCase() } : {}),
      ...(options.path ? { path: options.path } : {}),
    });
  }

  /** The status to fail this request with, if any. */
  pick(method: string, path: string): number | undefined {
    const pending = this.#queue.find((f) => (!f.method || f.method === method) && (!f.path || f.path.test(path)));
    if (pending) {
      pending.count--;
      if (pending.count <= 0) this.#queue.splice(this.#queue.indexOf(pending), 1);
      return pending.status;
    }
    if (this.errorRate > 0 && this.#random() < this.errorRate) return [500, 502, 503][Math.floor(this.#random() * 3)] ?? 500;
    return undefined;
  }
}
