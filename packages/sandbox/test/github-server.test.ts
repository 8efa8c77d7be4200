import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Octokit } from '@octokit/rest';
import sodium from 'libsodium-wrappers';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type GitHubSandbox, startGitHubServer } from '../src/github/index.js';

// The server is checked against GitHub's documented behaviour with a plain Octokit (no retry or
// throttling plugins) and libsodium used directly, so nothing of the product is involved.

const TOKEN = 'ghp_sandboxAllPowerful000000000000000000';
const repo = { owner: 'octo', repo: 'app' };

async function seal(value: string, key: string): Promise<string> {
  await sodium.ready;
  const v = sodium.base64_variants.ORIGINAL;
  return sodium.to_base64(sodium.crypto_box_seal(sodium.from_string(value), sodium.from_base64(key, v)), v);
}

async function statusOf(p: Promise<{ status: number }>): Promise<number> {
  try {
    return (await p).status;
  } catch (error) {
    return (error as { status: number }).status;
  }
}

interface HttpFailure {
  status: number;
  message: string;
  response: { headers: Record<string, string> };
}

async function failure(p: Promise<unknown>): Promise<HttpFailure> {
  try {
    await p;
  } catch (error) {
    return error as HttpFailure;
  }
  throw new Error('expected the request to fail');
}

let gh: GitHubSandbox;
let octokit: Octokit;

beforeEach(async () => {
  gh = await startGitHubServer({
    tokens: [
      { token: TOKEN, login: 'octocat' },
      { token: 'ghp_classicNoRepo', scopes: ['read:user'] },
      { token: 'github_pat_readOnly', permissions: { secrets: 'read' } },
      { token: 'github_pat_other', permissions: { secrets: 'write' }, repositories: ['octo/other'] },
      { token: 'ghp_writerNotAdmin', scopes: ['repo'], admin: false },
      { token: 'github_pat_secretsOnly', permissions: { secrets: 'write', environments: 'write' } },
    ],
    repos: [{ owner: 'octo', name: 'app', environments: ['prod/eu'] }, { owner: 'octo', name: 'other' }],
    orgs: ['octo-org'],
    timeScale: 0.01,
  });
  octokit = new Octokit({ auth: TOKEN, baseUrl: gh.url });
});
afterEach(async () => {
  await gh.close();
});

async function put(name: string, value: string, over: Record<string, unknown> = {}) {
  const { data: key } = await octokit.rest.actions.getRepoPublicKey(repo);
  return octokit.rest.actions.createOrUpdateRepoSecret({
    ...repo,
    secret_name: name,
    encrypted_value: await seal(value, key.key),
    key_id: key.key_id,
    ...over,
  });
}

