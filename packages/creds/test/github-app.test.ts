import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLogger } from '@creds/core';
import type { SandboxApp } from '@creds/sandbox';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type CredsOptions, resolveGitHubApp } from '../src/index.js';
import { baseConfig, useWorld } from './harness.js';

// creds as a GitHub App: the sandbox's App flow over HTTP, installation tokens minted per owner's
// installation and refreshed, the preflight reading the installation's permissions, and the key kept out of
// everything creds writes or prints.

const ORG_REPOS = ['api', 'web', 'docs', 'ops'];
const w = useWorld({
  repos: [...ORG_REPOS.map((name) => ({ owner: 'octo-org', name })), { owner: 'alice', name: 'blog' }, { owner: 'bob', name: 'site' }],
  orgs: ['octo-org'],
});

const PERMISSIONS = { secrets: 'write', actions: 'read', environments: 'write', variables: 'write' } as const;
let app: SandboxApp;
let orgInstallation: number;
let userInstallation: number;

beforeEach(() => {
  app = w.github.addApp({ name: 'creds rotator', permissions: PERMISSIONS });
  orgInstallation = w.github.addInstallation({ appId: app.appId, account: 'octo-org' }).installationId;
  userInstallation = w.github.addInstallation({ appId: app.appId, account: 'alice' }).installationId;
});

const appOptions = (extra: Partial<NonNullable<CredsOptions['github']>> = {}): CredsOptions => ({
  github: { app: { appId: app.appId, privateKey: app.privateKeyPem }, baseUrl: w.github.url, timeScale: 0.001, ...extra },
});

const fleet = (repos: Array<[string, string]>) =>
  baseConfig({
    github: undefined,
    targets: repos.map(([owner, repo]) => ({ name: `${owner}-${repo}`, github: { owner, repo }, iam: { userName: `gh-${owner}-${repo}` } })),
  });

/** A line of the key's body, which must never appear anywhere creds writes. */
const keyLine = () => app.privateKeyPem.split('\n')[5]!;

