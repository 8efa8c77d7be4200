import { createRequire } from 'node:module';
import { isSecret, type Secret, withRetry } from '@creds/core';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { Octokit } from '@octokit/rest';
import { createApi, type GitHubApi } from './api.js';
import { type CallContext, GitHubErrorCode, toGitHubError } from './errors.js';

/** A wait GitHub's rate limit imposed, reported before it starts. */
export interface RateLimitWait {
  kind: 'primary' | 'secondary';
  /** What GitHub asked for, in seconds. */
  retryAfterSeconds: number;
  /** How long the client will actually wait (scaled by `timeScale`). */
  waitMs: number;
  /** 1 for the first retry of this request. */
  attempt: number;
  method: string;
  url: string;
}

export interface GitHubClientOptions {
  token: string | Secret;
  /** `https://api.github.com` by default; GitHub Enterprise Server or the sandbox otherwise. */
  baseUrl?: string;
  /** Abort a request (including reading its body) after this long; 30 s by default. */
  timeoutMs?: number;
  /** Retries of 5xx answers and failed connections (plugin-retry); 3 by default. */
  retries?: number;
  /** Retries after a rate-limit answer (plugin-throttling); 3 by default. */
  rateLimitRetries?: number;
  /** Longer waits than this are not waited out: the call fails with GITHUB_RATE_LIMITED. 15 min by default. */
  maxRateLimitWaitSeconds?: number;
  /** Minimum gap between content-creating requests; GitHub asks for 1 s (the default). */
  writeIntervalMs?: number;
  /**
   * Real milliseconds per GitHub millisecond for every wait (retry backoff, rate-limit waits, write
   * gap): 1 in real use; tests against the sandbox use e.g. 0.001.
   */
  timeScale?: number;
  /** Told about every rate-limit wait of calls that did not pass their own listener. */
  onRateLimitWait?: (info: RateLimitWait) => void;
  userAgent?: string;
}

/** Per-call options: a cancel signal and where this call's rate-limit waits are reported. */
export interface CallOptions {
  signal?: AbortSignal;
  onRateLimitWait?: (info: RateLimitWait) => void;
  /**
   * Send this write at once instead of waiting its turn behind the 1 s gap between writes, for
   * the few writes that must land together (the two secrets of one access key). GitHub asks for
   * the gap when a client makes many writes; rate-limit answers still fail the call.
   */
  unpaced?: boolean;
}

/** The client the steps use: GitHub's Actions secrets and variables API, errors mapped to GitHubError. */
export interface GitHubClient extends GitHubApi {
  readonly baseUrl: string;
  /** Real ms per GitHub ms of this client's waits (1 unless a sandbox runs on a faster clock). */
  readonly timeScale: number;
  /** The underlying Octokit (with throttling and retry), for calls this client does not wrap. */
  readonly octokit: Octokit;
  /** Runs an Octokit call with this client's error mapping and bounded retry of garbled answers. */
  call<T>(context: CallContext, fn: (request: Record<string, unknown>) => Promise<T>, options?: CallOptions): Promise<T>;
}

const DEFAULT_BASE_URL = 'https://api.github.com';
const WAIT_LISTENER = 'credsOnRateLimitWait';
const ThrottledOctokit = Octokit.plugin(throttling, retry);

type LimitHandler = (retryAfter: number, options: { method: string; url: string; request?: Record<string, unknown> }, octokit: unknown, retryCount: number) => boolean;

/**
 * An Octokit with plugin-throttling (rate-limit handlers that retry a bounded number of times and
 * report each wait), plugin-retry (bounded retries of 5xx and dropped connections; never of 4xx) and
 * a timeout on every request, wrapped in the calls creds needs.
 */