describe('GitHub sandbox: secrets as documented', () => {
  it('creates with 201, updates with 204, and never returns the value', async () => {
    expect((await put('AWS_ACCESS_KEY_ID', 'AKIA1')).status).toBe(201);
    expect((await put('aws_access_key_id', 'AKIA2')).status).toBe(204);
    const { data } = await octokit.rest.actions.getRepoSecret({ ...repo, secret_name: 'AWS_ACCESS_KEY_ID' });
    expect(Object.keys(data).sort()).toEqual(['created_at', 'name', 'updated_at']);
    expect(data.name).toBe('AWS_ACCESS_KEY_ID');
    expect(data.updated_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(gh.secretValue({ owner: 'octo', repo: 'app' }, 'AWS_ACCESS_KEY_ID')).toBe('AKIA2');
    const list = await octokit.rest.actions.listRepoSecrets(repo);
    expect(list.data.total_count).toBe(1);
  });

  it('pages lists as GitHub does: per_page items, a Link header with next and last, then first and prev', async () => {
    for (const n of [1, 2, 3, 4, 5]) gh.setSecretValue({ owner: 'octo', repo: 'app' }, `S${n}`, 'v');
    const first = await octokit.rest.actions.listRepoSecrets({ ...repo, per_page: 2 });
    expect(first.data.total_count).toBe(5);
    expect(first.data.secrets.map((x) => x.name)).toEqual(['S1', 'S2']);
    expect(first.headers.link).toMatch(/<[^>]*[?&]page=2[^>]*>; rel="next", <[^>]*[?&]page=3[^>]*>; rel="last"/);
    const last = await octokit.rest.actions.listRepoSecrets({ ...repo, per_page: 2, page: 3 });
    expect(last.data.secrets.map((x) => x.name)).toEqual(['S5']);
    expect(last.headers.link).not.toMatch(/rel="next"/);
    expect(last.headers.link).toMatch(/rel="first".*rel="prev"/);
    const all = await octokit.paginate(octokit.rest.actions.listRepoSecrets, { ...repo, per_page: 2 });
    expect(all.map((x) => x.name)).toEqual(['S1', 'S2', 'S3', 'S4', 'S5']);
    expect((await octokit.rest.actions.listRepoSecrets({ ...repo, per_page: 10 })).headers.link).toBeUndefined();
  });

  it.each([
    ['1ST', 'leading digit'],
    ['GITHUB_TOKEN', 'GITHUB_ prefix'],
    ['github_thing', 'GITHUB_ prefix in lower case'],
    ['HAS-DASH', 'dash'],
    ['HAS%20SPACE', 'space'],
  ])('refuses the name %s (%s) with 422', async (name) => {
    expect(await statusOf(put(decodeURIComponent(name), 'v'))).toBe(422);
    expect(gh.secretNames({ owner: 'octo', repo: 'app' })).toEqual([]);
  });

  it('accepts _LEADING_UNDERSCORE and digits after the first character', async () => {
    expect((await put('_X1', 'v')).status).toBe(201);
  });

  it('answers 422 without key_id, with a stale key_id, and for a box that does not open', async () => {
    const { data: key } = await octokit.rest.actions.getRepoPublicKey(repo);
    const sealed = await seal('v', key.key);
    const send = (body: Record<string, unknown>) => statusOf(octokit.request('PUT /repos/{owner}/{repo}/actions/secrets/{secret_name}', { ...repo, secret_name: 'S', ...body } as never));
    expect(await send({ encrypted_value: sealed })).toBe(422);
    gh.rotatePublicKey({ owner: 'octo', repo: 'app' });
    expect(await send({ encrypted_value: sealed, key_id: key.key_id })).toBe(422);
    const { data: fresh } = await octokit.rest.actions.getRepoPublicKey(repo);
    expect(fresh.key_id).not.toBe(key.key_id);
    expect(await send({ encrypted_value: sealed, key_id: fresh.key_id })).toBe(422);
    expect(await send({ encrypted_value: Buffer.from('x'.repeat(80)).toString('base64'), key_id: fresh.key_id })).toBe(422);
    expect(await send({ encrypted_value: await seal('v', fresh.key), key_id: fresh.key_id })).toBe(201);
  });

  it('accepts 48 KB and refuses one byte more', async () => {
    expect((await put('BIG', 'x'.repeat(48 * 1024))).status).toBe(201);
    expect(await statusOf(put('BIGGER', 'x'.repeat(48 * 1024 + 1)))).toBe(422);
  });

  it('deletes with 204, then 404', async () => {
    await put('GONE', 'v');
    expect((await octokit.rest.actions.deleteRepoSecret({ ...repo, secret_name: 'gone' })).status).toBe(204);
    expect(await statusOf(octokit.rest.actions.deleteRepoSecret({ ...repo, secret_name: 'GONE' }))).toBe(404);
    expect(await statusOf(octokit.rest.actions.getRepoSecret({ ...repo, secret_name: 'GONE' }))).toBe(404);
  });

  it('serves environment secrets under a URL-encoded environment name', async () => {
    const scope = { ...repo, environment_name: 'prod/eu' };
    const { data: key } = await octokit.rest.actions.getEnvironmentPublicKey(scope);
    const put201 = await octokit.rest.actions.createOrUpdateEnvironmentSecret({ ...scope, secret_name: 'E', encrypted_value: await seal('é', key.key), key_id: key.key_id });
    expect(put201.status).toBe(201);
    expect(gh.secretValue({ owner: 'octo', repo: 'app', environment: 'prod/eu' }, 'E')).toBe('é');
    expect(await statusOf(octokit.rest.actions.getEnvironmentPublicKey({ ...repo, environment_name: 'nope' }))).toBe(404);
  });

  it('keeps org secret visibility and selection, changeable without the value', async () => {
    const appId = gh.repoId('octo', 'app')!;
    const otherId = gh.repoId('octo', 'other')!;
    const { data: key } = await octokit.rest.actions.getOrgPublicKey({ org: 'octo-org' });
    const encrypted = await seal('v', key.key);
    expect(await statusOf(octokit.rest.actions.createOrUpdateOrgSecret({ org: 'octo-org', secret_name: 'O', encrypted_value: encrypted, key_id: key.key_id } as never))).toBe(422);
    const res = await octokit.rest.actions.createOrUpdateOrgSecret({ org: 'octo-org', secret_name: 'O', encrypted_value: encrypted, key_id: key.key_id, visibility: 'selected', selected_repository_ids: [appId] });
    expect(res.status).toBe(201);
    await octokit.rest.actions.addSelectedRepoToOrgSecret({ org: 'octo-org', secret_name: 'O', repository_id: otherId });
    await octokit.rest.actions.removeSelectedRepoFromOrgSecret({ org: 'octo-org', secret_name: 'O', repository_id: appId });
    const { data } = await octokit.rest.actions.listSelectedReposForOrgSecret({ org: 'octo-org', secret_name: 'O' });
    expect(data.repositories.map((r) => r.full_name)).toEqual(['octo/other']);
    await octokit.rest.actions.setSelectedReposForOrgSecret({ org: 'octo-org', secret_name: 'O', selected_repository_ids: [appId, otherId] });
    expect(gh.secret({ org: 'octo-org' }, 'O')?.selectedRepositoryIds).toEqual([appId, otherId]);
    expect((await octokit.rest.actions.getOrgSecret({ org: 'octo-org', secret_name: 'O' })).data.visibility).toBe('selected');
  });
});

describe('GitHub sandbox: variables', () => {
  it('creates with 201, refuses a second create with 409, updates with 204, deletes with 204 then 404', async () => {
    expect((await octokit.rest.actions.createRepoVariable({ ...repo, name: 'AWS_REGION', value: 'eu-west-1' })).status).toBe(201);
    expect(await statusOf(octokit.rest.actions.createRepoVariable({ ...repo, name: 'aws_region', value: 'x' }))).toBe(409);
    expect((await octokit.rest.actions.updateRepoVariable({ ...repo, name: 'AWS_REGION', value: 'us-east-1' })).status).toBe(204);
    expect((await octokit.rest.actions.getRepoVariable({ ...repo, name: 'AWS_REGION' })).data.value).toBe('us-east-1');
    expect((await octokit.rest.actions.deleteRepoVariable({ ...repo, name: 'AWS_REGION' })).status).toBe(204);
    expect(await statusOf(octokit.rest.actions.deleteRepoVariable({ ...repo, name: 'AWS_REGION' }))).toBe(404);
    expect(await statusOf(octokit.rest.actions.createRepoVariable({ ...repo, name: 'GITHUB_X', value: 'x' }))).toBe(422);
  });

  it('serves environment and org variables', async () => {
    await octokit.rest.actions.createEnvironmentVariable({ ...repo, environment_name: 'prod/eu', name: 'R', value: 'a' });
    expect(gh.variable({ owner: 'octo', repo: 'app', environment: 'prod/eu' }, 'R')?.value).toBe('a');
    await octokit.rest.actions.createOrgVariable({ org: 'octo-org', name: 'R', value: 'b', visibility: 'all' });
    expect((await octokit.rest.actions.getOrgVariable({ org: 'octo-org', name: 'r' })).data.value).toBe('b');
  });
});

describe('GitHub sandbox: authentication and permissions', () => {
  it('answers 401 for an unknown token and for none', async () => {
    const stranger = new Octokit({ baseUrl: gh.url, auth: 'ghp_unknown' });
    expect(await statusOf(stranger.rest.users.getAuthenticated())).toBe(401);
    const anonymous = new Octokit({ baseUrl: gh.url });
    expect(await statusOf(anonymous.rest.repos.get(repo))).toBe(401);
  });

  it('accepts both "token X" and "Bearer X"', async () => {
    for (const scheme of ['token', 'Bearer']) {
      const res = await octokit.request('GET /user', { headers: { authorization: `${scheme} ${TOKEN}` } });
      expect(res.data.login).toBe('octocat');
    }
  });

  it('answers 403 naming what was needed when a scope or permission is missing', async () => {
    const classic = new Octokit({ baseUrl: gh.url, auth: 'ghp_classicNoRepo' });
    const err = await failure(classic.rest.actions.getRepoPublicKey(repo));
    expect(err.status).toBe(403);
    expect(err.response.headers['x-accepted-oauth-scopes']).toBe('repo');
    expect(err.response.headers['x-accepted-github-permissions']).toBe('secrets=read');

    const readOnly = new Octokit({ baseUrl: gh.url, auth: 'github_pat_readOnly' });
    expect((await readOnly.rest.actions.getRepoPublicKey(repo)).status).toBe(200);
    const denied = await failure(readOnly.rest.actions.deleteRepoSecret({ ...repo, secret_name: 'X' }));
    expect(denied.status).toBe(403);
    expect(denied.response.headers['x-accepted-github-permissions']).toBe('secrets=write');
  });

  it('answers 404 for unknown repositories and for repositories a token was not given', async () => {
    expect(await statusOf(octokit.rest.repos.get({ owner: 'octo', repo: 'missing' }))).toBe(404);
    const limited = new Octokit({ baseUrl: gh.url, auth: 'github_pat_other' });
    expect(await statusOf(limited.rest.repos.get(repo))).toBe(404);
    expect((await limited.rest.repos.get({ owner: 'octo', repo: 'other' })).status).toBe(200);
  });
});

describe('GitHub sandbox: limits, faults and the log', () => {
  it('sends x-ratelimit headers and refuses with 403 once the primary limit is spent', async () => {
    const res = await octokit.rest.users.getAuthenticated();
    expect(res.headers['x-ratelimit-limit']).toBe('5000');
    expect(res.headers['x-ratelimit-remaining']).toBe('4999');
    expect(res.headers['x-ratelimit-resource']).toBe('core');
    gh.exhaustPrimaryRateLimit(TOKEN);
    const err = await failure(octokit.rest.users.getAuthenticated());
    expect(err.status).toBe(403);
    expect(err.response.headers['x-ratelimit-remaining']).toBe('0');
  });

  it('applies a secondary limit to writes with retry-after, lifted after the (scaled) wait', async () => {
    gh.triggerSecondaryRateLimit({ retryAfterSeconds: 3 });
    const err = await failure(put('S', 'v'));
    expect(err.status).toBe(403);
    expect(err.message).toMatch(/secondary rate limit/);
    expect(err.response.headers['retry-after']).toBe('3');
    await new Promise((r) => setTimeout(r, 3 * 1000 * 0.01 + 20));
    expect((await put('S', 'v')).status).toBe(201);
  });

  it('refuses writes beyond writesPerMinute', async () => {
    const tight = await startGitHubServer({ tokens: [{ token: TOKEN }], repos: [{ owner: 'o', name: 'r' }], rateLimit: { writesPerMinute: 2, secondaryStatus: 429 } });
    const client = new Octokit({ auth: TOKEN, baseUrl: tight.url });
    const del = () => statusOf(client.rest.actions.deleteRepoVariable({ owner: 'o', repo: 'r', name: 'X' }));
    expect([await del(), await del(), await del()]).toEqual([404, 404, 429]);
    await tight.close();
  });

  it('fails the next requests on demand and logs reads and writes apart', async () => {
    gh.failNext({ count: 2, status: 502, path: /public-key$/ });
    expect(await statusOf(octokit.rest.actions.getRepoPublicKey(repo))).toBe(502);
    expect(await statusOf(octokit.rest.actions.getRepoPublicKey(repo))).toBe(502);
    expect(await statusOf(octokit.rest.actions.getRepoPublicKey(repo))).toBe(200);
    await put('S', 'v');
    expect(gh.counts()).toMatchObject({ total: 5, reads: 4, writes: 1, byStatus: { 502: 2, 200: 2, 201: 1 } });
    expect(JSON.stringify(gh.requests)).not.toContain(TOKEN);
  });

  it('injects errors at a rate with a given random source', async () => {
    gh.setErrorRate(1);
    expect(await statusOf(octokit.rest.users.getAuthenticated())).toBeGreaterThanOrEqual(500);
    gh.setErrorRate(0);
    expect(await statusOf(octokit.rest.users.getAuthenticated())).toBe(200);
  });
});

describe('GitHub sandbox: environments', () => {
  it('PUT creates an environment (200) and updates it keeping its id; GET one and the list; DELETE', async () => {
    expect(await statusOf(octokit.rest.repos.getEnvironment({ ...repo, environment_name: 'staging' }))).toBe(404);
    const created = await octokit.rest.repos.createOrUpdateEnvironment({ ...repo, environment_name: 'staging' });
    expect(created.status).toBe(200);
    expect(created.data.name).toBe('staging');
    const again = await octokit.rest.repos.createOrUpdateEnvironment({ ...repo, environment_name: 'staging' });
    expect(again.status).toBe(200);
    expect(again.data.id).toBe(created.data.id);
    const one = await octokit.rest.repos.getEnvironment({ ...repo, environment_name: 'staging' });
    expect(one.data.id).toBe(created.data.id);
    const list = await octokit.rest.repos.getAllEnvironments(repo);
    expect(list.data.total_count).toBe(2);
    expect(list.data.environments?.map((e) => e.name)).toEqual(['prod/eu', 'staging']);
    // A new environment has its own public key, and takes secrets at once.
    const key = await octokit.rest.actions.getEnvironmentPublicKey({ ...repo, environment_name: 'staging' });
    expect(key.data.key_id).not.toBe((await octokit.rest.actions.getRepoPublicKey(repo)).data.key_id);
    expect((await octokit.rest.repos.deleteAnEnvironment({ ...repo, environment_name: 'staging' })).status).toBe(204);
    expect(await statusOf(octokit.rest.repos.deleteAnEnvironment({ ...repo, environment_name: 'staging' }))).toBe(404);
    expect(await statusOf(octokit.rest.repos.getEnvironment({ ...repo, environment_name: 'staging' }))).toBe(404);
  });

  it('secrets, variables and the public key of an environment that does not exist answer 404', async () => {
    const scope = { ...repo, environment_name: 'missing' };
    expect(await statusOf(octokit.rest.actions.getEnvironmentPublicKey(scope))).toBe(404);
    expect(await statusOf(octokit.rest.actions.listEnvironmentSecrets(scope))).toBe(404);
    expect(await statusOf(octokit.rest.actions.getEnvironmentSecret({ ...scope, secret_name: 'A' }))).toBe(404);
    expect(await statusOf(octokit.rest.actions.listEnvironmentVariables(scope))).toBe(404);
    expect(await statusOf(octokit.rest.actions.createEnvironmentVariable({ ...scope, name: 'A', value: 'b' }))).toBe(404);
    expect(await statusOf(octokit.rest.repos.getEnvironment({ owner: 'octo', repo: 'nope', environment_name: 'missing' }))).toBe(404);
  });

  it('deleting an environment deletes its secrets and variables', async () => {
    await octokit.rest.repos.createOrUpdateEnvironment({ ...repo, environment_name: 'tmp' });
    await octokit.rest.actions.createEnvironmentVariable({ ...repo, environment_name: 'tmp', name: 'R', value: 'a' });
    await octokit.rest.repos.deleteAnEnvironment({ ...repo, environment_name: 'tmp' });
    await octokit.rest.repos.createOrUpdateEnvironment({ ...repo, environment_name: 'tmp' });
    expect((await octokit.rest.actions.listEnvironmentVariables({ ...repo, environment_name: 'tmp' })).data.total_count).toBe(0);
  });

  it('creating or deleting one needs repo or Administration: write, naming it in the 403', async () => {
    const readOnly = new Octokit({ auth: 'github_pat_readOnly', baseUrl: gh.url });
    const refused = await failure(readOnly.rest.repos.createOrUpdateEnvironment({ ...repo, environment_name: 'x' }));
    expect(refused.status).toBe(403);
    expect(refused.response.headers['x-accepted-github-permissions']).toBe('administration=write');
    const classic = new Octokit({ auth: 'ghp_classicNoRepo', baseUrl: gh.url });
    expect(await statusOf(classic.rest.repos.deleteAnEnvironment({ ...repo, environment_name: 'prod/eu' }))).toBe(403);
    expect((await octokit.rest.repos.getEnvironment({ ...repo, environment_name: 'prod/eu' })).status).toBe(200);
  });
});

describe('GitHub sandbox: who may administer a repository', () => {
  it('GET repository tells an authenticated token its permissions; admin only with admin rights and repo / Administration: write', async () => {
    const admin = async (token: string) => (await new Octokit({ auth: token, baseUrl: gh.url }).rest.repos.get(repo)).data.permissions?.admin;
    expect(await admin(TOKEN)).toBe(true);
    expect(await admin('ghp_writerNotAdmin')).toBe(false);
    expect(await admin('github_pat_secretsOnly')).toBe(false);
    expect(await admin('ghp_classicNoRepo')).toBe(false);
    const { data } = await octokit.rest.repos.get(repo);
    expect(data.permissions).toMatchObject({ admin: true, push: true, pull: true });
  });

  it('a user without admin rights may not create or delete an environment, whatever the token carries', async () => {
    const writer = new Octokit({ auth: 'ghp_writerNotAdmin', baseUrl: gh.url });
    const refused = await failure(writer.rest.repos.createOrUpdateEnvironment({ ...repo, environment_name: 'x' }));
    expect(refused.status).toBe(403);
    expect(refused.message).toContain('Must have admin rights to Repository.');
    expect(await statusOf(writer.rest.repos.deleteAnEnvironment({ ...repo, environment_name: 'prod/eu' }))).toBe(403);
    // It may still write the secrets of an environment that exists.
    expect(await statusOf(writer.rest.actions.getEnvironmentPublicKey({ ...repo, environment_name: 'prod/eu' }))).toBe(200);
    const fine = new Octokit({ auth: 'github_pat_secretsOnly', baseUrl: gh.url });
    const fineRefused = await failure(fine.rest.repos.createOrUpdateEnvironment({ ...repo, environment_name: 'x' }));
    expect(fineRefused.response.headers['x-accepted-github-permissions']).toBe('administration=write');
    expect(await statusOf(octokit.rest.repos.getEnvironment({ ...repo, environment_name: 'x' }))).toBe(404);
  });
});

describe('GitHub sandbox: fault injection from the environment', () => {
  it('reads CREDS_SANDBOX_LATENCY_MS and CREDS_SANDBOX_ERROR_RATE', async () => {
    process.env['CREDS_SANDBOX_LATENCY_MS'] = '60';
    process.env['CREDS_SANDBOX_ERROR_RATE'] = '1';
    try {
      const slow = await startGitHubServer({ tokens: [{ token: TOKEN }] });
      const client = new Octokit({ auth: TOKEN, baseUrl: slow.url });
      const started = Date.now();
      expect(await statusOf(client.rest.users.getAuthenticated())).toBeGreaterThanOrEqual(500);
      expect(Date.now() - started).toBeGreaterThanOrEqual(55);
      await slow.close();
    } finally {
      delete process.env['CREDS_SANDBOX_LATENCY_MS'];
      delete process.env['CREDS_SANDBOX_ERROR_RATE'];
    }
  });
});

describe('GitHub sandbox: a state file shared by processes', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'creds-gh-sandbox-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('lets a second server on the same file see what the first wrote', async () => {
    const stateFile = join(dir, 'github.json');
    const first = await startGitHubServer({ stateFile, tokens: [{ token: TOKEN }], repos: [{ owner: 'o', name: 'r' }] });
    const second = await startGitHubServer({ stateFile });
    const a = new Octokit({ auth: TOKEN, baseUrl: first.url });
    const b = new Octokit({ auth: TOKEN, baseUrl: second.url });
    const { data: key } = await b.rest.actions.getRepoPublicKey({ owner: 'o', repo: 'r' });
    await a.rest.actions.createOrUpdateRepoSecret({ owner: 'o', repo: 'r', secret_name: 'S', encrypted_value: await seal('shared', key.key), key_id: key.key_id });
    expect(second.secretValue({ owner: 'o', repo: 'r' }, 'S')).toBe('shared');
    expect((await b.rest.actions.getRepoSecret({ owner: 'o', repo: 'r', secret_name: 'S' })).status).toBe(200);
    await Promise.all([first.close(), second.close()]);
  });

  it('a state lock left by a killed process is taken over at once, not after 10 s', async () => {
    const stateFile = join(dir, 'killed.json');
    const server = await startGitHubServer({ stateFile, tokens: [{ token: TOKEN }], repos: [{ owner: 'o', name: 'r' }] });
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], { stdio: 'ignore' });
    await new Promise((resolve) => child.once('spawn', resolve));
    const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8');
    const startTime = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    writeFileSync(`${stateFile}.lock`, JSON.stringify({ pid: child.pid, host: hostname(), startTime }));
    const started = Date.now();
    const b = new Octokit({ auth: TOKEN, baseUrl: server.url });
    const { data: key } = await b.rest.actions.getRepoPublicKey({ owner: 'o', repo: 'r' });
    await b.rest.actions.createOrUpdateRepoSecret({ owner: 'o', repo: 'r', secret_name: 'S', encrypted_value: await seal('after-kill', key.key), key_id: key.key_id });
    expect(server.secretValue({ owner: 'o', repo: 'r' }, 'S')).toBe('after-kill');
    expect(Date.now() - started).toBeLessThan(5_000);
    await server.close();
  });
});
