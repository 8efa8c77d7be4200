import {
  AttachRolePolicyCommand,
  CreateOpenIDConnectProviderCommand,
  CreateRoleCommand,
  DeleteRoleCommand,
  DetachRolePolicyCommand,
  IAMClient,
  UpdateAssumeRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { Octokit } from '@octokit/rest';
import { describe, expect, it } from 'vitest';
import { POLICY, TOKEN, useWorld } from './harness.js';

// The keyless route seen by status and doctor, and removed by teardown: against the sandbox, with
// changes made behind creds' back through the real AWS and GitHub clients.

const w = useWorld();

const repo = { owner: 'octo-org', repo: 'demo' };
const ISSUER = 'https://token.actions.githubusercontent.com';
const PROVIDER = 'arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com';
const ROLE_ARN = 'arn:aws:iam::123456789012:role/gh-demo-oidc';
const READ_ONLY = 'arn:aws:iam::aws:policy/ReadOnlyAccess';

/** A config that only uses the keyless route: an oidc section and no iam.userName. */
const keyless = (oidc: Record<string, unknown> = {}) => ({
  region: 'eu-west-1',
  iam: { tags: { team: 'platform' }, policy: POLICY, managedPolicyArns: [READ_ONLY] },
  github: repo,
  oidc: { roleName: 'gh-demo-oidc', subjects: ['ref:refs/heads/main', 'environment:prod'], ...oidc },
});

const admin = () => new IAMClient({ region: 'us-east-1', endpoint: w.iam.url, credentials: w.iam.admin, maxAttempts: 1 });
const octokit = () => new Octokit({ auth: TOKEN, baseUrl: w.github.url });

/** A trust policy for GitHub's provider admitting `sub`. */
const trust = (sub: string) =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Federated: PROVIDER },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: { StringEquals: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com', 'token.actions.githubusercontent.com:sub': sub } },
      },
    ],
  });

async function oidcRun(config: unknown) {
  const { creds } = await w.creds(config);
  const [result] = await creds.run('oidc');
  expect(result?.error).toBeUndefined();
  expect(result?.status).toBe('succeeded');
  return creds;
}

