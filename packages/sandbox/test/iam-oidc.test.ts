import {
  AddClientIDToOpenIDConnectProviderCommand,
  AttachRolePolicyCommand,
  CreateOpenIDConnectProviderCommand,
  CreateRoleCommand,
  DeleteOpenIDConnectProviderCommand,
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  DetachRolePolicyCommand,
  GetOpenIDConnectProviderCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  ListAttachedRolePoliciesCommand,
  ListOpenIDConnectProvidersCommand,
  ListRolePoliciesCommand,
  ListRolesCommand,
  ListRoleTagsCommand,
  PutRolePolicyCommand,
  TagRoleCommand,
  UntagRoleCommand,
  UpdateAssumeRolePolicyCommand,
  UpdateRoleCommand,
} from '@aws-sdk/client-iam';
import { AssumeRoleWithWebIdentityCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type IamSandbox, startIamServer, unsignedWebIdentityToken } from '../src/iam/index.js';
import { clients, errorOf } from './iam-helpers.js';

const ISSUER = 'https://token.actions.githubusercontent.com';
const PROVIDER_ARN = 'arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com';
const POLICY = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] });
const trust = (sub: string | string[], op = 'StringEquals') =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Federated: PROVIDER_ARN },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: { StringEquals: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com' }, [op]: { 'token.actions.githubusercontent.com:sub': sub } },
      },
    ],
  });

let sandbox: IamSandbox;
beforeEach(async () => {
  sandbox = await startIamServer({ seed: 3 });
});
afterEach(async () => {
  await sandbox.close();
});

async function provider(clientIds = ['sts.amazonaws.com']) {
  const { iam } = clients(sandbox);
  return iam.send(new CreateOpenIDConnectProviderCommand({ Url: ISSUER, ClientIDList: clientIds, Tags: [{ Key: 'team', Value: 'infra' }] }));
}

describe('OpenID Connect providers', () => {
  it('creates, gets (URL without scheme), lists and deletes a provider as the SDK parses them', async () => {
    const { iam } = clients(sandbox);
    const created = await provider();
    expect(created.OpenIDConnectProviderArn).toBe(PROVIDER_ARN);
    expect(created.Tags).toEqual([{ Key: 'team', Value: 'infra' }]);
    const got = await iam.send(new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: PROVIDER_ARN }));
    expect(got.Url).toBe('token.actions.githubusercontent.com');
    expect(got.ClientIDList).toEqual(['sts.amazonaws.com']);
    expect(got.ThumbprintList ?? []).toEqual([]);
    expect(got.CreateDate).toBeInstanceOf(Date);
    const listed = await iam.send(new ListOpenIDConnectProvidersCommand({}));
    expect(listed.OpenIDConnectProviderList).toEqual([{ Arn: PROVIDER_ARN }]);
    await iam.send(new AddClientIDToOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: PROVIDER_ARN, ClientID: 'other' }));
    expect((await iam.send(new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: PROVIDER_ARN }))).ClientIDList).toEqual([
      'sts.amazonaws.com',
      'other',
    ]);
    await iam.send(new DeleteOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: PROVIDER_ARN }));
    expect((await iam.send(new ListOpenIDConnectProvidersCommand({}))).OpenIDConnectProviderList).toEqual([]);
  });

  it('refuses a duplicate URL, a non-https URL, bad thumbprints, and unknown or malformed ARNs', async () => {
    const { iam } = clients(sandbox);
    await provider();
    expect(await errorOf(provider())).toMatchObject({ name: 'EntityAlreadyExists', status: 409 });
    expect(await errorOf(iam.send(new CreateOpenIDConnectProviderCommand({ Url: 'http://example.com', ClientIDList: ['x'] })))).toMatchObject({
      name: 'InvalidInput',
    });
    expect(
      await errorOf(iam.send(new CreateOpenIDConnectProviderCommand({ Url: 'https://example.com', ThumbprintList: ['abc'] }))),
    ).toMatchObject({ name: 'ValidationError' });
    const missing = 'arn:aws:iam::123456789012:oidc-provider/example.com';
    expect(await errorOf(iam.send(new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: missing })))).toMatchObject({
      name: 'NoSuchEntity',
      status: 404,
    });
    expect(await errorOf(iam.send(new DeleteOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: missing })))).toMatchObject({
      name: 'NoSuchEntity',
    });
    expect(await errorOf(iam.send(new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: 'arn:nope' })))).toMatchObject({
      name: 'InvalidInput',
    });
  });
});

