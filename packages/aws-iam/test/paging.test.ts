import { AttachUserPolicyCommand, CreateAccessKeyCommand, CreateOpenIDConnectProviderCommand, CreateRoleCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { describe, expect, it } from 'vitest';
import {
  attachPolicy,
  deleteOwnedPrincipal,
  iamRole,
  iamUser,
  listAccessKeys,
  listAttachedPolicyArns,
  listInlinePolicyNames,
  listRoles,
  listUserTags,
  managedPoliciesStep,
  putInlinePolicy,
} from '../src/index.js';
import { apply, check, POLICY, world } from './helpers.js';

// IAM answers lists a page at a time (MaxItems, default 100; IsTruncated; Marker) and may answer
// fewer items than asked while more follow. The sandbox's listPageLimit makes every page one item
// long, so a list that read only the first page would miss items here.

const TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Principal: { Federated: 'arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com' },
      Action: 'sts:AssumeRoleWithWebIdentity',
    },
  ],
});
const TEXT = JSON.stringify(POLICY);

describe('lists page through truncated answers', () => {
  it('keys, tags, inline and attached policies of a user, one item per page', async () => {
    const w = await world({ listPageLimit: 1 });
    const { iam } = w.env.aws;
    w.sandbox.addUser({ userName: 'u', tags: { a: '1', b: '2', c: '3' } });
    for (let i = 0; i < 2; i++) await iam.send(new CreateAccessKeyCommand({ UserName: 'u' }));
    for (let i = 0; i < 3; i++) await iam.send(new PutUserPolicyCommand({ UserName: 'u', PolicyName: `p${i}`, PolicyDocument: TEXT }));
    const arns = [0, 1, 2].map((i) => w.sandbox.addPolicy({ policyName: `m${i}` }));
    for (const arn of arns) await iam.send(new AttachUserPolicyCommand({ UserName: 'u', PolicyArn: arn }));
    w.sandbox.calls.reset();

    expect(await listAccessKeys(iam, 'u')).toHaveLength(2);
    expect((await listUserTags(iam, 'u')).map((t) => t.Key)).toEqual(['a', 'b', 'c']);
    expect(await listInlinePolicyNames(iam, iamUser('u'))).toEqual(['p0', 'p1', 'p2']);
    expect(await listAttachedPolicyArns(iam, iamUser('u'))).toEqual(arns);
    // One call per page: 2 + 3 + 3 + 3.
    expect(w.sandbox.calls.byAction('reads')).toEqual({ ListAccessKeys: 2, ListUserTags: 3, ListUserPolicies: 3, ListAttachedUserPolicies: 3 });

    // Deleting clears every key and inline policy, not only the first page's.
    expect(await deleteOwnedPrincipal(iam, iamUser('u'), arns)).toBe(true);
    expect(w.sandbox.state().users).toEqual([]);
  });

  it('a role: inline and attached policies, one item per page, and deleting it', async () => {
    const w = await world({ listPageLimit: 1 });
    const { iam } = w.env.aws;
    await iam.send(new CreateOpenIDConnectProviderCommand({ Url: 'https://token.actions.githubusercontent.com', ClientIDList: ['sts.amazonaws.com'] }));
    await iam.send(new CreateRoleCommand({ RoleName: 'r', AssumeRolePolicyDocument: TRUST }));
    const role = iamRole('r');
    for (let i = 0; i < 2; i++) await putInlinePolicy(iam, role, `p${i}`, TEXT);
    const arns = [0, 1].map((i) => w.sandbox.addPolicy({ policyName: `m${i}` }));
    for (const arn of arns) await attachPolicy(iam, role, arn);
    expect(await listInlinePolicyNames(iam, role)).toEqual(['p0', 'p1']);
    expect(await listAttachedPolicyArns(iam, role)).toEqual(arns);
    expect(await deleteOwnedPrincipal(iam, role, arns)).toBe(true);
    expect(w.sandbox.state().roles).toEqual([]);
  });

  it('every role of an account with more than IAM’s default page of 100', async () => {
    const w = await world();
    const { iam } = w.env.aws;
    await iam.send(new CreateOpenIDConnectProviderCommand({ Url: 'https://token.actions.githubusercontent.com', ClientIDList: ['sts.amazonaws.com'] }));
    for (let i = 0; i < 103; i++) await iam.send(new CreateRoleCommand({ RoleName: `role-${i}`, AssumeRolePolicyDocument: TRUST }));
    w.sandbox.calls.reset();
    expect(await listRoles(iam)).toHaveLength(103);
    expect(w.sandbox.calls.byAction('reads')).toEqual({ ListRoles: 2 });
  });

  it('the managed policies step sees attachments past the first page: in sync, nothing attached again', async () => {
    const w = await world({ listPageLimit: 1 });
    const arns = [0, 1, 2].map((i) => w.sandbox.addPolicy({ policyName: `m${i}` }));
    w.sandbox.addUser({ userName: 'u' });
    for (const arn of arns) await attachPolicy(w.env.aws.iam, iamUser('u'), arn);
    const step = managedPoliciesStep({ userName: 'u', policyArns: arns, maxPerUser: 3 });
    expect(await check(w, step)).toEqual({ inSync: true });
    w.sandbox.calls.reset();
    expect(await apply(w, step)).toMatchObject({ attached: [], alreadyAttached: arns });
    expect(w.sandbox.calls.writes).toBe(0);
  });
});
