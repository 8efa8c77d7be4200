import { createStepContext, Secret } from '@creds/core';
import { type GitHubSandbox, type SandboxApp, type SandboxPermissions, startGitHubServer } from '@creds/sandbox';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGitHubAppAuth, createGitHubClient, type GitHubAppAuthOptions, type GitHubClient, githubPreflightStep, secretStep } from '../src/index.js';
import { rejection, TIME_SCALE } from './helpers.js';

// GitHub App authentication against the sandbox's App flow over HTTP: the app auth makes the
// JWTs and installation tokens, the client carries them, the preflight checks the installation.

let gh: GitHubSandbox;
let app: SandboxApp;
let orgInstallation: number;

const ALL = { secrets: 'write', variables: 'write', environments: 'write', actions: 'read', organization_secrets: 'write', organization_variables: 'write' } as const;

beforeEach(async () => {
  gh = await startGitHubServer({
    repos: [
      { owner: 'octo', name: 'app', environments: ['prod'] },
      { owner: 'octo', name: 'web' },
      { owner: 'octo', name: 'private-notes' },
      { owner: 'alice', name: 'site' },
    ],
    orgs: ['octo'],
    timeScale: TIME_SCALE,
  });
  app = gh.addApp({ name: 'creds test', permissions: ALL });
  orgInstallation = gh.addInstallation({ appId: app.appId, account: 'octo', repositories: ['octo/app', 'octo/web'] }).installationId;
});
afterEach(() => gh.close());

const appAuth = (overrides: Partial<GitHubAppAuthOptions> = {}) =>
  createGitHubAppAuth({ appId: app.appId, privateKey: app.privateKeyPem, baseUrl: gh.url, timeScale: TIME_SCALE, ...overrides });

async function installationClient(overrides: Partial<GitHubAppAuthOptions> = {}, target = { owner: 'octo', repo: 'app' }): Promise<GitHubClient> {
  const auth = appAuth(overrides);
  const found = await auth.installationFor(target);
  return createGitHubClient({ app: { auth, ...found }, timeScale: TIME_SCALE, timeoutMs: 2000 });
}

const env = (github: GitHubClient) => ({ github });
const ctx = (github: GitHubClient) => createStepContext({ env: env(github), stepId: 'step' });
const body = (pem: string) => pem.split('\n').filter((l) => l && !l.startsWith('-----'))[3]!;

describe('finding the installation', () => {
  it('asks GitHub for the installation of a repository or an organization, once per owner', async () => {
    const auth = appAuth();
    expect(await auth.installationFor({ owner: 'octo', repo: 'app' })).toEqual({ installationId: orgInstallation, account: 'octo' });
    expect(await auth.installationFor({ owner: 'octo', repo: 'web' })).toEqual({ installationId: orgInstallation, account: 'octo' });
    expect(await auth.installationFor({ org: 'octo' })).toEqual({ installationId: orgInstallation, account: 'octo' });
    const lookups = gh.requests.filter((r) => r.path.endsWith('/installation'));
    expect(lookups.map((r) => r.path)).toEqual(['/repos/octo/app/installation']);
  });

  it('uses a given installation, reading its account once', async () => {
    const auth = appAuth({ installationId: orgInstallation });
    expect(await auth.installationFor({ org: 'octo' })).toEqual({ installationId: orgInstallation, account: 'octo' });
    expect(gh.requests.map((r) => `${r.method} ${r.path}`)).toEqual([`GET /app/installations/${orgInstallation}`]);
  });

  it('says the app is not installed on an owner (404), and what to do', async () => {
    const error = await rejection(appAuth().installationFor({ owner: 'alice', repo: 'site' }));
    expect(error.code).toBe('GITHUB_APP_NOT_INSTALLED');
    expect(error.message).toContain(`GitHub App ${app.appId} is not installed on alice`);
    expect(error.hint).toMatch(/install the app on alice/);
    const unselected = await rejection(appAuth().installationFor({ owner: 'octo', repo: 'private-notes' }));
    expect(unselected.message).toContain('not given access to octo/private-notes');
    const wrongId = await rejection(appAuth({ installationId: 999999 }).installationFor({ org: 'octo' }));
    expect(wrongId.code).toBe('GITHUB_APP_NOT_INSTALLED');
    expect(wrongId.message).toContain('installation 999999');
  });
});