describe('creds status: the keyless route', () => {
  it('shows provider, role, subjects, policies and the role ARN variable, in sync after run oidc', async () => {
    const creds = await oidcRun(keyless());
    w.iam.calls.reset();
    const [status] = await creds.status();
    expect(status?.drift).toEqual([]);
    expect(status?.inSync).toBe(true);
    // A keyless-only target has no key route to show.
    expect(status?.user).toBeUndefined();
    expect(status?.store).toBeUndefined();
    expect(status?.keys).toEqual([]);
    expect(status?.oidc).toEqual({
      setUp: true,
      provider: { host: 'token.actions.githubusercontent.com', arn: PROVIDER, exists: true, createdByCreds: true },
      role: { name: 'gh-demo-oidc', arn: ROLE_ARN, exists: true, owned: true, tagDrift: [] },
      subjects: {
        wanted: ['repo:octo-org/demo:environment:prod', 'repo:octo-org/demo:ref:refs/heads/main'],
        trusted: ['repo:octo-org/demo:environment:prod', 'repo:octo-org/demo:ref:refs/heads/main'],
        drifted: false,
      },
      inlinePolicy: { name: 'iam-role-gh-demo-oidc-inline-policy', state: 'in-sync' },
      managedPolicies: [{ arn: READ_ONLY, attached: true }],
      roleArn: { name: 'AWS_ROLE_ARN', kind: 'variable', scope: 'repo:octo-org/demo', exists: true, value: ROLE_ARN, drifted: false },
    });
    // status only reads.
    expect(w.iam.calls.writes).toBe(0);

    const checks = await creds.doctor();
    expect(checks.find((c) => c.name === 'keyless route (demo)')).toMatchObject({ ok: true, detail: expect.stringMatching(/IAM role gh-demo-oidc trusts .*AWS_ROLE_ARN holds its ARN/) });
  });

  it('flags the role ARN variable changed behind creds\' back', async () => {
    const creds = await oidcRun(keyless());
    await octokit().rest.actions.updateRepoVariable({ ...repo, name: 'AWS_ROLE_ARN', value: 'arn:aws:iam::123456789012:role/someone-else' });
    const [status] = await creds.status();
    expect(status?.inSync).toBe(false);
    expect(status?.oidc?.roleArn).toMatchObject({ exists: true, value: 'arn:aws:iam::123456789012:role/someone-else', drifted: true });
    expect(status?.drift).toEqual([expect.stringMatching(/^variable AWS_ROLE_ARN in octo-org\/demo: changed outside creds/)]);
    const doctor = (await creds.doctor()).find((c) => c.name === 'keyless route (demo)');
    expect(doctor).toMatchObject({ ok: false, detail: expect.stringMatching(/AWS_ROLE_ARN/), hint: expect.stringMatching(/creds run oidc/) });

    // Setting it again clears the drift.
    await creds.run('oidc');
    expect((await creds.status())[0]?.inSync).toBe(true);
  });

  it('flags a trust policy whose subjects were changed behind creds\' back, and a variable deleted', async () => {
    const creds = await oidcRun(keyless());
    await admin().send(new UpdateAssumeRolePolicyCommand({ RoleName: 'gh-demo-oidc', PolicyDocument: trust('repo:octo-org/demo:ref:refs/heads/dev') }));
    await octokit().rest.actions.deleteRepoVariable({ ...repo, name: 'AWS_ROLE_ARN' });
    const [status] = await creds.status();
    expect(status?.inSync).toBe(false);
    expect(status?.oidc?.subjects).toEqual({
      wanted: ['repo:octo-org/demo:environment:prod', 'repo:octo-org/demo:ref:refs/heads/main'],
      trusted: ['repo:octo-org/demo:ref:refs/heads/dev'],
      drifted: true,
    });
    expect(status?.oidc?.roleArn).toMatchObject({ exists: false, drifted: false });
    expect(status?.drift).toEqual([
      expect.stringMatching(/^IAM role gh-demo-oidc trusts repo:octo-org\/demo:ref:refs\/heads\/dev; the config wants repo:octo-org\/demo:environment:prod, repo:octo-org\/demo:ref:refs\/heads\/main/),
      expect.stringMatching(/^variable AWS_ROLE_ARN in octo-org\/demo: would create/),
    ]);
  });

  it('a target with both routes shows both; a detached role policy is drift', async () => {
    const config = { ...keyless(), iam: { ...keyless().iam, userName: 'gh-demo' } };
    const { creds } = await w.creds(config);
    expect((await creds.run('setup'))[0]?.status).toBe('succeeded');
    expect((await creds.run('oidc'))[0]?.status).toBe('succeeded');
    expect((await creds.status())[0]).toMatchObject({ inSync: true, user: { name: 'gh-demo', exists: true }, oidc: { role: { exists: true } } });
    await admin().send(new DetachRolePolicyCommand({ RoleName: 'gh-demo-oidc', PolicyArn: READ_ONLY }));
    const [status] = await creds.status();
    expect(status?.oidc?.managedPolicies).toEqual([{ arn: READ_ONLY, attached: false }]);
    expect(status?.drift).toEqual([`attachment of ${READ_ONLY} to role gh-demo-oidc: would create`]);
  });

  it('before the first run nothing is drift; once set up, a role deleted behind creds\' back is', async () => {
    const config = { ...keyless(), iam: {} };
    const { creds } = await w.creds(config);
    const [before] = await creds.status();
    expect(before).toMatchObject({ inSync: true, drift: [], oidc: { setUp: false, role: { exists: false } } });
    expect((await creds.doctor()).find((c) => c.name === 'keyless route (demo)')).toMatchObject({ ok: true, detail: expect.stringMatching(/not set up yet/) });
    expect((await creds.run('oidc'))[0]?.status).toBe('succeeded');
    await admin().send(new DeleteRoleCommand({ RoleName: 'gh-demo-oidc' }));
    const [after] = await creds.status();
    expect(after?.oidc).toMatchObject({ setUp: true, role: { exists: false } });
    expect(after?.drift).toEqual([expect.stringMatching(/^IAM role gh-demo-oidc: trusts repo:octo-org\/demo:ref:refs\/heads\/main/)]);
  });
});