describe('roles', () => {
  it('creates a role with tags and a trust policy, returned URL-encoded like IAM does', async () => {
    const { iam } = clients(sandbox);
    await provider();
    const doc = trust('repo:octo/app:ref:refs/heads/main');
    const out = await iam.send(
      new CreateRoleCommand({ RoleName: 'gh-app', AssumeRolePolicyDocument: doc, MaxSessionDuration: 7200, Tags: [{ Key: 'creds:managed-by', Value: 'creds' }] }),
    );
    expect(out.Role).toMatchObject({ RoleName: 'gh-app', Path: '/', Arn: 'arn:aws:iam::123456789012:role/gh-app', MaxSessionDuration: 7200 });
    expect(out.Role?.RoleId).toMatch(/^AROA[A-Z2-7]{17}$/);
    const got = await iam.send(new GetRoleCommand({ RoleName: 'GH-APP' }));
    expect(decodeURIComponent(got.Role!.AssumeRolePolicyDocument!)).toBe(doc);
    expect(got.Role?.Tags).toEqual([{ Key: 'creds:managed-by', Value: 'creds' }]);
    await iam.send(new TagRoleCommand({ RoleName: 'gh-app', Tags: [{ Key: 'team', Value: 'a' }] }));
    await iam.send(new UntagRoleCommand({ RoleName: 'gh-app', TagKeys: ['CREDS:MANAGED-BY'] }));
    expect((await iam.send(new ListRoleTagsCommand({ RoleName: 'gh-app' }))).Tags).toEqual([{ Key: 'team', Value: 'a' }]);
    await iam.send(new UpdateRoleCommand({ RoleName: 'gh-app', MaxSessionDuration: 3600 }));
    const next = trust('repo:octo/app:environment:prod');
    await iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: 'gh-app', PolicyDocument: next }));
    const after = await iam.send(new GetRoleCommand({ RoleName: 'gh-app' }));
    expect(decodeURIComponent(after.Role!.AssumeRolePolicyDocument!)).toBe(next);
    expect(after.Role?.MaxSessionDuration).toBe(3600);
    expect((await iam.send(new ListRolesCommand({}))).Roles?.map((r) => r.RoleName)).toEqual(['gh-app']);
    expect(await errorOf(iam.send(new CreateRoleCommand({ RoleName: 'Gh-App', AssumeRolePolicyDocument: doc })))).toMatchObject({
      name: 'EntityAlreadyExists',
    });
  });

  it('checks role names, session durations and trust policies like IAM', async () => {
    const { iam } = clients(sandbox);
    await provider();
    const ok = trust('repo:o/r:pull_request');
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ RoleName: 'x'.repeat(65), AssumeRolePolicyDocument: ok }, 'ValidationError'],
      [{ RoleName: 'bad name', AssumeRolePolicyDocument: ok }, 'ValidationError'],
      [{ RoleName: 'r', AssumeRolePolicyDocument: ok, MaxSessionDuration: 60 }, 'ValidationError'],
      [{ RoleName: 'r', AssumeRolePolicyDocument: ok, MaxSessionDuration: 50_000 }, 'ValidationError'],
      [{ RoleName: 'r', AssumeRolePolicyDocument: '{not json' }, 'MalformedPolicyDocument'],
      [{ RoleName: 'r', AssumeRolePolicyDocument: '{"Version":"2012-10-17"}' }, 'MalformedPolicyDocument'],
      [{ RoleName: 'r', AssumeRolePolicyDocument: JSON.stringify({ Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole' }] }) }, 'MalformedPolicyDocument'],
      [
        {
          RoleName: 'r',
          AssumeRolePolicyDocument: JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: { Federated: PROVIDER_ARN }, Action: 'sts:*', Resource: '*' }] }),
        },
        'MalformedPolicyDocument',
      ],
      [
        {
          RoleName: 'r',
          AssumeRolePolicyDocument: JSON.stringify({
            Statement: [{ Effect: 'Allow', Principal: { Federated: 'arn:aws:iam::123456789012:oidc-provider/nowhere.example' }, Action: 'sts:*' }],
          }),
        },
        'MalformedPolicyDocument',
      ],
      [{ RoleName: 'r', AssumeRolePolicyDocument: trust(Array.from({ length: 60 }, (_, i) => `repo:o/r:ref:refs/heads/b${i}`)) }, 'LimitExceeded'],
    ];
    for (const [input, code] of cases) {
      expect(await errorOf(iam.send(new CreateRoleCommand(input as never))), JSON.stringify(input).slice(0, 80)).toMatchObject({ name: code });
    }
    expect(sandbox.state().roles).toEqual([]);
    expect(await errorOf(iam.send(new GetRoleCommand({ RoleName: 'missing' })))).toMatchObject({ name: 'NoSuchEntity', status: 404 });
  });

  it('inline and managed policies; DeleteRole refuses while either is there', async () => {
    const { iam } = clients(sandbox);
    await provider();
    await iam.send(new CreateRoleCommand({ RoleName: 'r', AssumeRolePolicyDocument: trust('repo:o/r:pull_request') }));
    await iam.send(new PutRolePolicyCommand({ RoleName: 'r', PolicyName: 'inline', PolicyDocument: POLICY }));
    await iam.send(new AttachRolePolicyCommand({ RoleName: 'r', PolicyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }));
    expect((await iam.send(new ListRolePoliciesCommand({ RoleName: 'r' }))).PolicyNames).toEqual(['inline']);
    expect(decodeURIComponent((await iam.send(new GetRolePolicyCommand({ RoleName: 'r', PolicyName: 'inline' }))).PolicyDocument!)).toBe(POLICY);
    expect((await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: 'r' }))).AttachedPolicies).toEqual([
      { PolicyName: 'ReadOnlyAccess', PolicyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' },
    ]);
    expect(await errorOf(iam.send(new DeleteRoleCommand({ RoleName: 'r' })))).toMatchObject({ name: 'DeleteConflict', status: 409 });
    await iam.send(new DeleteRolePolicyCommand({ RoleName: 'r', PolicyName: 'inline' }));
    expect(await errorOf(iam.send(new DeleteRoleCommand({ RoleName: 'r' })))).toMatchObject({ name: 'DeleteConflict' });
    await iam.send(new DetachRolePolicyCommand({ RoleName: 'r', PolicyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }));
    expect(await errorOf(iam.send(new DetachRolePolicyCommand({ RoleName: 'r', PolicyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' })))).toMatchObject({
      name: 'NoSuchEntity',
    });
    expect(await errorOf(iam.send(new AttachRolePolicyCommand({ RoleName: 'r', PolicyArn: 'arn:aws:iam::123456789012:policy/none' })))).toMatchObject({
      name: 'NoSuchEntity',
    });
    await iam.send(new DeleteRoleCommand({ RoleName: 'r' }));
    expect(sandbox.state().roles).toEqual([]);
  });
});

