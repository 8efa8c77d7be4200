import {
  AttachUserPolicyCommand,
  CreateAccessKeyCommand,
  CreateOpenIDConnectProviderCommand,
  CreateRoleCommand,
  CreateUserCommand,
  type IAMClient,
  ListAccessKeysCommand,
  ListAttachedUserPoliciesCommand,
  ListRolesCommand,
  ListUserPoliciesCommand,
  ListUserTagsCommand,
  paginateListRoles,
  paginateListUserTags,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import { afterEach, describe, expect, it } from 'vitest';
import { type IamSandbox, type IamServerOptions, optionsFromEnv, startIamServer } from '../src/iam/index.js';
import { clients, errorOf } from './iam-helpers.js';

// IAM's List actions page: MaxItems (1-1000, default 100), IsTruncated, Marker. These tests hold
// the sandbox to that, through the real SDK.

const PROVIDER_ARN = 'arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com';
const TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Federated: PROVIDER_ARN }, Action: 'sts:AssumeRoleWithWebIdentity' }],
});
const POLICY = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] });

const open: IamSandbox[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

async function server(options: IamServerOptions = {}) {
  const sandbox = await startIamServer({ seed: 5, ...options });
  open.push(sandbox);
  return { sandbox, iam: clients(sandbox).iam };
}

async function roles(iam: IAMClient, count: number) {
  await iam.send(new CreateOpenIDConnectProviderCommand({ Url: 'https://token.actions.githubusercontent.com', ClientIDList: ['sts.amazonaws.com'] }));
  for (let i = 0; i < count; i++) {
    await iam.send(new CreateRoleCommand({ RoleName: `role-${String(i).padStart(3, '0')}`, AssumeRolePolicyDocument: TRUST }));
  }
}

const tags = (n: number) => Array.from({ length: n }, (_, i) => ({ Key: `k${i}`, Value: `v${i}` }));

describe('IAM list paging (documented behaviour)', () => {
  it('answers 100 items when MaxItems is not given, then the rest after the Marker', async () => {
    const { iam } = await server();
    await roles(iam, 105);
    const first = await iam.send(new ListRolesCommand({}));
    expect(first.Roles).toHaveLength(100);
    expect(first.IsTruncated).toBe(true);
    expect(first.Marker).toEqual(expect.any(String));
    const second = await iam.send(new ListRolesCommand({ Marker: first.Marker }));
    expect(second.Roles?.map((r) => r.RoleName)).toEqual(['role-100', 'role-101', 'role-102', 'role-103', 'role-104']);
    expect(second.IsTruncated).toBe(false);
    expect(second.Marker).toBeUndefined();
  });

  it('MaxItems bounds each page; following the Markers gives every item once, in order', async () => {
    const { iam } = await server();
    await iam.send(new CreateUserCommand({ UserName: 'paged', Tags: tags(5) }));
    const seen: string[] = [];
    const truncated: boolean[] = [];
    let marker: string | undefined;
    do {
      const page = await iam.send(new ListUserTagsCommand({ UserName: 'paged', MaxItems: 2, ...(marker ? { Marker: marker } : {}) }));
      expect(page.Tags!.length).toBeLessThanOrEqual(2);
      seen.push(...page.Tags!.map((t) => t.Key!));
      truncated.push(page.IsTruncated === true);
      marker = page.Marker;
    } while (marker);
    expect(seen).toEqual(['k0', 'k1', 'k2', 'k3', 'k4']);
    expect(truncated).toEqual([true, true, false]);
  });

  it('pages every list it serves: keys, inline and attached policies', async () => {
    const { sandbox, iam } = await server();
    await iam.send(new CreateUserCommand({ UserName: 'u' }));
    for (let i = 0; i < 2; i++) await iam.send(new CreateAccessKeyCommand({ UserName: 'u' }));
    for (let i = 0; i < 3; i++) await iam.send(new PutUserPolicyCommand({ UserName: 'u', PolicyName: `p${i}`, PolicyDocument: POLICY }));
    for (let i = 0; i < 3; i++) {
      await iam.send(new AttachUserPolicyCommand({ UserName: 'u', PolicyArn: sandbox.addPolicy({ policyName: `m${i}` }) }));
    }
    const keys = await iam.send(new ListAccessKeysCommand({ UserName: 'u', MaxItems: 1 }));
    expect([keys.AccessKeyMetadata?.length, keys.IsTruncated]).toEqual([1, true]);
    const inline = await iam.send(new ListUserPoliciesCommand({ UserName: 'u', MaxItems: 2 }));
    expect([inline.PolicyNames, inline.IsTruncated]).toEqual([['p0', 'p1'], true]);
    const rest = await iam.send(new ListUserPoliciesCommand({ UserName: 'u', MaxItems: 2, Marker: inline.Marker }));
    expect([rest.PolicyNames, rest.IsTruncated]).toEqual([['p2'], false]);
    const attached = await iam.send(new ListAttachedUserPoliciesCommand({ UserName: 'u', MaxItems: 3 }));
    expect([attached.AttachedPolicies?.length, attached.IsTruncated, attached.Marker]).toEqual([3, false, undefined]);
  });

  it('refuses MaxItems outside 1-1000 and a Marker it did not hand out: ValidationError 400', async () => {
    const { iam } = await server();
    await iam.send(new CreateUserCommand({ UserName: 'u', Tags: tags(1) }));
    for (const MaxItems of [0, 1001]) {
      expect(await errorOf(iam.send(new ListUserTagsCommand({ UserName: 'u', MaxItems })))).toMatchObject({
        name: 'ValidationError',
        status: 400,
        message: expect.stringContaining('maxItems'),
      });
    }
    expect(await errorOf(iam.send(new ListUserTagsCommand({ UserName: 'u', Marker: 'not-a-marker' })))).toMatchObject({
      name: 'ValidationError',
      status: 400,
    });
    expect((await iam.send(new ListUserTagsCommand({ UserName: 'u', MaxItems: 1000 }))).Tags).toHaveLength(1);
  });

  it('with listPageLimit answers fewer items than MaxItems while more follow; the SDK paginators still get them all', async () => {
    const { iam } = await server({ listPageLimit: 2 });
    await iam.send(new CreateUserCommand({ UserName: 'u', Tags: tags(7) }));
    const page = await iam.send(new ListUserTagsCommand({ UserName: 'u', MaxItems: 100 }));
    expect([page.Tags?.length, page.IsTruncated]).toEqual([2, true]);
    const all: string[] = [];
    let pages = 0;
    for await (const p of paginateListUserTags({ client: iam }, { UserName: 'u' })) {
      pages++;
      all.push(...(p.Tags ?? []).map((t) => t.Key!));
    }
    expect([all, pages]).toEqual([tags(7).map((t) => t.Key), 4]);
    await roles(iam, 3);
    const names: string[] = [];
    for await (const p of paginateListRoles({ client: iam, pageSize: 1 }, {})) names.push(...(p.Roles ?? []).map((r) => r.RoleName!));
    expect(names).toEqual(['role-000', 'role-001', 'role-002']);
  });

  it('takes the page limit from CREDS_SANDBOX_LIST_PAGE_LIMIT, and refuses one that is not a whole number ≥ 1', () => {
    expect(optionsFromEnv({ CREDS_SANDBOX_LIST_PAGE_LIMIT: '3' })).toMatchObject({ listPageLimit: 3 });
    expect(() => optionsFromEnv({ CREDS_SANDBOX_LIST_PAGE_LIMIT: '0' })).toThrow(/CREDS_SANDBOX_LIST_PAGE_LIMIT/);
    expect(() => optionsFromEnv({ CREDS_SANDBOX_LIST_PAGE_LIMIT: '1.5' })).toThrow(/CREDS_SANDBOX_LIST_PAGE_LIMIT/);
  });
});
