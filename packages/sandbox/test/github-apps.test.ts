import { createPrivateKey, createSign } from 'node:crypto';
import { createAppAuth } from '@octokit/auth-app';
import { Octokit } from '@octokit/rest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type GitHubSandbox, type SandboxApp, startGitHubServer } from '../src/github/index.js';

// The App flow as GitHub documents it, checked with a plain Octokit and @octokit/auth-app (the
// library GitHub's own tooling uses): nothing of the product is involved.

interface HttpFailure {
  status: number;
  message: string;
}

async function failure(p: Promise<unknown>): Promise<HttpFailure> {
  try {
    await p;
  } catch (error) {
    return error as HttpFailure;
  }
  throw new Error('expected the request to fail');
}

/** A JWT signed by hand, to send claims auth-app would never make. */
function jwt(pem: string, claims: Record<string, unknown>, alg = 'RS256'): string {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const data = `${part({ alg, typ: 'JWT' })}.${part(claims)}`;
  const sig = createSign('RSA-SHA256').update(data).sign(createPrivateKey(pem)).toString('base64url');
  return `${data}.${sig}`;
}

const now = () => Math.floor(Date.now() / 1000);

let gh: GitHubSandbox;
let app: SandboxApp;
let orgInstallation: number;
let userInstallation: number;

const appOctokit = (id: number | string = app.appId, privateKey = app.privateKeyPem) =>
  new Octokit({ baseUrl: gh.url, authStrategy: createAppAuth, auth: { appId: id, privateKey } });

const installationOctokit = (installationId: number) =>
  new Octokit({ baseUrl: gh.url, authStrategy: createAppAuth, auth: { appId: app.appId, privateKey: app.privateKeyPem, installationId } });

beforeEach(async () => {
  gh = await startGitHubServer({
    repos: [
      { owner: 'octo-org', name: 'api', environments: ['prod'] },
      { owner: 'octo-org', name: 'web' },
      { owner: 'octo-org', name: 'hidden' },
      { owner: 'alice', name: 'dotfiles' },
      { owner: 'bob', name: 'site' },
    ],
    orgs: ['octo-org', 'other-org'],
    tokens: [{ token: 'ghp_classic', scopes: ['repo'] }],
  });
  app = gh.addApp({ name: 'Creds Rotator', permissions: { secrets: 'write', actions: 'read', environments: 'write', organization_secrets: 'write' } });
  orgInstallation = gh.addInstallation({ appId: app.appId, account: 'octo-org', repositories: ['octo-org/api', 'octo-org/web'] }).installationId;
  userInstallation = gh.addInstallation({ appId: app.appId, account: 'alice', permissions: { secrets: 'read' } }).installationId;
});

afterEach(async () => {
  await gh.close();
});

