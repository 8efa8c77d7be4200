import { createStepContext } from '@creds/core';
import type { GitHubSandbox, SandboxTokenOptions } from '@creds/sandbox';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { environmentStep, type GitHubEnv, githubPreflightStep } from '../src/index.js';
import { client, context, rejection, startSandbox } from './helpers.js';

let gh: GitHubSandbox;
let env: GitHubEnv;
beforeEach(async () => {
  gh = await startSandbox();
  env = { github: client(gh) };
});
afterEach(() => gh.close());

const staging = { owner: 'octo', repo: 'app', environment: 'staging' };
const envWrites = () => gh.requests.filter((r) => r.write && /\/environments\/[^/]+$/.test(r.path));
const exists = async (name: string) => (await fetch(`${gh.url}/repos/octo/app/environments/${name}`, { headers: { authorization: 'token ghp_TestTokenDoNotPrint1234567890abcdef' } })).status === 200;

describe('environmentStep', () => {
  it('creates a missing environment (check says create first), and undo deletes it', async () => {
    const step = environmentStep(staging);
    expect(step.id).toBe('github-environment:octo/app:staging');
    expect(await step.check!(context(env).ctx)).toEqual({ inSync: false, changes: [{ action: 'create', resource: 'environment staging in octo/app' }] });
    const { ctx } = context(env);
    const out = await step.apply(ctx);
    expect(out).toEqual({ ...staging, created: true });
    expect(await exists('staging')).toBe(true);
    expect(envWrites().map((r) => r.method)).toEqual(['PUT']);
    // Secrets go in at once: its public key is read afresh (the 404 was not cached).
    expect((await env.github.getPublicKey({ kind: 'environment', ...staging })).keyId).toBe(gh.publicKeyId({ owner: 'octo', repo: 'app', environment: 'staging' }));
    await step.undo!(ctx, out);
    expect(await exists('staging')).toBe(false);
  });

  it('an environment that exists is not written (its protection rules stay) and undo leaves it', async () => {
    const step = environmentStep({ owner: 'octo', repo: 'app', environment: 'prod' });
    expect(await step.check!(context(env).ctx)).toEqual({ inSync: true });
    const { ctx } = context(env);
    gh.resetLog();
    const out = await step.apply(ctx);
    expect(out.created).toBe(false);
    const reasons: string[] = [];
    await step.undo!(createStepContext({ env, stepId: step.id, onUnchanged: (reason) => reasons.push(reason) }), out);
    expect(reasons).toEqual(['environment prod in octo/app was there before this run; creds leaves it']);
    expect(gh.counts().writes).toBe(0);
    expect(await exists('prod')).toBe(true);
  });

  it('a run killed after the PUT: the resumed apply finds it and still knows this run made it; undo from the note alone deletes it', async () => {
    const notes = new Map<string, unknown>();
    const store = { get: (id: string) => notes.get(id), record: (id: string, note: unknown) => void (notes.has(id) || notes.set(id, note)) };
    const step = environmentStep(staging);
    const attempt = () => createStepContext({ env, stepId: step.id, notes: store });
    await step.apply(attempt()); // its end never reached the journal
    gh.resetLog();
    expect(await step.apply(attempt())).toMatchObject({ created: true });
    expect(gh.counts().writes).toBe(0);
    await step.undo!(attempt(), undefined);
    expect(await exists('staging')).toBe(false);
  });

  it('a token GitHub refuses: GITHUB_FORBIDDEN naming Administration, nothing created', async () => {
    gh.addToken({ token: 'github_pat_NoAdministration00000000000', permissions: { secrets: 'write', environments: 'write' } });
    const limited = { github: client(gh, { token: 'github_pat_NoAdministration00000000000' }) };
    const error = await rejection(environmentStep(staging).apply(context(limited).ctx));
    expect(error.code).toBe('GITHUB_FORBIDDEN');
    expect(error.hint).toContain('Administration: Read and write');
    expect(await exists('staging')).toBe(false);
  });
});

describe('githubPreflightStep and a missing environment', () => {
  const repos = [{ owner: 'octo', repo: 'app', environments: ['staging'] }];

  it('refuses it by default (GITHUB_ENVIRONMENT_MISSING naming it), with the hint given', async () => {
    const step = githubPreflightStep({ repos, missingEnvironmentHint: 'make it' });
    const error = await rejection(step.apply(context(env).ctx));
    expect(error.code).toBe('GITHUB_ENVIRONMENT_MISSING');
    expect(error.message).toBe('environment staging in octo/app does not exist');
    expect(error.hint).toBe('make it');
  });

  it('with create: passes for a token that may administer the repository, and says which are missing', async () => {
    const out = await githubPreflightStep({ repos, missingEnvironments: 'create' }).apply(context(env).ctx);
    expect(out.missingEnvironments).toEqual(['octo/app:staging']);
    expect(out.scopes).toEqual(['octo/app']);
  });

  it.each([
    ['a classic token of a user without admin rights', { scopes: ['repo'], admin: false }],
    ['a fine-grained token without Administration: write', { permissions: { secrets: 'write', environments: 'write' } }],
  ] satisfies Array<[string, Omit<SandboxTokenOptions, 'token'>]>)('with create: refuses %s, naming the permission, with no write', async (_name, grant) => {
    gh.addToken({ token: 'ghp_Limited000000000000000000000000000000', ...grant });
    const limited = { github: client(gh, { token: 'ghp_Limited000000000000000000000000000000' }) };
    const error = await rejection(githubPreflightStep({ repos, missingEnvironments: 'create' }).apply(context(limited).ctx));
    expect(error.code).toBe('GITHUB_FORBIDDEN');
    expect(error.message).toContain('may not create environment staging in octo/app');
    expect(error.hint).toContain('"Administration: Read and write"');
    expect(gh.counts().writes).toBe(0);
  });

  it('with ignore: passes (nothing there to delete)', async () => {
    const out = await githubPreflightStep({ repos, missingEnvironments: 'ignore' }).apply(context(env).ctx);
    expect(out.missingEnvironments).toEqual(['octo/app:staging']);
  });
});
