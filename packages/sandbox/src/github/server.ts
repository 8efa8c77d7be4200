import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { preciseNow } from '../spans.js';
import { looksLikeJwt, verifyAppJwt } from './apps.js';
import { authenticate, credential } from './auth.js';
import { createControl } from './control.js';
import { sodiumReady } from './crypto.js';
import { errorReply, HttpError, type Reply, readBody, send } from './http.js';
import { Faults, RateLimits } from './limits.js';
import { match } from './route.js';
import { routes } from './routes.js';
import type { GitHubSandbox, GitHubSandboxOptions, SandboxCounts, SandboxRequestLogEntry } from './types.js';
import { WorldStore } from './world.js';

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function envNumber(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a non-negative number, got "${raw}"`);
  return value;
}

/**
 * Starts a local server speaking the GitHub REST API for Actions secrets and variables (repo,
 * environment, org), `GET /user` and `GET /repos/{owner}/{repo}`, with real sealed-box keys,
 * token permissions, rate limits and fault injection. Resolves once it listens.
 */
export async function startGitHubServer(options: GitHubSandboxOptions = {}): Promise<GitHubSandbox> {
  await sodiumReady();
  const store = new WorldStore(options.stateFile);
  const timeScale = options.timeScale ?? envNumber('CREDS_SANDBOX_TIME_SCALE') ?? 1;
  if (!(timeScale > 0)) throw new Error('timeScale must be a positive number');
  const limits = new RateLimits(options.rateLimit ?? {}, timeScale);
  const faults = new Faults(
    options.errorRate ?? envNumber('CREDS_SANDBOX_ERROR_RATE') ?? 0,
    options.latencyMs ?? envNumber('CREDS_SANDBOX_LATENCY_MS') ?? 0,
    options.random ?? Math.random,
  );
  const log: SandboxRequestLogEntry[] = [];
  const control = createControl(store, limits, faults);
  for (const token of options.tokens ?? []) control.addToken(token);
  for (const org of options.orgs ?? []) control.addOrg(org);
  for (const repo of options.repos ?? []) control.addRepo(repo);

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const start = preciseNow();
    const started = Date.now();
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', 'http://sandbox.local');
    const write = WRITE_METHODS.has(method);
    const headers: Record<string, string> = {
      'x-github-request-id': randomUUID(),
      'x-github-api-version-selected': '2022-11-28',
      'x-github-media-type': 'github.v3; format=json',
    };
    let login: string | undefined;
    let reply: Reply;
    try {
      const body = await readBody(req);
      if (faults.latencyMs > 0) await sleep(faults.latencyMs);
      const found = match(routes, method, url.pathname.split('/').filter(Boolean));
      const byJwt = typeof found === 'object' && found.route.jwt;
      // App endpoints take the app's JWT and nothing else; every other endpoint a token.
      const world = store.read();
      const app = byJwt ? verifyJwtOrRefuse(credential(req), world) : undefined;
      const token = app ? { token: `app:${app.id}`, login: app.slug } : authenticate(req, world);
      login = token.login;
      if (token.scopes) headers['x-oauth-scopes'] = token.scopes.join(', ');
      // GitHub counts an installation's tokens together, and an app's JWT requests together.
      const limitKey = token.installationId === undefined ? token.token : `installation:${token.installationId}`;
      Object.assign(headers, limits.primary(limitKey));
      const failure = faults.pick(method, url.pathname);
      if (failure !== undefined) throw new HttpError(failure, failure === 502 ? 'Bad Gateway' : 'Server Error');
      if (write) limits.secondary(limitKey);
      if (found === undefined) throw new HttpError(404, 'Not Found');
      if (found === 'method') throw new HttpError(404, 'Not Found');
      reply = await found.route.handler({
        method,
        params: found.params,
        query: url.searchParams,
        baseUrl: `http://${req.headers.host ?? `${host}:${port}`}`,
        path: url.pathname,
        body,
        token,
        ...(app ? { app } : {}),
        store,
        timeScale,
      });
    } catch (error) {
      reply = errorReply(error instanceof HttpError ? error : new HttpError(500, `Sandbox failure: ${String(error)}`));
    }
    send(res, reply, headers);
    log.push({
      at: new Date(started).toISOString(),
      method,
      path: url.pathname + url.search,
      status: reply.status,
      write,
      durationMs: Date.now() - started,
      start,
      end: preciseNow(),
      ...(login === undefined ? {} : { login }),
    });
  }

  /** A JWT on an app endpoint, verified; a token there is not one GitHub can decode. */
  function verifyJwtOrRefuse(raw: string, world: ReturnType<WorldStore['read']>) {
    if (!looksLikeJwt(raw)) throw new HttpError(401, 'A JSON web token could not be decoded');
    return verifyAppJwt(raw, world);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://${host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
    get requests() {
      return log;
    },
    counts(): SandboxCounts {
      const byStatus: Record<number, number> = {};
      for (const entry of log) byStatus[entry.status] = (byStatus[entry.status] ?? 0) + 1;
      const writes = log.filter((e) => e.write).length;
      return { total: log.length, reads: log.length - writes, writes, byStatus };
    },
    resetLog() {
      log.length = 0;
    },
    ...control,
  };
}