describe('setup and rotation with a GitHub App', () => {
  it('finds each owner\'s installation, writes with its tokens, and refreshes them during a run longer than a token\'s life', async () => {
    // An installation token lives 1.5 real seconds (1,500 GitHub seconds at the sandbox's scale).
    w.github.setTokenLifetime(app.appId, 1500);
    const repos: Array<[string, string]> = [...ORG_REPOS.map((r): [string, string] => ['octo-org', r]), ['alice', 'blog']];
    const { creds } = await w.creds(fleet(repos), { ...appOptions(), targetConcurrency: 2 });
    const started = Date.now();
    const setup = await creds.run('setup');
    expect(setup.map((r) => [r.target, r.status, r.error?.message])).toEqual(repos.map(([o, r]) => [`${o}-${r}`, 'succeeded', undefined]));
    const rotate = await creds.run('rotate', { drainTimeout: '0' });
    expect(rotate.every((r) => r.status === 'succeeded')).toBe(true);
    const took = Date.now() - started;
    for (const [owner, repo] of repos) {
      const user = w.iam.state().users.find((u) => u.userName === `gh-${owner}-${repo}`)!;
      expect(w.github.secretValue({ owner, repo }, 'AWS_ACCESS_KEY_ID')).toBe(user.accessKeys[0]!.accessKeyId);
    }
    // One installation lookup per owner (the org's four repositories share one).
    const lookups = w.github.requests.filter((r) => r.path.endsWith('/installation')).map((r) => r.path);
    expect(lookups.sort()).toEqual(['/repos/alice/blog/installation', expect.stringMatching(/^\/repos\/octo-org\/\w+\/installation$/)]);
    // The run outlived several tokens, and each was replaced before GitHub would refuse it.
    const minted = w.github.installationTokens(orgInstallation).length;
    console.log(`app fleet: setup + rotate of 5 targets took ${took} ms; installation tokens minted: octo-org ${minted}, alice ${w.github.installationTokens(userInstallation).length}`);
    expect(took).toBeGreaterThan(1500);
    expect(minted).toBeGreaterThanOrEqual(2);
    expect(w.github.requests.filter((r) => r.status === 401)).toEqual([]);
    // Writes were made as the app, never probed (the installation's permissions are known).
    expect(w.github.requests.filter((r) => r.write && /CREDS_WRITE_CHECK/.test(r.path))).toEqual([]);
    expect(new Set(w.github.requests.filter((r) => r.write && r.path.includes('/secrets/')).map((r) => r.login))).toEqual(new Set(['creds-rotator[bot]']));
  }, 120_000);

  it('refuses, before any write, an installation that lacks a permission, naming it as GitHub does', async () => {
    w.github.updateInstallation(orgInstallation, { permissions: { secrets: 'read', actions: 'read' } });
    const { creds } = await w.creds(fleet([['octo-org', 'api']]), appOptions());
    const [result] = await creds.run('setup');
    expect(result?.status).toBe('failed');
    expect(result?.error?.code).toBe('GITHUB_APP_PERMISSION_MISSING');
    expect(result?.error?.message).toContain(`GitHub App ${app.appId}'s installation on octo-org lacks the repository permission "Secrets: Read and write" (it has "Read-only")`);
    expect(result?.error?.hint).toContain('Repository permissions → Secrets: Read and write');
    expect(w.iam.state().users).toEqual([]);
    expect(w.github.requests.filter((r) => r.write && !r.path.endsWith('/access_tokens'))).toEqual([]);
  });

  it('asks for "Actions: Read-only" when a rotation will wait for running workflows', async () => {
    const { creds } = await w.creds(fleet([['octo-org', 'api']]), appOptions());
    expect((await creds.run('setup'))[0]?.status).toBe('succeeded');
    w.github.updateInstallation(orgInstallation, { permissions: { secrets: 'write' } });
    const { creds: later } = await w.creds(fleet([['octo-org', 'api']]), appOptions());
    const [result] = await later.run('rotate');
    expect(result?.error?.message).toContain('"Actions: Read-only"');
  });

  it('says which repository the installation does not include, and where the app is not installed', async () => {
    w.github.updateInstallation(orgInstallation, { repositories: ['octo-org/web'] });
    const { creds } = await w.creds(fleet([['octo-org', 'web'], ['octo-org', 'api'], ['bob', 'site']]), appOptions());
    const results = await creds.run('setup');
    expect(results.map((r) => r.status)).toEqual(['succeeded', 'failed', 'failed']);
    // api: found through web's installation (cached per owner) or refused by GitHub's own lookup.
    expect(results[1]?.error?.code).toMatch(/^GITHUB_APP_(REPOSITORY_NOT_SELECTED|NOT_INSTALLED)$/);
    expect(results[1]?.error?.message).toContain('octo-org/api');
    expect(results[2]?.error).toMatchObject({ code: 'GITHUB_APP_NOT_INSTALLED', message: expect.stringContaining(`GitHub App ${app.appId} is not installed on bob`) });
    expect(results[2]?.error?.hint).toMatch(/install the app on bob/);
  });

  it('says GitHub refused the app\'s JWT when the app id is wrong', async () => {
    const other = w.github.addApp();
    const { creds } = await w.creds(fleet([['octo-org', 'api']]), {
      github: { app: { appId: other.appId, privateKey: app.privateKeyPem }, baseUrl: w.github.url, timeScale: 0.001 },
    });
    const [result] = await creds.run('setup');
    expect(result?.error?.code).toBe('GITHUB_APP_AUTH_FAILED');
    expect(JSON.stringify(result)).not.toContain(keyLine());
  });
});