describe('credentials that cannot work', () => {
  it('refuses a private key that is not a PEM RSA key before any request, without printing it', () => {
    const garbled = app.privateKeyPem.replace(/[A-Za-z]{20}/, 'x');
    for (const privateKey of ['not a key', garbled]) {
      let error: (Error & { code?: string; hint?: string }) | undefined;
      try {
        appAuth({ privateKey });
      } catch (e) {
        error = e as typeof error;
      }
      expect(error?.code).toBe('GITHUB_APP_KEY_INVALID');
      expect(error?.hint).toContain('CREDS_GITHUB_APP_PRIVATE_KEY_FILE');
      expect(`${error?.message} ${error?.hint}`).not.toContain(body(app.privateKeyPem));
    }
    expect(gh.requests).toHaveLength(0);
  });

  it('accepts a key written on one line with \\n, as in an env variable', async () => {
    const auth = appAuth({ privateKey: app.privateKeyPem.trim().replace(/\n/g, '\\n') });
    expect((await auth.installationFor({ org: 'octo' })).installationId).toBe(orgInstallation);
  });

  it('refuses an app id that is neither digits nor a client id, naming the field', () => {
    expect(() => appAuth({ appId: 'my app' })).toThrow(/github\.app\.appId/);
  });

  it('says GitHub refused the JWT when the app id is not the key\'s app (401), without the key or the JWT', async () => {
    const other = gh.addApp();
    const error = await rejection(appAuth({ appId: other.appId }).installationFor({ org: 'octo' }));
    expect(error.code).toBe('GITHUB_APP_AUTH_FAILED');
    expect(error.message).toContain(`GitHub refused GitHub App ${other.appId}'s JWT (401 A JSON web token could not be decoded)`);
    expect(error.hint).toMatch(/App ID of the app whose private key you gave/);
    const text = JSON.stringify({ message: error.message, hint: error.hint, cause: String((error as { cause?: unknown }).cause) });
    expect(text).not.toContain(body(app.privateKeyPem));
    expect(text).not.toMatch(/eyJ[\w-]+\.[\w-]+\./);
  });

  it('accepts the client id in place of the app id', async () => {
    const client = await installationClient({ appId: app.clientId });
    expect((await client.getPublicKey({ kind: 'repo', owner: 'octo', repo: 'app' })).keyId).toBeTruthy();
  });
});

describe('the installation client', () => {
  it('writes a secret with an installation token; GitHub sees the app, never a classic scope', async () => {
    const github = await installationClient();
    const step = secretStep({ scope: { kind: 'repo', owner: 'octo', repo: 'app' }, name: 'AWS_REGION', value: () => new Secret('eu-west-1') });
    await step.apply(ctx(github));
    expect(gh.secretValue({ owner: 'octo', repo: 'app' }, 'AWS_REGION')).toBe('eu-west-1');
    const put = gh.requests.find((r) => r.method === 'PUT')!;
    expect(put.login).toBe('creds-test[bot]');
    expect(github.auth).toMatchObject({ kind: 'app', appId: String(app.appId), installationId: orgInstallation, account: 'octo' });
  });

  it('refreshes the installation token before it expires, across calls that outlive several tokens', async () => {
    // Tokens live 1.5 real seconds; calls go on for 4.
    gh.setTokenLifetime(app.appId, 1.5 / TIME_SCALE);
    const github = await installationClient();
    const scope = { kind: 'repo', owner: 'octo', repo: 'app' } as const;
    const until = Date.now() + 4000;
    let calls = 0;
    while (Date.now() < until) {
      await github.getPublicKey(scope, { fresh: true });
      await github.deleteSecret(scope, 'NOT_THERE');
      calls += 2;
      await new Promise((r) => setTimeout(r, 100));
    }
    const tokens = gh.installationTokens(orgInstallation);
    expect(tokens.length).toBeGreaterThanOrEqual(3);
    // Not one call was refused: each token was replaced before its expiry.
    expect(gh.requests.filter((r) => r.status === 401)).toEqual([]);
    expect(gh.requests.filter((r) => /secrets/.test(r.path))).toHaveLength(calls);
  });

  it('paces writes per installation: two clients of one installation never write at once', async () => {
    gh.setLatency(30);
    const a = await installationClient();
    const b = await installationClient();
    const scope = { kind: 'repo', owner: 'octo', repo: 'app' } as const;
    await Promise.all(Array.from({ length: 6 }, (_, i) => (i % 2 ? a : b).deleteSecret(scope, `P_${i}`)));
    const writes = gh.requests.filter((r) => r.write && r.path.includes('/secrets/')).sort((x, y) => x.start - y.start);
    expect(writes).toHaveLength(6);
    for (let i = 1; i < writes.length; i++) expect(writes[i]!.start).toBeGreaterThanOrEqual(writes[i - 1]!.end);
  });
});

