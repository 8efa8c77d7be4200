import { createPublicKey, randomBytes, verify } from 'node:crypto';
import { HttpError, jsonBody, notFound, type Reply, timestamp } from './http.js';
import type { RouteContext } from './route.js';
import { repoKey } from './scopes.js';
import type { AppState, InstallationState, RepoState, TokenState, WorldState } from './world.js';

/** GitHub refuses a JWT whose `exp` is more than 10 minutes ahead (of now, and of its `iat`). */
const MAX_JWT_SECONDS = 600;
/** How far ahead of the server's clock an `iat` may be (GitHub tolerates a little clock drift). */
const IAT_SKEW_SECONDS = 60;

const decodeFailed = () => new HttpError(401, 'A JSON web token could not be decoded');

/** Whether an Authorization token has the shape of a JWT (three base64url parts, a JSON header). */
export function looksLikeJwt(token: string): boolean {
  return /^eyJ[\w-]*\.[\w-]+\.[\w-]*$/.test(token);
}

function base64urlJson(part: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw decodeFailed();
}

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);

/**
 * The app a JWT speaks for, with GitHub's 401 answers: RS256 only; `iss` is the app id (a number or
 * its digits) or the client id; the signature must verify with that app's key; `iat` no later than
 * a minute ahead, `exp` in the future and at most 10 minutes after both now and `iat`.
 */
export function verifyAppJwt(jwt: string, world: WorldState, now = Date.now()): AppState {
  const parts = jwt.split('.');
  if (parts.length !== 3) throw decodeFailed();
  const [head, body, sig] = parts as [string, string, string];
  const header = base64urlJson(head);
  const claims = base64urlJson(body);
  if (header['alg'] !== 'RS256') throw decodeFailed();
  const iss = claims['iss'];
  const app = Object.values(world.apps ?? {}).find((a) => String(a.id) === String(iss) || a.clientId === iss);
  if (!app) throw decodeFailed();
  const ok = verify('RSA-SHA256', Buffer.from(`${head}.${body}`), createPublicKey(app.publicKeyPem), Buffer.from(sig, 'base64url'));
  if (!ok) throw decodeFailed();
  const seconds = Math.floor(now / 1000);
  const { iat, exp } = claims;
  if (!isInt(iat) || iat > seconds + IAT_SKEW_SECONDS) {
    throw new HttpError(401, "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued");
  }
  if (!isInt(exp) || exp <= seconds) {
    throw new HttpError(401, "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires");
  }
  if (exp > seconds + MAX_JWT_SECONDS || exp - iat > MAX_JWT_SECONDS) {
    throw new HttpError(401, "'Expiration time' claim ('exp') is too far in the future");
  }
  return app;
}

/** What GitHub shows of an app. */
function appJson(app: AppState, world: WorldState): Record<string, unknown> {
  return {
    id: app.id,
    slug: app.slug,
    client_id: app.clientId,
    node_id: `A_${app.id}`,
    name: app.name,
    description: '',
    owner: { login: app.owner, type: world.orgs[app.owner.toLowerCase()] ? 'Organization' : 'User' },
    external_url: `https://example.com/${app.slug}`,
    html_url: `https://github.com/apps/${app.slug}`,
    created_at: app.createdAt,
    updated_at: app.createdAt,
    permissions: app.permissions,
    events: [],
    installations_count: installationsOf(world, app.id).length,
  };
}

function installationsOf(world: WorldState, appId: number): InstallationState[] {
  return Object.values(world.installations ?? {}).filter((i) => i.appId === appId);
}

function installationJson(inst: InstallationState, world: WorldState, ctx: RouteContext): Record<string, unknown> {
  const app = world.apps?.[String(inst.appId)];
  const target = inst.accountType === 'Organization' ? world.orgs[inst.account.toLowerCase()]?.id : undefined;
  return {
    id: inst.id,
    account: { login: inst.account, id: target ?? 0, type: inst.accountType },
    repository_selection: inst.repositories ? 'selected' : 'all',
    access_tokens_url: `${ctx.baseUrl}/app/installations/${inst.id}/access_tokens`,
    repositories_url: `${ctx.baseUrl}/installation/repositories`,
    html_url: `https://github.com/settings/installations/${inst.id}`,
    app_id: inst.appId,
    app_slug: app?.slug,
    target_id: target ?? 0,
    target_type: inst.accountType,
    permissions: inst.permissions,
    events: [],
    created_at: inst.createdAt,
    updated_at: inst.updatedAt,
    single_file_name: null,
    suspended_at: null,
    suspended_by: null,
  };
}

/** Whether the installation may use the repository: it is the account's, and selected (or all are). */
export function installationCovers(inst: InstallationState, repo: RepoState): boolean {
  if (repo.owner.toLowerCase() !== inst.account.toLowerCase()) return false;
  return inst.repositories === undefined || inst.repositories.some((r) => r.toLowerCase() === repoKey(repo.owner, repo.name));
}

function appOf(ctx: RouteContext): AppState {
  if (!ctx.app) throw decodeFailed();
  return ctx.app;
}

export function getApp(ctx: RouteContext): Reply {
  return { status: 200, body: appJson(appOf(ctx), ctx.store.read()) };
}

export function listInstallations(ctx: RouteContext): Reply {
  const world = ctx.store.read();
  return { status: 200, body: installationsOf(world, appOf(ctx).id).map((i) => installationJson(i, world, ctx)) };
}

export function getInstallation(ctx: RouteContext): Reply {
  const world = ctx.store.read();
  return { status: 200, body: installationJson(installationById(world, appOf(ctx), ctx.params['installationId']!), world, ctx) };
}