describe('the app JWT', () => {
  it('GET /app answers the app that signed it, by app id or client id', async () => {
    const { data } = await appOctokit().rest.apps.getAuthenticated();
    expect(data).toMatchObject({ id: app.appId, slug: 'creds-rotator', name: 'Creds Rotator', client_id: app.clientId, installations_count: 2 });
    expect(data!.permissions).toMatchObject({ secrets: 'write', metadata: 'read' });
    const byClientId = await appOctokit(app.clientId).rest.apps.getAuthenticated();
    expect(byClientId.data!.id).toBe(app.appId);
  });

  it('finds the installation for a repository, an organization and a user', async () => {
    const octokit = appOctokit();
    const repo = await octokit.rest.apps.getRepoInstallation({ owner: 'octo-org', repo: 'api' });
    expect(repo.data).toMatchObject({ id: orgInstallation, app_id: app.appId, target_type: 'Organization', repository_selection: 'selected', account: { login: 'octo-org' } });
    expect((await octokit.rest.apps.getOrgInstallation({ org: 'octo-org' })).data.id).toBe(orgInstallation);
    const user = await octokit.rest.apps.getUserInstallation({ username: 'alice' });
    expect(user.data).toMatchObject({ id: userInstallation, target_type: 'User', repository_selection: 'all', permissions: { secrets: 'read', metadata: 'read' } });
    expect((await octokit.rest.apps.listInstallations()).data.map((i) => i.id).sort()).toEqual([orgInstallation, userInstallation].sort());
  });

  it('answers 404 where the app is not installed, or the repository is not selected', async () => {
    const octokit = appOctokit();
    expect((await failure(octokit.rest.apps.getRepoInstallation({ owner: 'octo-org', repo: 'hidden' }))).status).toBe(404);
    expect((await failure(octokit.rest.apps.getRepoInstallation({ owner: 'bob', repo: 'site' }))).status).toBe(404);
    expect((await failure(octokit.rest.apps.getOrgInstallation({ org: 'other-org' }))).status).toBe(404);
    expect((await failure(octokit.rest.apps.getOrgInstallation({ org: 'alice' }))).status).toBe(404);
    expect((await failure(octokit.rest.apps.getUserInstallation({ username: 'bob' }))).status).toBe(404);
  });

  it.each([
    ['another app id', () => ({ appId: 1, pem: app.privateKeyPem })],
    ['a key of another app', () => ({ appId: app.appId, pem: gh.addApp().privateKeyPem })],
  ])('is refused when signed with %s: 401 "A JSON web token could not be decoded"', async (_name, given) => {
    const { appId, pem } = given();
    const error = await failure(appOctokit(appId, pem).rest.apps.getAuthenticated());
    expect(error.status).toBe(401);
    expect(error.message).toContain('A JSON web token could not be decoded');
  });

  it.each([
    ['exp more than 10 minutes after iat', () => ({ iat: now() - 30, exp: now() - 30 + 601 }), "'Expiration time' claim ('exp') is too far in the future"],
    ['exp more than 10 minutes ahead', () => ({ iat: now() + 30, exp: now() + 620 }), "'Expiration time' claim ('exp') is too far in the future"],
    ['exp in the past', () => ({ iat: now() - 700, exp: now() - 100 }), "'Expiration time' claim ('exp') must be a numeric value"],
    ['no exp', () => ({ iat: now() - 30 }), "'Expiration time' claim ('exp') must be a numeric value"],
    ['iat in the future', () => ({ iat: now() + 300, exp: now() + 500 }), "'Issued at' claim ('iat') must be an Integer"],
    ['iat not a number', () => ({ iat: 'yesterday', exp: now() + 500 }), "'Issued at' claim ('iat') must be an Integer"],
  ])('refuses a JWT with %s (GitHub 401)', async (_name, times, message) => {
    const token = jwt(app.privateKeyPem, { iss: app.appId, ...times() });
    const error = await failure(new Octokit({ baseUrl: gh.url, auth: token }).rest.apps.getAuthenticated());
    expect(error.status).toBe(401);
    expect(error.message).toContain(message);
  });

  it('accepts a hand-made JWT of exactly 10 minutes, with iss as a string', async () => {
    const iat = now() - 30;
    const token = jwt(app.privateKeyPem, { iss: String(app.appId), iat, exp: iat + 600 });
    expect((await new Octokit({ baseUrl: gh.url, auth: token }).rest.apps.getAuthenticated()).data!.id).toBe(app.appId);
  });

  it('refuses other algorithms and tokens on app endpoints, and JWTs elsewhere', async () => {
    const hs = jwt(app.privateKeyPem, { iss: app.appId, iat: now() - 30, exp: now() + 500 }, 'HS256');
    expect((await failure(new Octokit({ baseUrl: gh.url, auth: hs }).rest.apps.getAuthenticated())).status).toBe(401);
    const classic = await failure(new Octokit({ baseUrl: gh.url, auth: 'ghp_classic' }).rest.apps.getAuthenticated());
    expect([classic.status, classic.message]).toEqual([401, expect.stringContaining('A JSON web token could not be decoded')]);
    const good = jwt(app.privateKeyPem, { iss: app.appId, iat: now() - 30, exp: now() + 500 });
    const elsewhere = await failure(new Octokit({ baseUrl: gh.url, auth: good }).rest.actions.getRepoPublicKey({ owner: 'octo-org', repo: 'api' }));
    expect(elsewhere.status).toBe(401);
  });
});

