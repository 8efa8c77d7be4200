import { CreateOpenIDConnectProviderCommand, IAMClient } from '@aws-sdk/client-iam';
import { unsignedWebIdentityToken } from '@creds/sandbox';
import { ValidationErrors } from '@creds/core';
import { describe, expect, it } from 'vitest';
import { resolveConfig, workflowSnippet } from '../src/index.js';
import { baseConfig, useWorld } from './harness.js';

const w = useWorld();

const repo = { owner: 'octo-org', repo: 'demo' };
const ISSUER = 'https://token.actions.githubusercontent.com';
const PROVIDER = 'arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com';
const ROLE_ARN = 'arn:aws:iam::123456789012:role/gh-demo-oidc';
const oidcConfig = (oidc: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) =>
  baseConfig({ oidc: { roleName: 'gh-demo-oidc', subjects: ['ref:refs/heads/main', 'environment:prod'], ...oidc }, ...extra });

function iamWrites(): Record<string, number> {
  return w.iam.calls.byAction('writes');
}

/** STS AssumeRoleWithWebIdentity on the sandbox, spoken directly (the call is unsigned): the ARN, or `Code: message`. */
async function assume(sub: string): Promise<string> {
  const body = new URLSearchParams({
    Action: 'AssumeRoleWithWebIdentity',
    Version: '2011-06-15',
    RoleArn: ROLE_ARN,
    RoleSessionName: 'gha',
    WebIdentityToken: unsignedWebIdentityToken({ iss: ISSUER, aud: 'sts.amazonaws.com', sub }),
  });
  const res = await fetch(w.iam.url, { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  const xml = await res.text();
  const tag = (name: string) => new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];
  return res.ok ? (tag('Arn') ?? xml) : `${tag('Code')}: ${tag('Message')}`;
}

describe('creds run oidc', () => {
  it('sets up provider, role, policies and the role ARN variable; a re-run writes nothing; rollback removes it all', async () => {
    const { creds } = await w.creds(oidcConfig());
    expect((await creds.plan('oidc'))[0]?.changes.map((c) => `${c.action} ${c.resource}`)).toEqual([
      'create OIDC provider token.actions.githubusercontent.com',
      'create IAM role gh-demo-oidc',
      'create inline policy iam-role-gh-demo-oidc-inline-policy on role gh-demo-oidc',
      'create attachment of arn:aws:iam::aws:policy/ReadOnlyAccess to role gh-demo-oidc',
      'create variable AWS_ROLE_ARN in octo-org/demo',
    ]);

    const [first] = await creds.run('oidc');
    expect(first?.error).toBeUndefined();
    expect(first?.status).toBe('succeeded');
    const setupWrites = { iam: iamWrites(), github: w.github.counts().writes };
    console.log(`OIDC setup writes: ${JSON.stringify(setupWrites)}`);
    expect(setupWrites.iam).toEqual({ CreateOpenIDConnectProvider: 1, CreateRole: 1, PutRolePolicy: 1, AttachRolePolicy: 1 });
    expect(setupWrites.github).toBe(1);
    expect(w.github.variable(repo, 'AWS_ROLE_ARN')?.value).toBe(ROLE_ARN);
    const state = w.iam.state();
    expect(state.users).toEqual([]); // the keyless route makes no IAM user and no key
    expect(state.roles?.[0]).toMatchObject({ roleName: 'gh-demo-oidc', attachedPolicies: ['arn:aws:iam::aws:policy/ReadOnlyAccess'] });
    expect(state.oidcProviders?.map((p) => p.arn)).toEqual([PROVIDER]);

    w.iam.calls.reset();
    w.github.resetLog();
    const [again] = await creds.run('oidc');
    expect(again?.status).toBe('succeeded');
    console.log(`OIDC re-run writes: iam ${w.iam.calls.writes}, github ${w.github.counts().writes}`);
    expect(w.iam.calls.writes).toBe(0);
    expect(w.github.counts().writes).toBe(0);
    expect((await creds.plan('oidc'))[0]?.inSync).toBe(true);

    await creds.rollback();
    await creds.rollback();
    const after = w.iam.state();
    expect(after.roles).toEqual([]);
    expect(after.oidcProviders).toEqual([]);
    expect(w.github.variable(repo, 'AWS_ROLE_ARN')).toBeUndefined();
  });

  it('rollback leaves nothing but a provider that was there before', async () => {
    const admin = new IAMClient({ region: 'us-east-1', endpoint: w.iam.url, credentials: w.iam.admin, maxAttempts: 1 });
    await admin.send(new CreateOpenIDConnectProviderCommand({ Url: ISSUER, ClientIDList: ['sts.amazonaws.com'] }));
    w.iam.calls.reset();
    const { creds } = await w.creds(oidcConfig());
    const [run] = await creds.run('oidc');
    expect(run?.status).toBe('succeeded');
    expect(iamWrites()).not.toHaveProperty('CreateOpenIDConnectProvider');
    const [undone] = await creds.rollback();
    expect(undone?.status).toBe('succeeded');
    const after = w.iam.state();
    expect(after.roles).toEqual([]);
    expect(after.oidcProviders?.map((p) => p.arn)).toEqual([PROVIDER]);
    expect(w.github.variable(repo, 'AWS_ROLE_ARN')).toBeUndefined();
  });

  it('the role admits exactly the configured subjects (STS decisions for a table of sub claims)', async () => {
    const { creds } = await w.creds(oidcConfig({ subjects: ['ref:refs/heads/main', 'environment:prod', 'ref:refs/tags/v*'] }));
    expect((await creds.run('oidc'))[0]?.status).toBe('succeeded');
    const table: Array<[string, boolean]> = [
      ['repo:octo-org/demo:ref:refs/heads/main', true],
      ['repo:octo-org/demo:environment:prod', true],
      ['repo:octo-org/demo:ref:refs/tags/v1.0.0', true],
      ['repo:octo-org/demo:ref:refs/heads/dev', false], // another branch
      ['repo:octo-org/other:ref:refs/heads/main', false], // another repository
      ['repo:Octo-Org/demo:ref:refs/heads/main', false], // the owner in another case
      ['repo:octo-org/demo:pull_request', false], // a pull request, not the branch
      ['repo:octo-org/demo:environment:staging', false], // another environment
    ];
    for (const [sub, allowed] of table) {
      const answer = await assume(sub);
      if (allowed) expect(answer, sub).toBe('arn:aws:sts::123456789012:assumed-role/gh-demo-oidc/gha');
      else expect(answer, sub).toMatch(/^AccessDenied: Not authorized to perform sts:AssumeRoleWithWebIdentity/);
    }
  });

  it('stores the role ARN as a secret when asked', async () => {
    const { creds } = await w.creds(oidcConfig({ roleArnAs: 'secret', roleArnName: 'DEPLOY_ROLE' }));
    expect((await creds.run('oidc'))[0]?.status).toBe('succeeded');
    expect(w.github.secretValue(repo, 'DEPLOY_ROLE')).toBe(ROLE_ARN);
    w.iam.calls.reset();
    w.github.resetLog();
    await creds.run('oidc');
    expect(w.iam.calls.writes + w.github.counts().writes).toBe(0);
  });

  it('stops before any write when GitHub spells the repository differently', async () => {
    const { creds } = await w.creds(oidcConfig({}, { github: { owner: 'Octo-Org', repo: 'demo' } }));
    const [run] = await creds.run('oidc');
    expect(run?.status).toBe('failed');
    expect(run?.error?.code).toBe('REPO_NAME_CASE');
    expect(run?.error?.message).toContain('GitHub spells the repository octo-org/demo, the config says Octo-Org/demo');
    expect(w.iam.calls.writes).toBe(0);
    expect(w.github.counts().writes).toBe(0);
  });
});

describe('oidc config validation: nothing is called on bad input', () => {
  const cases: Array<[string, Record<string, unknown>, string, RegExp]> = [
    ['a bare *', oidcConfig({ subjects: ['*'] }), 'oidc.subjects[0]', /trusts every ref/],
    ['every ref', oidcConfig({ subjects: ['ref:*'] }), 'oidc.subjects[0]', /trusts every ref/],
    ['every repository of the owner', oidcConfig({ subjects: ['repo:octo-org/*'], allowAnyRef: true }), 'oidc.subjects[0]', /other repositories/],
    ['owner in another case', oidcConfig({ subjects: ['repo:Octo-Org/demo:ref:refs/heads/main'] }), 'oidc.subjects[0]', /spells the repository/],
    ['another repository', oidcConfig({ subjects: ['repo:octo-org/api:pull_request'] }), 'oidc.subjects[0]', /names octo-org\/api/],
    ['a branch without ref:', oidcConfig({ subjects: ['main'] }), 'oidc.subjects[0]', /not a subject GitHub sends/],
    ['no subjects', oidcConfig({ subjects: [] }), 'oidc.subjects', /at least one/],
    ['a bad role name', oidcConfig({ roleName: 'has space' }), 'oidc.roleName', /1-64 characters/],
    ['a short session', oidcConfig({ maxSessionDuration: 60 }), 'oidc.maxSessionDuration', /3600/],
    ['a bad variable name', oidcConfig({ roleArnName: 'GITHUB_ROLE' }), 'oidc.roleArnName', /GITHUB_/],
    ['the name of a key secret', oidcConfig({ roleArnName: 'AWS_ACCESS_KEY_ID' }), 'oidc.roleArnName', /key-route secret/],
    ['no role name', baseConfig({ oidc: { subjects: ['pull_request'] } }), 'oidc.roleName', /required/],
    ['an unknown field', oidcConfig({ subject: 'x' }), 'oidc.subject', /not a known field/],
    ['an organization target', oidcConfig({}, { github: { org: 'octo-org' } }), 'oidc', /github.owner and github.repo/],
    [
      'an environment no subject admits',
      oidcConfig({ subjects: ['ref:refs/heads/main'] }, { github: { ...repo, environment: 'prod' } }),
      'oidc.subjects',
      /environment prod/,
    ],
  ];
  it.each(cases)('%s', async (_label, raw, field, rule) => {
    const error = await resolveConfig(raw, { path: '/x/creds.config.json', dir: '/x' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ValidationErrors);
    const issue = (error as ValidationErrors).issues.find((i) => i.field === field);
    expect(issue, (error as Error).message).toBeDefined();
    expect(issue!.rule).toMatch(rule);
    expect(w.iam.calls.total).toBe(0);
    expect(w.github.counts().total).toBe(0);
  });

  it('targets may override oidc fields, merged over the top level', async () => {
    const config = await resolveConfig(
      { ...oidcConfig(), targets: [{ name: 'a' }, { name: 'b', oidc: { roleName: 'gh-b', subjects: ['pull_request'] } }] },
      { path: '/x/c.json', dir: '/x' },
    );
    expect(config.targets.map((t) => [t.oidc?.roleName, t.oidc?.subjects, t.oidc?.roleArnName])).toEqual([
      ['gh-demo-oidc', ['ref:refs/heads/main', 'environment:prod'], 'AWS_ROLE_ARN'],
      ['gh-b', ['pull_request'], 'AWS_ROLE_ARN'],
    ]);
  });

  it('defaults the subject to the environment the secrets go to', async () => {
    const config = await resolveConfig(baseConfig({ oidc: { roleName: 'r' }, github: { ...repo, environment: 'prod' } }), { path: '/x/c.json', dir: '/x' });
    expect(workflowSnippet(config.targets[0]!)).toContain('environment: prod');
  });
});

describe('workflowSnippet', () => {
  it('is the workflow users copy: id-token permission, configure-aws-credentials@v4, the role ARN variable', async () => {
    const config = await resolveConfig(oidcConfig({ subjects: ['ref:refs/heads/main', 'pull_request'] }), { path: '/x/c.json', dir: '/x' });
    expect(workflowSnippet(config.targets[0]!)).toBe(
      [
        '# .github/workflows/aws.yml in octo-org/demo — keyless AWS access set up by creds',
        'name: aws',
        'on:',
        '  push:',
        '    branches: [main]',
        '  pull_request:',
        '  workflow_dispatch:',
        'permissions:',
        '  id-token: write # lets the job ask GitHub for its OIDC token',
        '  contents: read',
        'jobs:',
        '  deploy:',
        '    runs-on: ubuntu-latest',
        '    steps:',
        '      - uses: actions/checkout@v4',
        '      - uses: aws-actions/configure-aws-credentials@v4',
        '        with:',
        `          role-to-assume: \${{ vars.AWS_ROLE_ARN }}`,
        '          aws-region: eu-west-1',
        '      - run: aws sts get-caller-identity',
        '',
      ].join('\n'),
    );
  });

  it('reads a secret when the ARN is stored as one, and names the environment the subject needs', async () => {
    const config = await resolveConfig(oidcConfig({ subjects: ['environment:prod'], roleArnAs: 'secret' }), { path: '/x/c.json', dir: '/x' });
    const snippet = workflowSnippet(config.targets[0]!);
    expect(snippet).toContain(`role-to-assume: \${{ secrets.AWS_ROLE_ARN }}`);
    expect(snippet).toContain('    environment: prod # the token\'s sub becomes repo:octo-org/demo:environment:prod');
  });
});

describe('creds migrate-to-oidc', () => {
  it('sets up the role, then removes the key, its secrets and the user; the role and variable stay', async () => {
    const { creds } = await w.creds(oidcConfig());
    expect((await creds.run('setup'))[0]?.status).toBe('succeeded');
    expect(w.iam.state().users).toHaveLength(1);
    expect(w.github.secretNames(repo)).toEqual(['AWS_ACCESS_KEY_ID', 'AWS_DEFAULT_REGION', 'AWS_SECRET_ACCESS_KEY']);

    const plan = (await creds.plan('migrate-to-oidc'))[0]!;
    expect(plan.changes.map((c) => c.action)).toEqual(expect.arrayContaining(['create', 'delete']));

    const [migrated] = await creds.run('migrate-to-oidc');
    expect(migrated?.error).toBeUndefined();
    expect(migrated?.status).toBe('succeeded');
    const state = w.iam.state();
    expect(state.users).toEqual([]);
    expect(state.roles?.map((r) => r.roleName)).toEqual(['gh-demo-oidc']);
    expect(w.github.secretNames(repo)).toEqual([]);
    expect(w.github.variable(repo, 'AWS_ROLE_ARN')?.value).toBe(ROLE_ARN);
    expect(await assume('repo:octo-org/demo:ref:refs/heads/main')).toMatch(/assumed-role/);

    // Again: nothing left to do.
    w.iam.calls.reset();
    w.github.resetLog();
    expect((await creds.run('migrate-to-oidc'))[0]?.status).toBe('succeeded');
    // (teardown still tries DeleteUserPolicy / DetachUserPolicy on the gone user and DELETEs the gone
    // secrets: 404s that change nothing)
    expect(w.iam.calls.log.filter((c) => c.write && c.status === 200)).toEqual([]);
    expect(w.github.requests.filter((r) => r.write && r.status < 300)).toEqual([]);
  });

  it('refuses to migrate a target whose IAM user other targets share', async () => {
    const { creds } = await w.creds({
      ...oidcConfig(),
      targets: [{ name: 'demo' }, { name: 'api', github: { owner: 'octo-org', repo: 'api' }, oidc: { roleName: 'gh-api-oidc', subjects: ['pull_request'] } }],
    }, { targets: ['demo'] });
    const [run] = await creds.run('migrate-to-oidc');
    expect(run?.error?.code).toBe('SHARED_KEY');
    expect(w.iam.calls.writes + w.github.counts().writes).toBe(0);
  });

  it('is resumable: a failure after the role is set up resumes without redoing it', async () => {
    const { creds } = await w.creds(oidcConfig());
    expect((await creds.run('setup'))[0]?.status).toBe('succeeded');
    w.iam.injectFault({ action: 'DeleteUser', code: 'AccessDenied', times: 1 });
    const [failed] = await creds.run('migrate-to-oidc');
    expect(failed?.status).toBe('failed');
    expect(w.iam.state().users).toHaveLength(1);
    w.iam.calls.reset();
    const [resumed] = await creds.run('migrate-to-oidc', { resume: true });
    expect(resumed?.status).toBe('succeeded');
    expect(iamWrites()).toEqual({ DeleteUser: 1 });
    expect(w.iam.state().users).toEqual([]);
    expect(w.iam.state().roles).toHaveLength(1);
  });
});