describe('creds run teardown: the keyless route', () => {
  it('removes the role with its policies, the role ARN variable and the provider creds made', async () => {
    const creds = await oidcRun(keyless());
    const plan = (await creds.plan('teardown'))[0];
    expect(plan?.changes.map((c) => `${c.action} ${c.resource}`)).toEqual([
      'delete variable AWS_ROLE_ARN in octo-org/demo',
      'delete IAM role gh-demo-oidc',
      'delete OIDC provider token.actions.githubusercontent.com',
    ]);
    w.iam.calls.reset();
    const [down] = await creds.run('teardown');
    expect(down?.error).toBeUndefined();
    expect(down?.status).toBe('succeeded');
    expect(w.iam.calls.byAction('writes')).toEqual({ DeleteRolePolicy: 1, DetachRolePolicy: 1, DeleteRole: 1, DeleteOpenIDConnectProvider: 1 });
    const state = w.iam.state();
    expect(state.roles).toEqual([]);
    expect(state.oidcProviders).toEqual([]);
    expect(w.github.variable(repo, 'AWS_ROLE_ARN')).toBeUndefined();
    // A second teardown finds nothing to do.
    w.iam.calls.reset();
    expect((await creds.run('teardown'))[0]?.status).toBe('succeeded');
    expect(w.iam.calls.writes).toBe(0);
    // Torn down, the route is not set up: nothing missing is drift.
    const [status] = await creds.status();
    expect(status?.oidc).toMatchObject({ setUp: false, provider: { exists: false }, role: { exists: false }, roleArn: { exists: false } });
    expect(status?.inSync).toBe(true);
  });

  it('keeps a provider that was there before creds', async () => {
    await admin().send(new CreateOpenIDConnectProviderCommand({ Url: ISSUER, ClientIDList: ['sts.amazonaws.com'] }));
    const creds = await oidcRun(keyless());
    expect((await creds.status())[0]?.oidc?.provider).toMatchObject({ exists: true, createdByCreds: false });
    const [down] = await creds.run('teardown');
    expect(down?.status).toBe('succeeded');
    expect(w.iam.state().roles).toEqual([]);
    expect(w.iam.state().oidcProviders?.map((p) => p.arn)).toEqual([PROVIDER]);
  });

  it('keeps a provider creds made while another role still trusts it, found on the second page of roles', async () => {
    const creds = await oidcRun(keyless());
    const iam = admin();
    const ec2 = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] });
    // The sandbox answers ListRoles 100 at a time, as IAM does: the trusting role is on page two.
    for (let i = 0; i < 100; i++) await iam.send(new CreateRoleCommand({ RoleName: `filler-${String(i).padStart(3, '0')}`, AssumeRolePolicyDocument: ec2 }));
    await iam.send(new CreateRoleCommand({ RoleName: 'zz-deploy', AssumeRolePolicyDocument: trust('repo:octo-org/other:ref:refs/heads/main') }));
    const later = await w.creds(keyless());
    expect((await later.creds.plan('teardown'))[0]?.notes.join('\n')).toMatch(/OIDC provider token\.actions\.githubusercontent\.com stays: roles zz-deploy still trust it/);
    const [down] = await creds.run('teardown');
    expect(down?.status).toBe('succeeded');
    expect(w.iam.state().roles?.some((r) => r.roleName === 'gh-demo-oidc')).toBe(false);
    expect(w.iam.state().oidcProviders?.map((p) => p.arn)).toEqual([PROVIDER]);
  });

  it('refuses a role creds did not make, and one holding a policy creds did not attach, before deleting anything', async () => {
    const iam = admin();
    await iam.send(new CreateOpenIDConnectProviderCommand({ Url: ISSUER, ClientIDList: ['sts.amazonaws.com'] }));
    await iam.send(new CreateRoleCommand({ RoleName: 'gh-demo-oidc', AssumeRolePolicyDocument: trust('repo:octo-org/demo:ref:refs/heads/main') }));
    await octokit().rest.actions.createRepoVariable({ ...repo, name: 'AWS_ROLE_ARN', value: ROLE_ARN });
    const { creds } = await w.creds(keyless());
    w.iam.calls.reset();
    const [refused] = await creds.run('teardown');
    expect(refused?.status).toBe('failed');
    expect(refused?.error).toMatchObject({ code: 'NOT_OWNED', stepId: 'oidc-teardown-check' });
    expect(refused?.error?.message).toMatch(/IAM role gh-demo-oidc was not created by creds/);
    expect(w.iam.calls.writes).toBe(0);
    expect(w.github.variable(repo, 'AWS_ROLE_ARN')?.value).toBe(ROLE_ARN);
  });

  it('refuses a role of its own that holds a managed policy creds did not attach', async () => {
    const creds = await oidcRun(keyless());
    await admin().send(new AttachRolePolicyCommand({ RoleName: 'gh-demo-oidc', PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' }));
    w.iam.calls.reset();
    w.github.resetLog();
    const [refused] = await creds.run('teardown');
    expect(refused?.error).toMatchObject({ code: 'TEARDOWN_BLOCKED' });
    expect(refused?.error?.message).toMatch(/managed policy arn:aws:iam::aws:policy\/AdministratorAccess \(not attached by creds\)/);
    expect(w.iam.calls.writes).toBe(0);
    expect(w.github.counts().writes).toBe(0);
  });
});

describe('a keyless-only config (oidc and no iam.userName)', () => {
  it('validates; the key route refuses it naming iam.userName before any write; oidc and teardown run', async () => {
    const { creds, config } = await w.creds(keyless());
    expect(config.targets[0]?.iam.userName).toBeUndefined();
    for (const workflow of ['setup', 'rotate', 'migrate-to-oidc'] as const) {
      const [refused] = await creds.run(workflow);
      expect(refused?.status, workflow).toBe('failed');
      expect(refused?.error?.code).toBe('INVALID_INPUT');
      expect(refused?.error?.message).toMatch(/^iam\.userName: is required for the access-key route.*only a target with an oidc section.*may leave it out/);
    }
    expect(w.iam.calls.writes).toBe(0);
    expect(w.github.counts().writes).toBe(0);

    expect((await creds.run('oidc'))[0]?.status).toBe('succeeded');
    expect(w.iam.state().users).toEqual([]);
    expect((await creds.run('teardown'))[0]?.status).toBe('succeeded');
    expect(w.iam.state()).toMatchObject({ users: [], roles: [], oidcProviders: [] });
  });
});
