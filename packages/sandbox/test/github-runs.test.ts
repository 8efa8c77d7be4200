import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Octokit } from '@octokit/rest';
import sodium from 'libsodium-wrappers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type GitHubSandbox, startGitHubServer } from '../src/github/index.js';

// Workflow runs as GitHub documents them (`GET /repos/{owner}/{repo}/actions/runs`), checked with a
// plain Octokit; runs are started and finished through the control API, as a runner would.

const TOKEN = 'ghp_sandboxAllPowerful000000000000000000';
const repo = { owner: 'octo', repo: 'app' };

let gh: GitHubSandbox;
let octokit: Octokit;

beforeEach(async () => {
  gh = await startGitHubServer({
    tokens: [
      { token: TOKEN, login: 'octocat' },
      { token: 'github_pat_secretsOnly', permissions: { secrets: 'write' } },
      { token: 'github_pat_actionsRead', permissions: { actions: 'read' } },
      { token: 'github_pat_otherRepo', permissions: { actions: 'read' }, repositories: ['octo/other'] },
      { token: 'ghp_classicNoRepo', scopes: ['read:user'] },
    ],
    repos: [{ owner: 'octo', name: 'app', environments: ['prod'] }, { owner: 'octo', name: 'other' }, { owner: 'octo', name: 'site', private: false }],
    orgs: ['octo'],
    timeScale: 0.01,
  });
  octokit = new Octokit({ auth: TOKEN, baseUrl: gh.url });
});
afterEach(async () => {
  await gh.close();
});

async function failure(p: Promise<unknown>): Promise<{ status: number; response: { headers: Record<string, string> } }> {
  try {
    await p;
  } catch (error) {
    return error as { status: number; response: { headers: Record<string, string> } };
  }
  throw new Error('expected the request to fail');
}

async function seal(value: string, key: string): Promise<string> {
  await sodium.ready;
  const v = sodium.base64_variants.ORIGINAL;
  return sodium.to_base64(sodium.crypto_box_seal(sodium.from_string(value), sodium.from_base64(key, v)), v);
}

async function putRepoSecret(name: string, value: string) {
  const { data: key } = await octokit.rest.actions.getRepoPublicKey(repo);
  await octokit.rest.actions.createOrUpdateRepoSecret({ ...repo, secret_name: name, encrypted_value: await seal(value, key.key), key_id: key.key_id });
}

const ids = (runs: Array<{ id: number }>) => runs.map((r) => r.id);