describe('where the app comes from', () => {
  const saved = { ...process.env };
  afterEach(() => {
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
  });

  it('reads CREDS_GITHUB_APP_* before GH_TOKEN, and the config\'s githubApp with its key file', async () => {
    const keyFile = join(w.dir, 'app.pem');
    writeFileSync(keyFile, app.privateKeyPem, { mode: 0o600 });
    const env = { GH_TOKEN: 'ghp_ignored', CREDS_GITHUB_APP_ID: String(app.appId), CREDS_GITHUB_APP_PRIVATE_KEY_FILE: keyFile, CREDS_GITHUB_APP_INSTALLATION_ID: String(orgInstallation) };
    const fromEnv = await resolveGitHubApp(undefined, undefined, env);
    expect(fromEnv).toMatchObject({ appId: String(app.appId), installationId: orgInstallation });
    expect(String(fromEnv?.privateKey)).not.toContain(keyLine());
    const fromConfig = await resolveGitHubApp(undefined, { appId: app.appId, privateKeyFile: keyFile }, {});
    expect(fromConfig?.appId).toBe(app.appId);
    expect(await resolveGitHubApp(undefined, undefined, { GH_TOKEN: 'x' })).toBeUndefined();
    const missing = await resolveGitHubApp(undefined, undefined, { CREDS_GITHUB_APP_ID: '1' }).catch((e: Error & { code?: string }) => e);
    expect(missing).toMatchObject({ code: 'GITHUB_APP_KEY_MISSING' });
    const noFile = await resolveGitHubApp(undefined, { appId: 1, privateKeyFile: join(w.dir, 'nope.pem') }, {}).catch((e: Error) => e);
    expect((noFile as Error).message).toContain('nope.pem');

    // The config file names the app; the key stays in its file. Env for the rest of this process.
    process.env['CREDS_GITHUB_APP_PRIVATE_KEY_FILE'] = keyFile;
    delete process.env['GH_TOKEN'];
    delete process.env['GITHUB_TOKEN'];
    const raw = { ...fleet([['octo-org', 'api']]), githubApp: { appId: app.appId, privateKeyFile: 'app.pem' } };
    const { creds, config } = await w.creds(raw, { github: { baseUrl: w.github.url, timeScale: 0.001 } });
    expect(config.githubApp?.privateKeyFile).toBe(keyFile);
    expect((await creds.run('setup'))[0]?.status).toBe('succeeded');
  });

  it('refuses a key inline in the config (only a file path is allowed)', async () => {
    await expect(w.creds({ ...fleet([['octo-org', 'api']]), githubApp: { appId: app.appId, privateKey: 'x' } })).rejects.toThrow(/githubApp\.privateKey: is not a known field/);
  });
});

describe('the private key never leaks', () => {
  it('is absent from the state folder, the journal, the logs, doctor and status after a setup and a rotation', async () => {
    // What the CLI shows comes from the events; the engine's log holds its warnings.
    const logs: string[] = [];
    const logger = createLogger({ level: 'trace', destination: { write: (s: string) => logs.push(s) } });
    const onEvent = (e: unknown) => logs.push(JSON.stringify(e));
    const { creds } = await w.creds(fleet([['octo-org', 'api'], ['alice', 'blog']]), { ...appOptions(), logger, onEvent });
    expect((await creds.run('setup')).every((r) => r.status === 'succeeded')).toBe(true);
    expect((await creds.run('rotate', { drainTimeout: '0' })).every((r) => r.status === 'succeeded')).toBe(true);
    const doctor = await creds.doctor();
    const status = await creds.status();
    expect(doctor.find((c) => c.name === 'GitHub App (octo-org-api)')).toMatchObject({ ok: true, detail: expect.stringContaining(`GitHub App ${app.appId}, installation ${orgInstallation} (octo-org)`) });
    expect(status.map((s) => s.githubAuth)).toEqual([`GitHub App ${app.appId}, installation ${orgInstallation} (octo-org)`, `GitHub App ${app.appId}, installation ${userInstallation} (alice)`]);

    const files: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        if (statSync(path).isDirectory()) walk(path);
        else files.push(path);
      }
    };
    walk(join(w.dir, '.creds'));
    expect(files.some((f) => /journal/.test(f))).toBe(true);
    expect(logs.length).toBeGreaterThan(0);
    const line = keyLine();
    const tokens = w.github.installationTokens(orgInstallation).map((t) => t.token);
    for (const text of [...files.map((f) => readFileSync(f, 'utf8')), logs.join(''), JSON.stringify(doctor), JSON.stringify(status)]) {
      expect(text).not.toContain(line);
      expect(text).not.toContain('PRIVATE KEY');
      for (const token of tokens) expect(text).not.toContain(token);
    }
  }, 60_000);
});
