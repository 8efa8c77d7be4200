import { CreateOpenIDConnectProviderCommand, CreateRoleCommand, GetRoleCommand } from '@aws-sdk/client-iam';
import { AssumeRoleWithWebIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRunner, createWorkflow } from '@creds/core';
import { evaluateTrustPolicy, unsignedWebIdentityToken } from '@creds/sandbox';
import { afterEach, describe, expect, it } from 'vitest';
import {
  awsPreflightStep,
  buildTrustPolicy,
  oidcProviderArn,
  oidcProviderStep,
  oidcRoleStep,
  rolePoliciesStep,
  type OidcProviderOutput,
  type OidcRoleOutput,
} from '../src/index.js';
import { apply, check, POLICY, undo, type World, world, writes } from './helpers.js';

const READ_ONLY = 'arn:aws:iam::aws:policy/ReadOnlyAccess';
const ISSUER = 'https://token.actions.githubusercontent.com';
const PROVIDER = oidcProviderArn('123456789012');
const repo = { owner: 'octo-org', repo: 'demo' };

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function oidcWorkflow(subjects: string[] = ['ref:refs/heads/main', 'environment:prod']) {
  return createWorkflow('oidc', [
    awsPreflightStep(),
    oidcProviderStep({ target: 'demo', dependsOn: ['aws-preflight'] }),
    oidcRoleStep({ roleName: 'gh-demo', target: 'demo', ...repo, subjects, dependsOn: ['oidc-provider'], managedPolicyArns: [READ_ONLY] }),
    rolePoliciesStep({ roleName: 'gh-demo', policy: POLICY, managedPolicyArns: [READ_ONLY], dependsOn: ['oidc-role'] }),
  ]);
}

function runnerFor() {
  const dir = mkdtempSync(join(tmpdir(), 'creds-oidc-'));
  dirs.push(dir);
  return createRunner<World['env']>({ journalPath: join(dir, 'journal.jsonl'), concurrency: 1 });
}

async function assume(w: World, sub: string, roleName = 'gh-demo') {
  const sts = new STSClient({ region: 'us-east-1', endpoint: w.sandbox.url, maxAttempts: 1 });
  try {
    const out = await sts.send(
      new AssumeRoleWithWebIdentityCommand({
        RoleArn: `arn:aws:iam::123456789012:role/${roleName}`,
        RoleSessionName: 'gha',
        WebIdentityToken: unsignedWebIdentityToken({ iss: ISSUER, aud: 'sts.amazonaws.com', sub }),
      }),
    );
    return out.AssumedRoleUser?.Arn;
  } catch (error) {
    return `${(error as Error).name}: ${(error as Error).message}`;
  }
}