function installationById(world: WorldState, app: AppState, id: string): InstallationState {
  const inst = world.installations?.[id];
  if (!inst || inst.appId !== app.id) throw notFound();
  return inst;
}

/** `GET /repos/{owner}/{repo}/installation`: the app's installation that covers the repository. */
export function getRepoInstallation(ctx: RouteContext): Reply {
  const world = ctx.store.read();
  const app = appOf(ctx);
  const repo = world.repos[repoKey(ctx.params['owner']!, ctx.params['repo']!)];
  const inst = repo && installationsOf(world, app.id).find((i) => installationCovers(i, repo));
  if (!inst) throw notFound();
  return { status: 200, body: installationJson(inst, world, ctx) };
}

/** `GET /orgs/{org}/installation` and `GET /users/{username}/installation`. */
export function getAccountInstallation(type: 'Organization' | 'User') {
  return (ctx: RouteContext): Reply => {
    const world = ctx.store.read();
    const app = appOf(ctx);
    const login = (ctx.params['org'] ?? ctx.params['username'])!.toLowerCase();
    // GitHub's users endpoint also finds an organization's installation (an org is a user account there).
    const inst = installationsOf(world, app.id).find(
      (i) => i.account.toLowerCase() === login && (type === 'User' || i.accountType === 'Organization'),
    );
    if (!inst) throw notFound();
    return { status: 200, body: installationJson(inst, world, ctx) };
  };
}

const unprocessable = (message: string) => new HttpError(422, message);
const level = { read: 1, write: 2 } as const;

function newInstallationToken(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  return `ghs_${[...randomBytes(36)].map((b) => alphabet[b % alphabet.length]).join('')}`;
}

/** An expiry as GitHub writes it (to the second), or with milliseconds when the lifetime is that short. */
function expiryText(ms: number): string {
  return ms % 1000 === 0 ? timestamp(ms) : new Date(ms).toISOString();
}

/** When a token made now expires: to the second, as GitHub has it, unless it lives under 10 real seconds. */
function expiryOf(lifetimeMs: number): number {
  const at = Date.now() + lifetimeMs;
  return lifetimeMs >= 10_000 ? Math.floor(at / 1000) * 1000 : at;
}

/**
 * `POST /app/installations/{id}/access_tokens` → 201 with an expiring `ghs_` token, narrowed by
 * the body's `repositories` (names) / `repository_ids` and `permissions` to a subset of the
 * installation's. The token behaves as a fine-grained token of those permissions and repositories.
 */
export function createAccessToken(ctx: RouteContext): Reply {
  const body = jsonBody(ctx.body);
  return ctx.store.mutate((world) => {
    const app = appOf(ctx);
    const inst = installationById(world, app, ctx.params['installationId']!);
    const covered = Object.values(world.repos).filter((r) => installationCovers(inst, r));

    let repos: RepoState[] | undefined;
    const names = body['repositories'];
    const ids = body['repository_ids'];
    if (names !== undefined || ids !== undefined) {
      if (names !== undefined && (!Array.isArray(names) || !names.every((n) => typeof n === 'string'))) {
        throw unprocessable('Invalid request.\n\nFor \'properties/repositories\', it is not an array of strings.');
      }
      if (ids !== undefined && (!Array.isArray(ids) || !ids.every((n) => Number.isInteger(n)))) {
        throw unprocessable('Invalid request.\n\nFor \'properties/repository_ids\', it is not an array of integers.');
      }
      const wanted = [
        ...((names as string[] | undefined) ?? []).map((n) => covered.find((r) => r.name.toLowerCase() === n.toLowerCase())),
        ...((ids as number[] | undefined) ?? []).map((id) => covered.find((r) => r.id === id)),
      ];
      if (wanted.some((r) => r === undefined)) {
        throw unprocessable('There is at least one repository that does not exist or is not accessible to the parent installation.');
      }
      repos = [...new Set(wanted as RepoState[])];
    } else if (inst.repositories) {
      repos = covered;
    }

    let permissions = inst.permissions;
    const asked = body['permissions'];
    if (asked !== undefined) {
      if (typeof asked !== 'object' || asked === null || Array.isArray(asked)) {
        throw unprocessable('Invalid request.\n\nFor \'properties/permissions\', it is not an object.');
      }
      const narrowed: Record<string, 'read' | 'write'> = {};
      for (const [name, access] of Object.entries(asked as Record<string, unknown>)) {
        const granted = inst.permissions[name];
        if ((access !== 'read' && access !== 'write') || granted === undefined || level[granted] < level[access]) {
          throw unprocessable('The permissions requested are not granted to this installation.');
        }
        narrowed[name] = access;
      }
      if (inst.permissions['metadata']) narrowed['metadata'] ??= 'read';
      permissions = narrowed;
    }

    const token = newInstallationToken();
    const expiresAt = expiryOf(Math.max(1, Math.round(app.tokenLifetimeSeconds * 1000 * ctx.timeScale)));
    const state: TokenState = {
      token,
      login: `${app.slug}[bot]`,
      permissions: { ...permissions },
      installationId: inst.id,
      account: inst.account,
      expiresAt,
      ...(repos ? { repositories: repos.map((r) => `${r.owner}/${r.name}`) } : {}),
    };
    world.tokens[token] = state;
    return {
      status: 201,
      body: {
        token,
        expires_at: expiryText(expiresAt),
        permissions,
        repository_selection: repos ? 'selected' : 'all',
        ...(repos
          ? { repositories: repos.map((r) => ({ id: r.id, name: r.name, full_name: `${r.owner}/${r.name}`, private: r.private, owner: { login: r.owner } })) }
          : {}),
      },
    };
  });
}
