import { inspect } from 'node:util';
import { Secret, withRetry } from '@creds/core';
import type { GitHubSandbox } from '@creds/sandbox';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGitHubClient, type GitHubEnv, githubPreflightStep, secretStep } from '../src/index.js';
import { client, context, rejection, repo, sandboxRepo, startSandbox, TIME_SCALE, TOKEN } from './helpers.js';

let gh: GitHubSandbox;
beforeEach(async () => {
  gh = await startSandbox();
});
afterEach(() => gh.close());

const preflight = githubPreflightStep({ repos: [{ owner: 'octo', repo: 'app' }] });
const noSecret = (error: unknown) => {
  const text = `${String(error)}\n${inspect(error, { depth: 8 })}\n${JSON.stringify(error)}`;
  expect(text).not.toContain(TOKEN);
  expect(text).not.toContain('ghp_NoRepoScope');
  expect(text).not.toContain('does-not-exist-token');
};

describe('errors say what to do and are not retried (401 / 403 / 404)', () => {
  it('401: an unknown token', async () => {
    const { ctx } = context({ github: createGitHubClient({ token: 'ghp_does-not-exist-token', baseUrl: gh.url, timeScale: TIME_SCALE }) });
    const error = await rejection(preflight.apply(ctx));
    expect(error.code).toBe('GITHUB_UNAUTHORIZED');
    expect(error.message).toMatch(/refused the token \(401/);
    expect(error.hint).toMatch(/GH_TOKEN|gh auth login/);
    // The repository and its secrets are read at once: both answered 401, neither tried again.
    expect(gh.counts().total).toBe(2);
    noSecret(error);
  });

  it('403: a classic token without the repo scope names the permission and how to grant it', async () => {
    const { ctx } = context({ github: createGitHubClient({ token: 'ghp_NoRepoScope000000000000000000000000', baseUrl: gh.url, timeScale: TIME_SCALE }) });
    const error = await rejection(preflight.apply(ctx));
    expect(error.code).toBe('GITHUB_FORBIDDEN');
    expect(error.message).toMatch(/may not list the secrets of octo\/app \(GitHub wants permission secrets=read or scope repo\)/);
    expect(error.hint).toMatch(/"repo" scope.*"Secrets: Read and write"/);
    expect(gh.requests.map((r) => r.status).sort()).toEqual([200, 403]);
    noSecret(error);
  });

  it('403: a fine-grained read-only token fails the write with secrets=write', async () => {
    const github = createGitHubClient({ token: 'github_pat_ReadOnlySecrets0000000000000', baseUrl: gh.url, timeScale: TIME_SCALE });
    const { ctx } = context({ github });
    const error = await rejection(secretStep({ scope: repo, name: 'X', value: () => new Secret('v') }).apply(ctx));
    expect(error.code).toBe('GITHUB_FORBIDDEN');
    expect(error.acceptedPermissions).toBe('secrets=write');
    expect(gh.requests.filter((r) => r.method === 'PUT')).toHaveLength(1);
  });

  it('403 on an org names admin:org', async () => {
    const github = createGitHubClient({ token: 'ghp_NoRepoScope000000000000000000000000', baseUrl: gh.url, timeScale: TIME_SCALE });
    const error = await rejection(github.getPublicKey({ kind: 'org', org: 'octo' }));
    expect(error.hint).toMatch(/admin:org/);
  });

  it('404: an unknown repository', async () => {
    const { ctx } = context({ github: client(gh) });
    const error = await rejection(githubPreflightStep({ repos: [{ owner: 'octo', repo: 'nope' }] }).apply(ctx));
    expect(error.code).toBe('GITHUB_NOT_FOUND');
    expect(error.message).toMatch(/read repository octo\/nope/);
    expect(error.hint).toMatch(/exists and is spelled right/);
    // Its secrets were listed beside it (404 too); the repository's answer names the problem.
    expect(gh.counts().total).toBe(2);
  });
});

describe('one retry layer', () => {
  it('the client makes one attempt and hands a 5xx back as a retryable GITHUB_UNAVAILABLE', async () => {
    gh.setErrorRate(1);
    const error = await rejection(client(gh).getRepo('octo', 'app'));
    expect(error.code).toBe('GITHUB_UNAVAILABLE');
    expect((error as { retryable?: boolean }).retryable).toBe(true);
    expect(gh.counts().total).toBe(1);
  });

  it("the runner's retry (withRetry) tries a step again after 5xx answers and it succeeds", async () => {
    gh.failNext({ count: 2, status: 502 });
    const { ctx } = context({ github: client(gh) });
    const waits: number[] = [];
    const step = secretStep({ scope: repo, name: 'AFTER_5XX', value: () => new Secret('v') });
    await withRetry(() => step.apply(ctx), { minTimeoutMs: 1, maxTimeoutMs: 5, onRetry: (r) => waits.push(r.delayMs) });
    expect(gh.secretValue(sandboxRepo, 'AFTER_5XX')).toBe('v');
    expect(gh.counts().byStatus[502]).toBe(2);
    expect(waits).toHaveLength(2);
  });

  it('waits out the secondary rate limit (time-scaled) and reports the wait as progress', async () => {
    gh.triggerSecondaryRateLimit({ retryAfterSeconds: 42 });
    const { ctx, progress } = context({ github: client(gh) });
    const started = Date.now();
    await secretStep({ scope: repo, name: 'THROTTLED', value: () => new Secret('v') }).apply(ctx);
    expect(Date.now() - started).toBeGreaterThanOrEqual(42 * 1000 * TIME_SCALE - 5);
    expect(progress).toContain("waiting 42 s for GitHub's secondary rate limit");
    expect(gh.requests.filter((r) => r.method === 'PUT').map((r) => r.status)).toEqual([403, 201]);
  });

  it('reports waits to the client listener when no step listens', async () => {
    gh.triggerSecondaryRateLimit({ retryAfterSeconds: 5 });
    const waits: number[] = [];
    const github = client(gh, { onRateLimitWait: (w) => waits.push(w.retryAfterSeconds) });
    await github.deleteSecret(repo, 'NOTHING');
    expect(waits).toEqual([5]);
  });

  it('does not wait for an exhausted primary limit beyond the bound: a clear GITHUB_RATE_LIMITED', async () => {
    gh.exhaustPrimaryRateLimit(TOKEN, 3600);
    const github = client(gh, { maxRateLimitWaitSeconds: 60 });
    const error = await rejection(github.getRepo('octo', 'app'));
    expect(error.code).toBe('GITHUB_RATE_LIMITED');
    expect((error as { retryable?: boolean }).retryable).toBe(false);
    expect(error.hint).toMatch(/hourly request limit is spent until/);
    expect(gh.counts().total).toBe(1);
  });

  it('waits for a primary limit that resets soon', async () => {
    gh.exhaustPrimaryRateLimit(TOKEN, 300);
    const { ctx, progress } = context({ github: client(gh) } satisfies GitHubEnv);
    await preflight.apply(ctx);
    expect(progress.some((p) => /waiting \d+ s for GitHub's rate limit/.test(p))).toBe(true);
  });
});