describe('the preflight with an app', () => {
  const repos = [{ owner: 'octo', repo: 'app' }];

  it('passes with the permissions the scopes need, and reads the installation token\'s permissions, not a write', async () => {
    const github = await installationClient();
    const out = await githubPreflightStep({ repos, orgs: ['octo'], variables: true, appPermissions: { actions: 'read' } }).apply(ctx(github));
    expect(out.scopes).toEqual(['octo/app', 'org:octo']);
    expect(gh.requests.filter((r) => r.write && !r.path.endsWith('/access_tokens'))).toEqual([]);
  });

  it.each([
    ['secrets missing', { actions: 'read' }, {}, 'repository permission "Secrets: Read and write"'],
    ['secrets read-only', { secrets: 'read' }, {}, 'repository permission "Secrets: Read and write" (it has "Read-only")'],
    ['actions missing for the drain', { secrets: 'write' }, { appPermissions: { actions: 'read' as const } }, 'repository permission "Actions: Read-only"'],
    ['variables missing', { secrets: 'write' }, { variables: true }, 'repository permission "Variables: Read and write"'],
    ['org secrets missing', { secrets: 'write' }, { orgs: ['octo'] }, 'organization permission "Secrets: Read and write"'],
  ])('refuses an installation with %s, before any other call, naming the permission', async (_name, permissions, extra, named) => {
    gh.updateInstallation(orgInstallation, { permissions: permissions as SandboxPermissions });
    const github = await installationClient();
    gh.resetLog();
    const error = await rejection(githubPreflightStep({ repos, ...extra }).apply(ctx(github)));
    expect(error.code).toBe('GITHUB_APP_PERMISSION_MISSING');
    expect(error.message).toContain(`GitHub App ${app.appId}'s installation on octo lacks the ${named}`);
    expect(error.hint).toMatch(/Permissions & events/);
    // Only the token was minted: no repository was read, nothing written.
    expect(gh.requests.map((r) => r.path)).toEqual([`/app/installations/${orgInstallation}/access_tokens`]);
  });

  it('refuses a repository the installation does not include, naming it and what to do', async () => {
    const github = await installationClient();
    const error = await rejection(githubPreflightStep({ repos: [{ owner: 'octo', repo: 'private-notes' }] }).apply(ctx(github)));
    expect(error.code).toBe('GITHUB_APP_REPOSITORY_NOT_SELECTED');
    expect(error.message).toContain('repository octo/private-notes is not one of the repositories');
    expect(error.hint).toContain('add octo/private-notes to the installation');
  });

  it('needs Administration: write to create a missing environment', async () => {
    const github = await installationClient();
    const error = await rejection(
      githubPreflightStep({ repos: [{ owner: 'octo', repo: 'web', environments: ['staging'] }], missingEnvironments: 'create' }).apply(ctx(github)),
    );
    expect(error.code).toBe('GITHUB_APP_PERMISSION_MISSING');
    expect(error.message).toContain('"Administration: Read and write"');
    gh.updateInstallation(orgInstallation, { permissions: { ...ALL, administration: 'write' } });
    const granted = await installationClient();
    const out = await githubPreflightStep({ repos: [{ owner: 'octo', repo: 'web', environments: ['staging'] }], missingEnvironments: 'create' }).apply(ctx(granted));
    expect(out.missingEnvironments).toEqual(['octo/web:staging']);
  });

  it('asks for read access only when it checks (plan, status)', async () => {
    gh.updateInstallation(orgInstallation, { permissions: { secrets: 'read' } });
    const github = await installationClient();
    const result = await githubPreflightStep({ repos }).check!(ctx(github));
    expect(result.inSync).toBe(true);
  });
});