describe('GitHub sandbox: workflow runs as documented', () => {
  it('lists runs newest first with total_count, and filters by status and conclusion', async () => {
    const done = gh.startRun('octo', 'app', { name: 'Deploy' });
    gh.finishRun('octo', 'app', done.id, 'failure');
    const running = gh.startRun('octo', 'app', { name: 'Tests' });
    const queued = gh.startRun('octo', 'app', { status: 'queued' });
    const waiting = gh.startRun('octo', 'app', { status: 'waiting' });
    const { data, status } = await octokit.rest.actions.listWorkflowRunsForRepo(repo);
    expect(status).toBe(200);
    expect(data.total_count).toBe(4);
    expect(ids(data.workflow_runs)).toEqual([waiting.id, queued.id, running.id, done.id]);
    const [first] = data.workflow_runs;
    expect(first).toMatchObject({ status: 'waiting', conclusion: null, run_number: 4, event: 'push', head_branch: 'main' });
    expect(first!.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(first!.repository.full_name).toBe('octo/app');

    const by = async (s: string) => ids((await octokit.rest.actions.listWorkflowRunsForRepo({ ...repo, status: s as never })).data.workflow_runs);
    expect(await by('in_progress')).toEqual([running.id]);
    expect(await by('queued')).toEqual([queued.id]);
    expect(await by('waiting')).toEqual([waiting.id]);
    expect(await by('requested')).toEqual([]);
    expect(await by('pending')).toEqual([]);
    expect(await by('completed')).toEqual([done.id]);
    expect(await by('failure')).toEqual([done.id]);
    expect(await by('success')).toEqual([]);
    expect((await failure(octokit.rest.actions.listWorkflowRunsForRepo({ ...repo, status: 'running' as never }))).status).toBe(422);
    expect((await octokit.rest.actions.listWorkflowRunsForRepo({ owner: 'octo', repo: 'other' })).data).toEqual({ total_count: 0, workflow_runs: [] });
  });

  it('a run moves queued → in_progress → completed; GET one run by id; 404 for an unknown id', async () => {
    const run = gh.startRun('octo', 'app', { status: 'queued' });
    expect(run.runStartedAt).toBeUndefined();
    gh.setRunStatus('octo', 'app', run.id, 'in_progress');
    expect((await octokit.rest.actions.getWorkflowRun({ ...repo, run_id: run.id })).data).toMatchObject({ id: run.id, status: 'in_progress', conclusion: null });
    const finished = gh.finishRun('octo', 'app', run.id);
    expect(finished).toMatchObject({ status: 'completed', conclusion: 'success' });
    expect((await octokit.rest.actions.getWorkflowRun({ ...repo, run_id: run.id })).data).toMatchObject({ status: 'completed', conclusion: 'success' });
    expect(() => gh.finishRun('octo', 'app', run.id)).toThrow(/already completed/);
    expect((await failure(octokit.rest.actions.getWorkflowRun({ ...repo, run_id: 999_999 }))).status).toBe(404);
    expect(() => gh.startRun('octo', 'nope')).toThrow(/no such repository/);
  });

  it('filters by created with GitHub date syntax (>=, >, <=, <, a..b, *, a day)', async () => {
    const at = (iso: string) => gh.startRun('octo', 'app', { createdAt: Date.parse(iso) }).id;
    const a = at('2026-11-29T23:59:59Z');
    const b = at('2026-11-30T10:00:00Z');
    const c = at('2026-11-30T10:00:05Z');
    const d = at('2026-12-01T00:00:00Z');
    const created = async (q: string) =>
      ids((await octokit.rest.actions.listWorkflowRunsForRepo({ ...repo, created: q })).data.workflow_runs).sort((x, y) => x - y);
    expect(await created('<=2026-11-30T10:00:00Z')).toEqual([a, b]);
    expect(await created('<2026-11-30T10:00:00Z')).toEqual([a]);
    expect(await created('>=2026-11-30T10:00:05Z')).toEqual([c, d]);
    expect(await created('>2026-11-30T10:00:05Z')).toEqual([d]);
    expect(await created('2026-11-30')).toEqual([b, c]);
    expect(await created('2026-11-30T10:00:00Z..2026-11-30T10:00:05Z')).toEqual([b, c]);
    expect(await created('*..2026-11-30T10:00:00Z')).toEqual([a, b]);
    expect(await created('2026-11-30..*')).toEqual([b, c, d]);
    expect(await created('>2026-11-30')).toEqual([d]);
    expect(await created('<=2026-11-30T11:00:00+01:00')).toEqual([a, b]);
    expect((await failure(octokit.rest.actions.listWorkflowRunsForRepo({ ...repo, created: 'yesterday' }))).status).toBe(422);
    // Both filters at once: runs still going that were created before a moment.
    gh.finishRun('octo', 'app', a);
    const live = await octokit.rest.actions.listWorkflowRunsForRepo({ ...repo, status: 'in_progress', created: '<=2026-11-30T10:00:00Z' });
    expect(ids(live.data.workflow_runs)).toEqual([b]);
  });

  it('paginates as GitHub does: per_page, page and a Link header Octokit follows', async () => {
    const started = Array.from({ length: 5 }, () => gh.startRun('octo', 'app').id);
    const first = await octokit.rest.actions.listWorkflowRunsForRepo({ ...repo, per_page: 2 });
    expect(first.data.total_count).toBe(5);
    expect(first.data.workflow_runs).toHaveLength(2);
    expect(first.headers.link).toMatch(/[?&]page=2[^>]*>; rel="next"/);
    expect(first.headers.link).toMatch(/[?&]page=3[^>]*>; rel="last"/);
    const last = await octokit.rest.actions.listWorkflowRunsForRepo({ ...repo, per_page: 2, page: 3 });
    expect(last.data.workflow_runs).toHaveLength(1);
    expect(last.headers.link).toMatch(/rel="prev"/);
    expect(last.headers.link).not.toMatch(/rel="next"/);
    const all = await octokit.paginate(octokit.rest.actions.listWorkflowRunsForRepo, { ...repo, per_page: 2 });
    expect(ids(all).sort((x, y) => x - y)).toEqual(started);
  });

  it('needs fine-grained "Actions: read" (or classic repo) on a private repository; hides repositories out of reach', async () => {
    gh.startRun('octo', 'app');
    const as = (token: string) => new Octokit({ auth: token, baseUrl: gh.url });
    const denied = await failure(as('github_pat_secretsOnly').rest.actions.listWorkflowRunsForRepo(repo));
    expect(denied.status).toBe(403);
    expect(denied.response.headers['x-accepted-github-permissions']).toBe('actions=read');
    expect((await failure(as('ghp_classicNoRepo').rest.actions.listWorkflowRunsForRepo(repo))).status).toBe(403);
    expect((await as('github_pat_actionsRead').rest.actions.listWorkflowRunsForRepo(repo)).data.total_count).toBe(1);
    expect((await failure(as('github_pat_otherRepo').rest.actions.listWorkflowRunsForRepo(repo))).status).toBe(404);
    // A public repository's runs are readable by any token.
    expect((await as('ghp_classicNoRepo').rest.actions.listWorkflowRunsForRepo({ owner: 'octo', repo: 'site' })).status).toBe(200);
  });

  it('a run reads its secrets when it starts and keeps them to its end; a queued run reads them when it leaves the queue', async () => {
    await putRepoSecret('AWS_ACCESS_KEY_ID', 'AKIAOLD');
    const early = gh.startRun('octo', 'app');
    const queued = gh.startRun('octo', 'app', { status: 'queued' });
    expect(early.secrets).toEqual({ AWS_ACCESS_KEY_ID: 'AKIAOLD' });
    expect(queued.secrets).toBeUndefined();
    await putRepoSecret('AWS_ACCESS_KEY_ID', 'AKIANEW');
    expect(gh.run('octo', 'app', early.id)?.secrets).toEqual({ AWS_ACCESS_KEY_ID: 'AKIAOLD' });
    expect(gh.setRunStatus('octo', 'app', queued.id, 'in_progress').secrets).toEqual({ AWS_ACCESS_KEY_ID: 'AKIANEW' });
    expect(gh.startRun('octo', 'app').secrets).toEqual({ AWS_ACCESS_KEY_ID: 'AKIANEW' });
  });

  it('a run sees the org secrets its repository may see; repository and environment secrets win', async () => {
    gh.setSecretValue({ org: 'octo' }, 'SHARED', 'from-org');
    gh.setSecretValue({ org: 'octo' }, 'ORG_ONLY', 'org');
    await putRepoSecret('SHARED', 'from-repo');
    gh.setSecretValue({ owner: 'octo', repo: 'app', environment: 'prod' }, 'SHARED', 'from-env');
    // setSecretValue makes org secrets private: private repositories see them, public ones do not.
    expect(gh.startRun('octo', 'app').secrets).toEqual({ ORG_ONLY: 'org', SHARED: 'from-repo' });
    expect(gh.startRun('octo', 'app', { environment: 'prod' }).secrets).toEqual({ ORG_ONLY: 'org', SHARED: 'from-env' });
    expect(gh.startRun('octo', 'site').secrets).toEqual({});
  });

  it('lists an organization\'s repositories (GET /orgs/{org}/repos)', async () => {
    const { data } = await octokit.rest.repos.listForOrg({ org: 'octo' });
    expect(data.map((r) => r.full_name)).toEqual(['octo/app', 'octo/other', 'octo/site']);
    const priv = await octokit.rest.repos.listForOrg({ org: 'octo', type: 'private' });
    expect(priv.data.map((r) => r.name)).toEqual(['app', 'other']);
    expect((await failure(octokit.rest.repos.listForOrg({ org: 'nobody' }))).status).toBe(404);
  });

  it('keeps runs in the state file, so another server (another process) sees and finishes them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'creds-gh-runs-'));
    try {
      const stateFile = join(dir, 'github.json');
      const a = await startGitHubServer({ stateFile, tokens: [{ token: TOKEN }], repos: [{ owner: 'o', name: 'r' }] });
      const b = await startGitHubServer({ stateFile });
      const run = a.startRun('o', 'r');
      b.finishRun('o', 'r', run.id, 'cancelled');
      const { data } = await new Octokit({ auth: TOKEN, baseUrl: a.url }).rest.actions.getWorkflowRun({ owner: 'o', repo: 'r', run_id: run.id });
      expect(data).toMatchObject({ status: 'completed', conclusion: 'cancelled' });
      await Promise.all([a.close(), b.close()]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