describe('OIDC setup as a workflow', () => {
  it('creates provider, role and policies; a re-run writes nothing; rollback leaves nothing', async () => {
    const w = await world();
    const runner = runnerFor();
    const first = await runner.run(oidcWorkflow(), w.env);
    expect(writes(w)).toEqual({ CreateOpenIDConnectProvider: 1, CreateRole: 1, PutRolePolicy: 1, AttachRolePolicy: 1 });
    expect(first.outputs['oidc-provider']).toEqual({ arn: PROVIDER, created: true, adopted: false, audienceAdded: false });
    expect(first.outputs['oidc-role']).toMatchObject({
      arn: 'arn:aws:iam::123456789012:role/gh-demo',
      created: true,
      subjects: ['repo:octo-org/demo:ref:refs/heads/main', 'repo:octo-org/demo:environment:prod'],
    });
    const state = w.sandbox.state();
    expect(state.oidcProviders?.[0]).toMatchObject({ url: ISSUER, clientIds: ['sts.amazonaws.com'] });
    expect(state.roles?.[0]?.tags).toEqual([
      { Key: 'creds:managed-by', Value: 'creds' },
      { Key: 'creds:target', Value: 'demo' },
    ]);
    expect(state.roles?.[0]?.attachedPolicies).toEqual([READ_ONLY]);

    w.sandbox.calls.reset();
    const second = await runner.run(oidcWorkflow(), w.env);
    expect(w.sandbox.calls.writes).toBe(0);
    expect(second.outputs['oidc-provider']).toMatchObject({ created: false, adopted: false });
    expect((await runner.plan(oidcWorkflow(), w.env)).inSync).toBe(true);

    // The role really admits main and prod, and nothing else.
    expect(await assume(w, 'repo:octo-org/demo:ref:refs/heads/main')).toBe('arn:aws:sts::123456789012:assumed-role/gh-demo/gha');
    expect(await assume(w, 'repo:octo-org/demo:environment:prod')).toMatch(/assumed-role/);
    expect(await assume(w, 'repo:octo-org/demo:ref:refs/heads/dev')).toMatch(/AccessDenied.*Not authorized to perform sts:AssumeRoleWithWebIdentity/);
    expect(await assume(w, 'repo:Octo-Org/demo:ref:refs/heads/main')).toMatch(/AccessDenied/);

    // Rolling back the re-run already removes everything creds owns; the first rollback finds nothing left.
    await runner.rollback(() => oidcWorkflow(), w.env);
    expect(w.sandbox.state().roles).toEqual([]);
    expect(w.sandbox.state().oidcProviders).toEqual([]);
    await runner.rollback(() => oidcWorkflow(), w.env);
    expect(w.sandbox.state().roles).toEqual([]);
  });

  it('adopts a provider that was there (adding nothing) and leaves it on rollback', async () => {
    const w = await world();
    await w.env.aws.iam.send(new CreateOpenIDConnectProviderCommand({ Url: ISSUER, ClientIDList: ['sts.amazonaws.com'] }));
    w.sandbox.calls.reset();
    const runner = runnerFor();
    const run = await runner.run(oidcWorkflow(), w.env);
    expect(run.outputs['oidc-provider']).toEqual({ arn: PROVIDER, created: false, adopted: true, audienceAdded: false });
    expect(writes(w)).toEqual({ CreateRole: 1, PutRolePolicy: 1, AttachRolePolicy: 1 });
    await runner.rollback(() => oidcWorkflow(), w.env);
    const after = w.sandbox.state();
    expect(after.roles).toEqual([]);
    expect(after.oidcProviders?.map((p) => p.arn)).toEqual([PROVIDER]);
    expect(after.oidcProviders?.[0]?.clientIds).toEqual(['sts.amazonaws.com']);
  });

  it('adds a missing audience to an adopted provider, and undo removes only that', async () => {
    const w = await world();
    await w.env.aws.iam.send(new CreateOpenIDConnectProviderCommand({ Url: ISSUER, ClientIDList: ['something-else'] }));
    const step = oidcProviderStep({ target: 'demo' });
    expect(await check(w, step)).toMatchObject({ inSync: false, changes: [{ action: 'update', detail: 'add the audience sts.amazonaws.com' }] });
    const out = await apply(w, step);
    expect(out).toMatchObject({ created: false, adopted: true, audienceAdded: true });
    expect(w.sandbox.state().oidcProviders?.[0]?.clientIds).toEqual(['something-else', 'sts.amazonaws.com']);
    await undo(w, step, out);
    expect(w.sandbox.state().oidcProviders?.[0]?.clientIds).toEqual(['something-else']);
  });

  it('keeps a provider creds made while another role still trusts it', async () => {
    const w = await world();
    const step = oidcProviderStep({ target: 'demo' });
    const out = await apply(w, step);
    const other = JSON.stringify(buildTrustPolicy({ providerArn: PROVIDER, owner: 'octo-org', repo: 'other', subjects: ['pull_request'] }));
    await w.env.aws.iam.send(new CreateRoleCommand({ RoleName: 'someone-else', AssumeRolePolicyDocument: other }));
    await undo(w, step, out);
    expect(w.sandbox.state().oidcProviders).toHaveLength(1);
  });

  it('refuses a role creds does not own; adopt replaces its trust policy and undo restores it', async () => {
    const w = await world();
    const provider = (await apply(w, oidcProviderStep({ target: 'demo' }))) as OidcProviderOutput;
    const theirs = JSON.stringify(buildTrustPolicy({ providerArn: provider.arn, owner: 'octo-org', repo: 'demo', subjects: ['pull_request'] }));
    await w.env.aws.iam.send(new CreateRoleCommand({ RoleName: 'gh-demo', AssumeRolePolicyDocument: theirs }));
    w.sandbox.calls.reset();
    const plain = oidcRoleStep({ roleName: 'gh-demo', target: 'demo', ...repo, subjects: ['ref:refs/heads/main'], providerArn: provider.arn });
    await expect(apply(w, plain)).rejects.toMatchObject({ code: 'NOT_OWNED' });
    expect(w.sandbox.calls.writes).toBe(0);

    const adopting = oidcRoleStep({ roleName: 'gh-demo', target: 'demo', ...repo, subjects: ['ref:refs/heads/main'], providerArn: provider.arn, adopt: true });
    const out = (await apply(w, adopting)) as OidcRoleOutput;
    expect(out).toMatchObject({ created: false, adopted: true, trustPolicyUpdated: true, replacedTrustPolicy: theirs });
    await undo(w, adopting, out);
    const role = (await w.env.aws.iam.send(new GetRoleCommand({ RoleName: 'gh-demo' }))).Role!;
    expect(decodeURIComponent(role.AssumeRolePolicyDocument!)).toBe(theirs);
    expect(role.Tags ?? []).toEqual([]);
  });

  it('updates a trust policy that drifted, and reports it in check first', async () => {
    const w = await world();
    const runner = runnerFor();
    await runner.run(oidcWorkflow(['ref:refs/heads/main']), w.env);
    const wider = oidcWorkflow(['ref:refs/heads/main', 'pull_request']);
    const plan = await runner.plan(wider, w.env);
    expect(plan.steps.find((s) => s.id === 'oidc-role')?.result).toMatchObject({
      inSync: false,
      changes: [{ action: 'update', detail: 'trust policy: allow repo:octo-org/demo:ref:refs/heads/main, repo:octo-org/demo:pull_request' }],
    });
    w.sandbox.calls.reset();
    await runner.run(wider, w.env);
    expect(writes(w)).toEqual({ UpdateAssumeRolePolicy: 1 });
    expect(await assume(w, 'repo:octo-org/demo:pull_request')).toMatch(/assumed-role/);
  });

  it('rolePoliciesStep: a failing attachment leaves nothing behind', async () => {
    const w = await world();
    const runner = runnerFor();
    await runner.run(createWorkflow('oidc', [oidcProviderStep({ target: 'demo' }), oidcRoleStep({ roleName: 'gh-demo', target: 'demo', ...repo, subjects: ['pull_request'], dependsOn: ['oidc-provider'] })]), w.env);
    const step = rolePoliciesStep({ roleName: 'gh-demo', policy: POLICY, managedPolicyArns: [READ_ONLY, 'arn:aws:iam::123456789012:policy/missing'] });
    await expect(apply(w, step)).rejects.toMatchObject({ code: 'NO_SUCH_ENTITY' });
    const role = w.sandbox.state().roles?.[0];
    expect(role?.attachedPolicies).toEqual([]);
    expect(role?.inlinePolicies).toEqual({});
  });
});

describe('trust policy decisions (the policy creds builds, judged by the sandbox as STS would)', () => {
  const policy = buildTrustPolicy({ providerArn: PROVIDER, ...repo, subjects: ['ref:refs/heads/main', 'environment:prod', 'ref:refs/tags/v*'] });
  it.each([
    ['repo:octo-org/demo:ref:refs/heads/main', true],
    ['repo:octo-org/demo:environment:prod', true],
    ['repo:octo-org/demo:ref:refs/tags/v2.0.0', true],
    ['repo:octo-org/demo:ref:refs/heads/dev', false],
    ['repo:octo-org/other:ref:refs/heads/main', false],
    ['repo:Octo-Org/demo:ref:refs/heads/main', false],
    ['repo:octo-org/demo:pull_request', false],
    ['repo:octo-org/demo:environment:staging', false],
    ['repo:octo-org/demo:environment:prod-eu', false],
  ])('%s → %s', (sub, allowed) => {
    expect(evaluateTrustPolicy(policy, { providerArn: PROVIDER, claims: { iss: ISSUER, aud: 'sts.amazonaws.com', sub } }).allowed).toBe(allowed);
  });
});