describe('installation access tokens', () => {
  it('POST /app/installations/{id}/access_tokens answers 201 with a ghs_ token, its expiry, permissions and repositories', async () => {
    const before = Date.now();
    const res = await appOctokit().rest.apps.createInstallationAccessToken({ installation_id: orgInstallation });
    const after = Date.now();
    expect(res.status).toBe(201);
    expect(res.data.token).toMatch(/^ghs_[A-Za-z0-9]{36}$/);
    // An hour, written to the second as GitHub does.
    expect(res.data.expires_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const expires = Date.parse(res.data.expires_at);
    expect(expires).toBeGreaterThan(before + 3_600_000 - 1000);
    expect(expires).toBeLessThanOrEqual(after + 3_600_000);
    expect(res.data).toMatchObject({ repository_selection: 'selected', permissions: { secrets: 'write', actions: 'read', metadata: 'read' } });
    expect(res.data.repositories!.map((r) => r.full_name).sort()).toEqual(['octo-org/api', 'octo-org/web']);
    // An installation on all of a user's repositories lists none.
    const all = await appOctokit().rest.apps.createInstallationAccessToken({ installation_id: userInstallation });
    expect(all.data.repository_selection).toBe('all');
    expect(all.data.repositories).toBeUndefined();
  });

  it('is narrowed by the body to fewer repositories and permissions, never widened', async () => {
    const octokit = appOctokit();
    const narrow = await octokit.rest.apps.createInstallationAccessToken({ installation_id: orgInstallation, repositories: ['web'], permissions: { secrets: 'read' } });
    expect(narrow.data.permissions).toEqual({ secrets: 'read', metadata: 'read' });
    expect(narrow.data.repositories!.map((r) => r.name)).toEqual(['web']);
    const asInstallation = new Octokit({ baseUrl: gh.url, auth: narrow.data.token });
    expect((await asInstallation.rest.actions.getRepoPublicKey({ owner: 'octo-org', repo: 'web' })).status).toBe(200);
    expect((await failure(asInstallation.rest.actions.getRepoPublicKey({ owner: 'octo-org', repo: 'api' }))).status).toBe(404);

    const wider = await failure(octokit.rest.apps.createInstallationAccessToken({ installation_id: orgInstallation, permissions: { administration: 'write' } }));
    expect([wider.status, wider.message]).toEqual([422, expect.stringContaining('not granted to this installation')]);
    const upgrade = await failure(octokit.rest.apps.createInstallationAccessToken({ installation_id: userInstallation, permissions: { secrets: 'write' } }));
    expect(upgrade.status).toBe(422);
    const outside = await failure(octokit.rest.apps.createInstallationAccessToken({ installation_id: orgInstallation, repositories: ['hidden'] }));
    expect([outside.status, outside.message]).toEqual([422, expect.stringContaining('not accessible to the parent installation')]);
    const byId = await octokit.rest.apps.createInstallationAccessToken({ installation_id: orgInstallation, repository_ids: [gh.repoId('octo-org', 'api')!] });
    expect(byId.data.repositories!.map((r) => r.name)).toEqual(['api']);
  });

  it('answers 404 for an installation of another app', async () => {
    const other = gh.addApp();
    const error = await failure(appOctokit(other.appId, other.privateKeyPem).rest.apps.createInstallationAccessToken({ installation_id: orgInstallation }));
    expect(error.status).toBe(404);
  });

  it('acts as a fine-grained token of the installation: its repositories, its permissions, its account', async () => {
    const octokit = installationOctokit(orgInstallation);
    const key = await octokit.rest.actions.getRepoPublicKey({ owner: 'octo-org', repo: 'api' });
    expect(key.status).toBe(200);
    // No classic scopes header for an installation token.
    expect(key.headers['x-oauth-scopes']).toBeUndefined();
    await octokit.rest.actions.getEnvironmentPublicKey({ owner: 'octo-org', repo: 'api', environment_name: 'prod' });
    expect((await octokit.rest.actions.getOrgPublicKey({ org: 'octo-org' })).status).toBe(200);
    // Not selected, another account, another organization: absent.
    expect((await failure(octokit.rest.actions.getRepoPublicKey({ owner: 'octo-org', repo: 'hidden' }))).status).toBe(404);
    expect((await failure(octokit.rest.actions.getRepoPublicKey({ owner: 'bob', repo: 'site' }))).status).toBe(404);
    expect((await failure(octokit.rest.actions.getOrgPublicKey({ org: 'other-org' }))).status).toBe(404);
    // A permission the installation lacks: 403 naming it, as GitHub words it for an app.
    const variables = await failure(octokit.rest.actions.listRepoVariables({ owner: 'octo-org', repo: 'api' }));
    expect([variables.status, variables.message]).toEqual([403, expect.stringContaining('Resource not accessible by integration')]);
    const env = await failure(octokit.rest.repos.createOrUpdateEnvironment({ owner: 'octo-org', repo: 'api', environment_name: 'staging' }));
    expect(env.status).toBe(403);

    const readOnly = installationOctokit(userInstallation);
    expect((await readOnly.rest.actions.listRepoSecrets({ owner: 'alice', repo: 'dotfiles' })).status).toBe(200);
    const write = await failure(readOnly.rest.actions.deleteRepoSecret({ owner: 'alice', repo: 'dotfiles', secret_name: 'X' }));
    expect(write.status).toBe(403);
  });

  it('follows the installation: a repository added to the selection is reachable with the next token', async () => {
    gh.updateInstallation(orgInstallation, { repositories: 'all' });
    const { data } = await appOctokit().rest.apps.createInstallationAccessToken({ installation_id: orgInstallation });
    const octokit = new Octokit({ baseUrl: gh.url, auth: data.token });
    expect((await octokit.rest.actions.getRepoPublicKey({ owner: 'octo-org', repo: 'hidden' })).status).toBe(200);
    // A repository made later is in an "all repositories" installation too.
    gh.addRepo({ owner: 'octo-org', name: 'later' });
    expect((await octokit.rest.actions.getRepoPublicKey({ owner: 'octo-org', repo: 'later' })).status).toBe(200);
  });

  it('expires: 401 "Bad credentials" after expires_at; a fresh token works', async () => {
    gh.setTokenLifetime(app.appId, 1);
    const auth = createAppAuth({ appId: app.appId, privateKey: app.privateKeyPem, request: new Octokit({ baseUrl: gh.url }).request });
    const first = await auth({ type: 'installation', installationId: orgInstallation });
    const lifetime = Date.parse(first.expiresAt) - Date.parse(first.createdAt);
    expect(lifetime).toBeGreaterThan(0);
    expect(lifetime).toBeLessThanOrEqual(1000);
    const octokit = new Octokit({ baseUrl: gh.url, auth: first.token });
    expect((await octokit.rest.actions.getRepoPublicKey({ owner: 'octo-org', repo: 'api' })).status).toBe(200);
    await new Promise((r) => setTimeout(r, Date.parse(first.expiresAt) - Date.now() + 20));
    const expired = await failure(octokit.rest.actions.getRepoPublicKey({ owner: 'octo-org', repo: 'api' }));
    expect([expired.status, expired.message]).toEqual([401, expect.stringContaining('Bad credentials')]);
    // auth-app caches a token for 59 minutes whatever its expiry; refresh asks for a new one.
    const cached = await auth({ type: 'installation', installationId: orgInstallation });
    expect(cached.token).toBe(first.token);
    const fresh = await auth({ type: 'installation', installationId: orgInstallation, refresh: true });
    expect(fresh.token).not.toBe(first.token);
    expect((await new Octokit({ baseUrl: gh.url, auth: fresh.token }).rest.actions.getRepoPublicKey({ owner: 'octo-org', repo: 'api' })).status).toBe(200);
    expect(gh.installationTokens(orgInstallation).map((t) => t.token)).toEqual([first.token, fresh.token]);
  });

  it('lives an hour of the sandbox clock: timeScale 0.001 makes it 3.6 real seconds', async () => {
    const fast = await startGitHubServer({ timeScale: 0.001, orgs: ['o'], repos: [{ owner: 'o', name: 'r' }] });
    try {
      const a = fast.addApp({ permissions: { secrets: 'read' } });
      const { installationId } = fast.addInstallation({ appId: a.appId, account: 'o' });
      const octokit = new Octokit({ baseUrl: fast.url, authStrategy: createAppAuth, auth: { appId: a.appId, privateKey: a.privateKeyPem } });
      const before = Date.now();
      const { data } = await octokit.rest.apps.createInstallationAccessToken({ installation_id: installationId });
      const after = Date.now();
      expect(Date.parse(data.expires_at)).toBeGreaterThanOrEqual(before + 3600);
      expect(Date.parse(data.expires_at)).toBeLessThanOrEqual(after + 3600);
    } finally {
      await fast.close();
    }
  });

  it('counts rate limits per installation, not per token', async () => {
    const octokit = appOctokit();
    const one = (await octokit.rest.apps.createInstallationAccessToken({ installation_id: orgInstallation })).data.token;
    const two = (await octokit.rest.apps.createInstallationAccessToken({ installation_id: orgInstallation })).data.token;
    const a = await new Octokit({ baseUrl: gh.url, auth: one }).rest.actions.getRepoPublicKey({ owner: 'octo-org', repo: 'api' });
    const b = await new Octokit({ baseUrl: gh.url, auth: two }).rest.actions.getRepoPublicKey({ owner: 'octo-org', repo: 'api' });
    expect(Number(b.headers['x-ratelimit-used'])).toBe(Number(a.headers['x-ratelimit-used']) + 1);
    gh.exhaustPrimaryRateLimit(one);
    expect((await failure(new Octokit({ baseUrl: gh.url, auth: two }).rest.actions.getRepoPublicKey({ owner: 'octo-org', repo: 'api' }))).status).toBe(403);
  });

  it('survives in a state file shared by processes', async () => {
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = mkdtempSync(join(tmpdir(), 'sandbox-apps-'));
    const file = join(dir, 'world.json');
    const first = await startGitHubServer({ stateFile: file, orgs: ['o'], repos: [{ owner: 'o', name: 'r' }] });
    const second = await startGitHubServer({ stateFile: file });
    try {
      const a = first.addApp({ permissions: { secrets: 'write' } });
      const { installationId } = first.addInstallation({ appId: a.appId, account: 'o' });
      const octokit = new Octokit({ baseUrl: second.url, authStrategy: createAppAuth, auth: { appId: a.appId, privateKey: a.privateKeyPem, installationId } });
      expect((await octokit.rest.actions.getRepoPublicKey({ owner: 'o', repo: 'r' })).status).toBe(200);
    } finally {
      await first.close();
      await second.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the control API', () => {
  it('checks what it is given', () => {
    expect(() => gh.addInstallation({ appId: 999, account: 'octo-org' })).toThrow(/no app 999/);
    expect(() => gh.addInstallation({ appId: app.appId, account: 'octo-org' })).toThrow(/already installed/);
    expect(() => gh.addInstallation({ appId: app.appId, account: 'bob', repositories: ['alice/dotfiles'] })).toThrow(/not one of bob's/);
    expect(() => gh.addApp({ permissions: { secrets: 'admin' as 'write' } })).toThrow(/read or write/);
    expect(() => gh.setTokenLifetime(app.appId, 0)).toThrow(/positive/);
  });

  it('hands out a PKCS#1 PEM, as GitHub does', () => {
    expect(app.privateKeyPem).toMatch(/^-----BEGIN RSA PRIVATE KEY-----\n/);
  });
});
