import { createHash } from 'node:crypto';
import { isSecret, type Secret, ValidationError } from '@creds/core';
import type { GitHubAppAuth, InstallationAccess } from './app.js';
import { throttling } from '@octokit/plugin-throttling';
import Bottleneck from 'bottleneck';
import { Octokit } from '@octokit/rest';
import { createApi, type GitHubApi } from './api.js';
import { type CallContext, toGitHubError } from './errors.js';
import { checkBaseUrl, fetchWithTimeout } from './http.js';
import type { CallOptions, RateLimitWait } from './call-options.js';

export interface GitHubClientOptions {
  /** A token (classic, fine-grained, or an installation token made elsewhere); or `app`. */
  token?: string | Secret;
  /**
   * An installation of a GitHub App instead of a token: every request carries a current token of
   * the installation (minted and refreshed by the app auth), and writes are paced per installation.
   */
  app?: { auth: GitHubAppAuth; installationId: number; account: string };
  /** `https://api.github.com` by default; GitHub Enterprise Server or the sandbox otherwise. Must be an http(s) URL. */
  baseUrl?: string;
  /** Abort a request (including reading its body) after this long; 30 s by default. */
  timeoutMs?: number;
  /** Retries after a rate-limit answer (plugin-throttling); 3 by default. */
  rateLimitRetries?: number;
  /** Longer waits than this are not waited out: the call fails with GITHUB_RATE_LIMITED. 15 min by default. */
  maxRateLimitWaitSeconds?: number;
  /** Content-creating requests that may go out back to back before pacing starts; 5 by default, at most 20. */
  writeBurst?: number;
  /** Beyond the burst, the gap between content-creating requests in GitHub milliseconds; GitHub asks for 1 s (the default). */
  writeIntervalMs?: number;
  /** Content-creating requests in each hour from the first (GitHub allows about 500); 500 by default. */
  writesPerHour?: number;
  /**
   * Real milliseconds per GitHub millisecond for every wait (retry backoff, rate-limit waits, write
   * pacing): 1 in real use; tests against the sandbox use e.g. 0.001.
   */
  timeScale?: number;
  /** Told about every rate-limit wait of calls that did not pass their own listener. */
  onRateLimitWait?: (info: RateLimitWait) => void;
  userAgent?: string;
}

/** How a client authenticates; an app installation's permissions are known without a probe. */
export type GitHubClientAuth =
  | { kind: 'token' }
  | { kind: 'app'; appId: string; installationId: number; account: string; access(): Promise<InstallationAccess> };

/** The client the steps use: GitHub's Actions secrets and variables API, errors mapped to GitHubError. */
export interface GitHubClient extends GitHubApi {
  readonly baseUrl: string;
  readonly auth: GitHubClientAuth;
  /** Real ms per GitHub ms of this client's waits (1 unless a sandbox runs on a faster clock). */
  readonly timeScale: number;
  /** The underlying Octokit (with throttling), for calls this client does not wrap. */
  readonly octokit: Octokit;
  /** Runs an Octokit call once, with this client's error mapping (5xx, network faults and garbled answers come back retryable). */
  call<T>(context: CallContext, fn: (request: Record<string, unknown>) => Promise<T>, options?: CallOptions): Promise<T>;
}

const DEFAULT_BASE_URL = 'https://api.github.com';
const WAIT_LISTENER = 'credsOnRateLimitWait';
const ThrottledOctokit = Octokit.plugin(throttling);

type LimitHandler = (retryAfter: number, options: { method: string; url: string; request?: Record<string, unknown> }, octokit: unknown, retryCount: number) => boolean;

/**
 * An Octokit with plugin-throttling (GitHub's write pacing, and rate-limit answers waited out a
 * bounded number of times, each wait reported) and a timeout on every request, wrapped in the calls
 * creds needs. Each call is made once: a 5xx, a dropped connection or a garbled answer comes back
 * as a retryable GitHubError, and the step runner (withRetry) is the one layer that tries again, so
 * retries never multiply.
 */