describe('STS AssumeRoleWithWebIdentity (sandbox: unsigned tokens)', () => {
  const claims = (sub: string, extra: Record<string, unknown> = {}) => ({ iss: ISSUER, aud: 'sts.amazonaws.com', sub, ...extra });
  const assume = (token: string, roleName = 'gh') =>
    new STSClient({ region: 'us-east-1', endpoint: sandbox.url, maxAttempts: 1 }).send(
      new AssumeRoleWithWebIdentityCommand({ RoleArn: `arn:aws:iam::123456789012:role/${roleName}`, RoleSessionName: 'gha', WebIdentityToken: token }),
    );

  beforeEach(async () => {
    const { iam } = clients(sandbox);
    await provider();
    await iam.send(new CreateRoleCommand({ RoleName: 'gh', AssumeRolePolicyDocument: trust('repo:octo/app:ref:refs/heads/main') }));
  });

  it('issues credentials that STS knows as the assumed role, and that may not call IAM', async () => {
    const out = await assume(unsignedWebIdentityToken(claims('repo:octo/app:ref:refs/heads/main')));
    expect(out.AssumedRoleUser?.Arn).toBe('arn:aws:sts::123456789012:assumed-role/gh/gha');
    expect(out.SubjectFromWebIdentityToken).toBe('repo:octo/app:ref:refs/heads/main');
    expect(out.Provider).toBe(PROVIDER_ARN);
    expect(out.Audience).toBe('sts.amazonaws.com');
    const creds = { accessKeyId: out.Credentials!.AccessKeyId!, secretAccessKey: out.Credentials!.SecretAccessKey! };
    const { sts, iam } = clients(sandbox, creds);
    expect((await sts.send(new GetCallerIdentityCommand({}))).Arn).toBe('arn:aws:sts::123456789012:assumed-role/gh/gha');
    expect(await errorOf(iam.send(new ListRolesCommand({})))).toMatchObject({ name: 'AccessDenied' });
  });

  it.each([
    ['another branch', claims('repo:octo/app:ref:refs/heads/dev'), 'AccessDenied', 'Not authorized to perform sts:AssumeRoleWithWebIdentity'],
    ['owner in another case', claims('repo:Octo/app:ref:refs/heads/main'), 'AccessDenied', 'Not authorized'],
    ['a pull request', claims('repo:octo/app:pull_request'), 'AccessDenied', 'Not authorized'],
    ['another audience', claims('repo:octo/app:ref:refs/heads/main', { aud: 'other' }), 'InvalidIdentityToken', 'Incorrect token audience'],
    ['another issuer', claims('repo:octo/app:ref:refs/heads/main', { iss: 'https://example.com' }), 'InvalidIdentityToken', 'No OpenIDConnect provider'],
    ['an expired token', claims('repo:octo/app:ref:refs/heads/main', { exp: 1000 }), 'ExpiredTokenException', 'Token expired'],
  ])('refuses %s', async (_label, c, code, message) => {
    const e = await errorOf(assume(unsignedWebIdentityToken(c as never)));
    expect(e.name.replace(/Exception$/, '')).toBe(code.replace(/Exception$/, ''));
    expect(e.message).toContain(message);
  });

  it('refuses an unknown role and a token that is not JWT-shaped', async () => {
    expect(await errorOf(assume(unsignedWebIdentityToken(claims('repo:octo/app:ref:refs/heads/main')), 'nope'))).toMatchObject({
      name: 'AccessDenied',
    });
    expect((await errorOf(assume('not-a-token'))).name).toBe('InvalidIdentityToken');
  });
});