export function createGitHubClient(options: GitHubClientOptions): GitHubClient {
  const token = isSecret(options.token) ? options.token.reveal() : options.token;
  const baseUrl = (options.baseUrl ?? DEFAULT_BASE_URL).replace(/\/+$/, '');
  const scale = options.timeScale ?? 1;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const rateLimitRetries = options.rateLimitRetries ?? 3;
  const maxWait = options.maxRateLimitWaitSeconds ?? 15 * 60;

  const onLimit =
    (kind: RateLimitWait['kind']): LimitHandler =>
    (retryAfter, request, _octokit, retryCount) => {
      if (retryCount >= rateLimitRetries || retryAfter > maxWait) return false;
      const info: RateLimitWait = {
        kind,
        retryAfterSeconds: retryAfter,
        waitMs: Math.round(retryAfter * 1000 * scale),
        attempt: retryCount + 1,
        method: request.method,
        url: request.url,
      };
      const listener = request.request?.[WAIT_LISTENER] as ((i: RateLimitWait) => void) | undefined;
      (listener ?? options.onRateLimitWait)?.(info);
      return true;
    };

  const settings = (writeIntervalMs: number) => ({
    auth: token,
    baseUrl,
    userAgent: options.userAgent ?? 'creds',
    log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
    request: { fetch: fetchWithTimeout(timeoutMs) },
    retry: {
      retries: options.retries ?? 3,
      retryAfterBaseValue: 1000 * scale,
      // 4xx are answers, not accidents; 429 belongs to the throttling plugin.
      doNotRetry: [400, 401, 403, 404, 409, 410, 422, 429, 451],
    },
    throttle: {
      onRateLimit: onLimit('primary'),
      onSecondaryRateLimit: onLimit('secondary'),
      retryAfterBaseValue: 1000 * scale,
      fallbackSecondaryRateRetryAfter: 60,
      write: writeGroup(writeIntervalMs),
    },
  });
  const octokit = new ThrottledOctokit(settings(options.writeIntervalMs ?? 1000 * scale) as ConstructorParameters<typeof ThrottledOctokit>[0]);

  const call = async <T>(context: CallContext, fn: (request: Record<string, unknown>) => Promise<T>, callOptions: CallOptions = {}): Promise<T> => {
    const request: Record<string, unknown> = {
      ...(callOptions.signal ? { signal: callOptions.signal } : {}),
      ...(callOptions.onRateLimitWait ? { [WAIT_LISTENER]: callOptions.onRateLimitWait } : {}),
    };
    return withRetry(
      async () => {
        try {
          return await fn(request);
        } catch (error) {
          throw toGitHubError(error, context, token);
        }
      },
      {
        // plugin-retry already retried 5xx and dropped connections; what it cannot see is an
        // answer cut short or garbled after its headers. Those get two more tries here.
        retries: 2,
        minTimeoutMs: Math.max(1, 200 * scale),
        maxTimeoutMs: Math.max(1, 2000 * scale),
        shouldRetry: (error) => (error as { code?: string }).code === GitHubErrorCode.badResponse,
        ...(callOptions.signal ? { signal: callOptions.signal } : {}),
      },
    );
  };

  // The same client with a write queue of its own that does not space writes apart, for unpaced
  // writes: rate-limit answers are still waited out and reported, 5xx still retried.
  let unpacedOctokit: InstanceType<typeof ThrottledOctokit> | undefined;
  const unpaced = () => (unpacedOctokit ??= new ThrottledOctokit(settings(0) as ConstructorParameters<typeof ThrottledOctokit>[0]));

  return { baseUrl, timeScale: scale, octokit, call, ...createApi(octokit, call, unpaced) };
}

/** Every request, body included, is aborted after `timeoutMs`, so a hung socket cannot hang a run. */
function fetchWithTimeout(timeoutMs: number): typeof fetch {
  return (input, init = {}) => {
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = init.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
    // globalThis.fetch is looked up per call so interceptors installed later (nock) see it.
    return globalThis.fetch(input, { ...init, signal });
  };
}

interface BottleneckGroupCtor {
  Group: new (options: { id: string; maxConcurrent: number; minTime: number }) => unknown;
}

/**
 * plugin-throttling paces writes with a Bottleneck group that is module-global and fixed at 1 s.
 * Each client gets its own group instead, with the gap scaled; the Bottleneck is the plugin's own.
 */
function writeGroup(minTime: number): never {
  const require = createRequire(import.meta.url);
  const pluginRequire = createRequire(require.resolve('@octokit/plugin-throttling'));
  const Bottleneck = pluginRequire('bottleneck/light.js') as BottleneckGroupCtor;
  return new Bottleneck.Group({ id: 'creds-write', maxConcurrent: 1, minTime }) as never;
}