export function createGitHubClient(options: GitHubClientOptions): GitHubClient {
  if ((options.token === undefined) === (options.app === undefined)) {
    throw new ValidationError('github', 'give either a token or a GitHub App installation (app), not both or neither');
  }
  const app = options.app;
  const token = options.token === undefined ? undefined : isSecret(options.token) ? options.token.reveal() : options.token;
  const baseUrl = checkBaseUrl(options.baseUrl ?? app?.auth.baseUrl ?? DEFAULT_BASE_URL);
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

  // Every client of one token (and base URL) shares the pacing of its writes, as GitHub asks; an
  // app's installation tokens share their installation's (GitHub limits an installation as one).
  const identity = app ? `app ${app.auth.appId} installation ${app.installationId}` : token;
  const id = createHash('sha256').update(`${baseUrl}\n${identity}`).digest('hex').slice(0, 16);
  const pacing = writePacing({
    burst: options.writeBurst ?? 5,
    intervalMs: (options.writeIntervalMs ?? 1000) * scale,
    perHour: options.writesPerHour ?? 500,
    hourMs: 3_600_000 * scale,
  });
  const settings = (write: Bottleneck.Group) => ({
    ...(app ? { authStrategy: installationAuth, auth: app } : { auth: token }),
    baseUrl,
    userAgent: options.userAgent ?? 'creds',
    log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
    request: { fetch: fetchWithTimeout(timeoutMs) },
    throttle: {
      id,
      Bottleneck,
      write,
      onRateLimit: onLimit('primary'),
      onSecondaryRateLimit: onLimit('secondary'),
      retryAfterBaseValue: 1000 * scale,
      fallbackSecondaryRateRetryAfter: 60,
    },
  });
  const octokit = new ThrottledOctokit(settings(pacing) as ConstructorParameters<typeof ThrottledOctokit>[0]);

  const call = async <T>(context: CallContext, fn: (request: Record<string, unknown>) => Promise<T>, callOptions: CallOptions = {}): Promise<T> => {
    const request: Record<string, unknown> = {
      ...(callOptions.signal ? { signal: callOptions.signal } : {}),
      ...(callOptions.onRateLimitWait ? { [WAIT_LISTENER]: callOptions.onRateLimitWait } : {}),
    };
    try {
      return await fn(request);
    } catch (error) {
      throw toGitHubError(error, context, token);
    }
  };

  // plugin-throttling's write group only admits a write (its job is a no-op); the request itself then
  // runs beside others. GitHub asks for one write at a time per token, so each paced write holds the
  // token's one write slot from admission to answer (a rate-limited write's waits and retries too).
  const serial = writeSlots.key(id);
  octokit.hook.wrap('request', (request, requestOptions) =>
    WRITE_METHODS.has(String(requestOptions.method).toUpperCase()) ? serial.schedule(async () => request(requestOptions)) : request(requestOptions),
  );

  // The same client with a write queue of its own that does not space writes apart, for unpaced
  // writes: rate-limit answers are still waited out and reported.
  let unpacedOctokit: InstanceType<typeof ThrottledOctokit> | undefined;
  const unpaced = () => (unpacedOctokit ??= new ThrottledOctokit(settings(new Bottleneck.Group()) as ConstructorParameters<typeof ThrottledOctokit>[0]));

  warmFetch();
  const auth: GitHubClientAuth = app
    ? { kind: 'app', appId: app.auth.appId, installationId: app.installationId, account: app.account, access: () => app.auth.access(app.installationId) }
    : { kind: 'token' };
  return { baseUrl, timeScale: scale, auth, octokit, call, ...createApi(octokit, call, unpaced) };
}

type RequestFn = ((options: Record<string, unknown>) => Promise<unknown>) & { endpoint: { merge(route: unknown, params?: unknown): Record<string, unknown> & { headers: Record<string, string> } } };

/**
 * An Octokit auth strategy that puts a current token of the installation on every request (the
 * app auth mints it, caches it and refreshes it before it expires).
 */
function installationAuth(given: { auth: GitHubAppAuth; installationId: number }) {
  const auth = async () => ({ type: 'token', tokenType: 'installation', token: await given.auth.token(given.installationId) });
  const hook = async (request: RequestFn, route: unknown, parameters?: unknown) => {
    const endpoint = request.endpoint.merge(route, parameters);
    endpoint.headers.authorization = `token ${await given.auth.token(given.installationId)}`;
    return request(endpoint);
  };
  return Object.assign(auth, { hook });
}

let warmed = false;
/**
 * Node loads its fetch implementation on the first call (about 100 ms of start-up on a slow machine),
 * which would hold the first GitHub request back behind the AWS ones that a workflow starts beside
 * it. Fetching an empty `data:` URL when a client is made does that loading early, with no request.
 */
function warmFetch(): void {
  if (warmed) return;
  warmed = true;
  globalThis
    .fetch('data:,')
    .then((r) => r.arrayBuffer())
    .catch(() => undefined);
}

interface Pacing {
  burst: number;
  /** Real milliseconds between writes beyond the burst. */
  intervalMs: number;
  perHour: number;
  /** Real milliseconds of GitHub's hour. */
  hourMs: number;
}

/** Write pacers by their settings; each keeps one limiter per token (the throttle id). */
const pacers = new Map<string, Bottleneck.Group>();

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** One paced write in flight per token (the throttle id), across every client of the process. */
const writeSlots = new Bottleneck.Group({ maxConcurrent: 1, timeout: 3_600_000 });

/**
 * GitHub's rule for content-creating requests, as plugin-throttling's `write` group: one at a time
 * per token; a burst of `burst` back to back (so one repository's setup does not wait), then one per
 * `intervalMs` (a token bucket: Bottleneck's reservoir, refilled by one per interval up to the
 * burst); at most `perHour` in each hour from the token's first write (a second limiter's reservoir).
 * With a burst of at most 20 and 1 s pacing, no minute holds more than 80 writes.
 */
function writePacing(p: Pacing): Bottleneck.Group {
  if (!Number.isInteger(p.burst) || p.burst < 1 || p.burst > 20) throw new ValidationError('writeBurst', 'must be a whole number from 1 to 20');
  if (!(p.intervalMs >= 0)) throw new ValidationError('writeIntervalMs', 'must be 0 or more');
  if (!Number.isInteger(p.perHour) || p.perHour < 1) throw new ValidationError('writesPerHour', 'must be a whole number of 1 or more');
  const key = JSON.stringify(p);
  let group = pacers.get(key);
  if (group) return group;
  const tick = (ms: number) => Math.max(1, Math.min(250, Math.floor(ms)));
  const gap = Math.max(1, p.intervalMs);
  group = new Bottleneck.Group({
    maxConcurrent: 1,
    reservoir: p.burst,
    reservoirIncreaseAmount: 1,
    reservoirIncreaseInterval: gap,
    reservoirIncreaseMaximum: p.burst,
    heartbeatInterval: tick(gap),
    // A token's limiter is dropped after an idle hour: its writes of that hour are past.
    timeout: Math.max(p.hourMs, 1000),
  });
  group.on('created', (limiter) => {
    limiter.chain(
      new Bottleneck({
        reservoir: p.perHour,
        reservoirRefreshAmount: p.perHour,
        reservoirRefreshInterval: Math.max(1, p.hourMs),
        heartbeatInterval: tick(p.hourMs),
      }),
    );
  });
  pacers.set(key, group);
  return group;
}
