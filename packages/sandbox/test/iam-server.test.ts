import {
  AttachUserPolicyCommand,
  CreateAccessKeyCommand,
  CreatePolicyCommand,
  CreateUserCommand,
  DeleteAccessKeyCommand,
  DeleteUserCommand,
  GetLoginProfileCommand,
  ListGroupsForUserCommand,
  ListMFADevicesCommand,
  ListSSHPublicKeysCommand,
  DeleteUserPolicyCommand,
  DetachUserPolicyCommand,
  GetAccessKeyLastUsedCommand,
  GetPolicyCommand,
  GetUserCommand,
  GetUserPolicyCommand,
  ListAccessKeysCommand,
  ListAttachedUserPoliciesCommand,
  ListUserPoliciesCommand,
  ListUserTagsCommand,
  PutUserPolicyCommand,
  TagUserCommand,
  UntagUserCommand,
  UpdateAccessKeyCommand,
} from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type IamSandbox, startIamServer } from '../src/iam/index.js';
import { clients, errorOf } from './iam-helpers.js';

const POLICY = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] });

let sandbox: IamSandbox;
beforeEach(async () => {
  sandbox = await startIamServer({ seed: 1 });
});
afterEach(async () => {
  await sandbox.close();
});

describe('IAM users (documented behaviour)', () => {
  it('creates a user and returns it the way the SDK parses it', async () => {
    const { iam } = clients(sandbox);
    const out = await iam.send(
      new CreateUserCommand({ UserName: 'ci-deployer', Path: '/creds/', Tags: [{ Key: 'team', Value: 'infra' }] }),
    );
    expect(out.User?.UserName).toBe('ci-deployer');
    expect(out.User?.Arn).toBe('arn:aws:iam::123456789012:user/creds/ci-deployer');
    expect(out.User?.UserId).toMatch(/^AIDA[A-Z2-7]{17}$/);
    expect(out.User?.CreateDate).toBeInstanceOf(Date);
    expect(out.User?.Tags).toEqual([{ Key: 'team', Value: 'infra' }]);
    expect(out.$metadata.requestId).toBeTruthy();
    const got = await iam.send(new GetUserCommand({ UserName: 'CI-DEPLOYER' }));
    expect(got.User?.UserName).toBe('ci-deployer');
  });

  it.each([
    ['', 'ValidationError'],
    ['a'.repeat(65), 'ValidationError'],
    ['has space', 'ValidationError'],
    ['bad/slash', 'ValidationError'],
    ['ok+=,.@_-name', undefined],
    ['a'.repeat(64), undefined],
  ])('user name %j → %s', async (name, code) => {
    const { iam } = clients(sandbox);
    const call = iam.send(new CreateUserCommand({ UserName: name }));
    if (code) expect((await errorOf(call)).name).toBe(code);
    else await expect(call).resolves.toBeDefined();
  });

  it('names are unique regardless of case: EntityAlreadyExists 409', async () => {
    const { iam } = clients(sandbox);
    await iam.send(new CreateUserCommand({ UserName: 'Deployer' }));
    const err = await errorOf(iam.send(new CreateUserCommand({ UserName: 'deployer' })));
    expect(err).toMatchObject({ name: 'EntityAlreadyExists', status: 409 });
  });

  it('unknown user: NoSuchEntity 404', async () => {
    const { iam } = clients(sandbox);
    expect(await errorOf(iam.send(new GetUserCommand({ UserName: 'nobody' })))).toMatchObject({ name: 'NoSuchEntity', status: 404 });
  });

  it('tags: ≤50, aws: reserved, charset and lengths, keys case-insensitive', async () => {
    const { iam } = clients(sandbox);
    await iam.send(new CreateUserCommand({ UserName: 'u', Tags: [{ Key: 'Department', Value: 'a' }] }));
    await iam.send(new TagUserCommand({ UserName: 'u', Tags: [{ Key: 'department', Value: 'b' }] }));
    expect((await iam.send(new ListUserTagsCommand({ UserName: 'u' }))).Tags).toEqual([{ Key: 'department', Value: 'b' }]);
    const tag = (Key: string, Value = 'v') => iam.send(new TagUserCommand({ UserName: 'u', Tags: [{ Key, Value }] }));
    expect((await errorOf(tag('aws:owner'))).name).toBe('InvalidInput');
    expect((await errorOf(tag('k'.repeat(129)))).name).toBe('ValidationError');
    expect((await errorOf(tag('k', 'v'.repeat(257)))).name).toBe('ValidationError');
    expect((await errorOf(tag('bad#key'))).name).toBe('ValidationError');
    await expect(tag('ok key_.:/=+-@', '')).resolves.toBeDefined();
    const many = Array.from({ length: 48 }, (_, i) => ({ Key: `k${i}`, Value: 'v' }));
    await iam.send(new TagUserCommand({ UserName: 'u', Tags: many })); // 50 now
    expect(await errorOf(tag('one-more'))).toMatchObject({ name: 'LimitExceeded', status: 409 });
    await iam.send(new UntagUserCommand({ UserName: 'u', TagKeys: ['DEPARTMENT'] }));
    expect((await iam.send(new ListUserTagsCommand({ UserName: 'u' }))).Tags).toHaveLength(49);
  });

  it('DeleteUser: DeleteConflict 409 while keys, inline or attached policies remain', async () => {
    const { iam } = clients(sandbox);
    await iam.send(new CreateUserCommand({ UserName: 'u' }));
    const key = await iam.send(new CreateAccessKeyCommand({ UserName: 'u' }));
    await iam.send(new PutUserPolicyCommand({ UserName: 'u', PolicyName: 'p', PolicyDocument: POLICY }));
    await iam.send(new AttachUserPolicyCommand({ UserName: 'u', PolicyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }));
    const del = () => iam.send(new DeleteUserCommand({ UserName: 'u' }));
    expect(await errorOf(del())).toMatchObject({ name: 'DeleteConflict', status: 409, message: expect.stringContaining('access keys') });
    await iam.send(new DeleteAccessKeyCommand({ UserName: 'u', AccessKeyId: key.AccessKey!.AccessKeyId! }));
    expect((await errorOf(del())).message).toContain('policies');
    await iam.send(new DeleteUserPolicyCommand({ UserName: 'u', PolicyName: 'p' }));
    expect((await errorOf(del())).message).toContain('detach');
    await iam.send(new DetachUserPolicyCommand({ UserName: 'u', PolicyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }));
    await del();
    expect((await errorOf(del())).name).toBe('NoSuchEntity');
  });

  it('login profile, MFA devices, SSH keys and groups are listed, and each blocks DeleteUser', async () => {
    const { iam } = clients(sandbox);
    sandbox.addUser({
      userName: 'person',
      loginProfile: true,
      mfaDevices: ['arn:aws:iam::123456789012:mfa/person'],
      sshPublicKeys: ['APKAEIBAERJR2EXAMPLE'],
      groups: ['admins'],
    });
    expect((await iam.send(new GetLoginProfileCommand({ UserName: 'person' }))).LoginProfile?.UserName).toBe('person');
    expect((await iam.send(new ListMFADevicesCommand({ UserName: 'person' }))).MFADevices?.map((d) => d.SerialNumber)).toEqual(['arn:aws:iam::123456789012:mfa/person']);
    expect((await iam.send(new ListSSHPublicKeysCommand({ UserName: 'person' }))).SSHPublicKeys?.map((k) => k.SSHPublicKeyId)).toEqual(['APKAEIBAERJR2EXAMPLE']);
    expect((await iam.send(new ListGroupsForUserCommand({ UserName: 'person' }))).Groups?.map((g) => g.GroupName)).toEqual(['admins']);
    expect(await errorOf(iam.send(new DeleteUserCommand({ UserName: 'person' })))).toMatchObject({ name: 'DeleteConflict', status: 409 });
    sandbox.addUser({ userName: 'plain' });
    expect((await iam.send(new ListMFADevicesCommand({ UserName: 'plain' }))).MFADevices).toEqual([]);
    expect((await iam.send(new ListGroupsForUserCommand({ UserName: 'plain' }))).Groups).toEqual([]);
    expect(await errorOf(iam.send(new GetLoginProfileCommand({ UserName: 'plain' })))).toMatchObject({ name: 'NoSuchEntity', status: 404 });
    for (const [field, message] of [['mfaDevices', 'MFA'], ['sshPublicKeys', 'SSH'], ['groups', 'group']] as const) {
      sandbox.addUser({ userName: `only-${field}`, [field]: ['x'] });
      expect((await errorOf(iam.send(new DeleteUserCommand({ UserName: `only-${field}` })))).message).toContain(message);
    }
  });
});

describe('policies (documented behaviour)', () => {
  it('inline policy round trip: document comes back URL-encoded', async () => {
    const { iam } = clients(sandbox);
    await iam.send(new CreateUserCommand({ UserName: 'u' }));
    await iam.send(new PutUserPolicyCommand({ UserName: 'u', PolicyName: 'p', PolicyDocument: POLICY }));
    const got = await iam.send(new GetUserPolicyCommand({ UserName: 'u', PolicyName: 'p' }));
    expect(decodeURIComponent(got.PolicyDocument!)).toBe(POLICY);
    expect((await iam.send(new ListUserPoliciesCommand({ UserName: 'u' }))).PolicyNames).toEqual(['p']);
    expect((await errorOf(iam.send(new GetUserPolicyCommand({ UserName: 'u', PolicyName: 'x' })))).name).toBe('NoSuchEntity');
  });

  it.each([
    ['{not json', 'MalformedPolicyDocument'],
    ['[]', 'MalformedPolicyDocument'],
    [JSON.stringify({ Version: '2012-10-17' }), 'MalformedPolicyDocument'],
    [JSON.stringify({ Statement: [{ Effect: 'Maybe', Action: '*', Resource: '*' }] }), 'MalformedPolicyDocument'],
    [JSON.stringify({ Statement: [{ Effect: 'Allow', Resource: '*' }] }), 'MalformedPolicyDocument'],
  ])('document %s → %s (400)', async (doc, code) => {
    const { iam } = clients(sandbox);
    await iam.send(new CreateUserCommand({ UserName: 'u' }));
    const err = await errorOf(iam.send(new PutUserPolicyCommand({ UserName: 'u', PolicyName: 'p', PolicyDocument: doc })));
    expect(err).toMatchObject({ name: code, status: 400 });
  });

  it('inline policies: 2048 characters per user in total, whitespace not counted', async () => {
    const { iam } = clients(sandbox);
    await iam.send(new CreateUserCommand({ UserName: 'u' }));
    const doc = (n: number) => {
      const base = JSON.stringify({ Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '' }] });
      return JSON.stringify({ Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'r'.repeat(n - base.length) }] });
    };
    const spaced = `${doc(2048)}${' '.repeat(500)}`;
    await iam.send(new PutUserPolicyCommand({ UserName: 'u', PolicyName: 'a', PolicyDocument: spaced }));
    const err = await errorOf(iam.send(new PutUserPolicyCommand({ UserName: 'u', PolicyName: 'b', PolicyDocument: doc(100) })));
    expect(err).toMatchObject({ name: 'LimitExceeded', status: 409 });
    // Replacing the same policy does not count the old version.
    await iam.send(new PutUserPolicyCommand({ UserName: 'u', PolicyName: 'a', PolicyDocument: doc(2048) }));
  });

  it('managed policies: attach is idempotent, 10 per user, unknown ARN → NoSuchEntity', async () => {
    const { iam } = clients(sandbox);
    await iam.send(new CreateUserCommand({ UserName: 'u' }));
    const created = await iam.send(new CreatePolicyCommand({ PolicyName: 'fixture', PolicyDocument: POLICY }));
    expect(created.Policy?.Arn).toBe('arn:aws:iam::123456789012:policy/fixture');
    expect((await iam.send(new GetPolicyCommand({ PolicyArn: created.Policy!.Arn! }))).Policy?.PolicyName).toBe('fixture');
    const arns = Array.from({ length: 11 }, (_, i) => sandbox.addPolicy({ policyName: `p${i}` }));
    for (const arn of arns.slice(0, 10)) await iam.send(new AttachUserPolicyCommand({ UserName: 'u', PolicyArn: arn }));
    await iam.send(new AttachUserPolicyCommand({ UserName: 'u', PolicyArn: arns[0]! }));
    const err = await errorOf(iam.send(new AttachUserPolicyCommand({ UserName: 'u', PolicyArn: arns[10]! })));
    expect(err).toMatchObject({ name: 'LimitExceeded', status: 409 });
    const listed = await iam.send(new ListAttachedUserPoliciesCommand({ UserName: 'u' }));
    expect(listed.AttachedPolicies).toHaveLength(10);
    expect(listed.IsTruncated).toBe(false);
    const missing = 'arn:aws:iam::123456789012:policy/missing';
    expect((await errorOf(iam.send(new DetachUserPolicyCommand({ UserName: 'u', PolicyArn: missing })))).name).toBe('NoSuchEntity');
  });
});

describe('access keys and STS (documented behaviour)', () => {
  it('2 keys per user, active or inactive; the third is LimitExceeded', async () => {
    const { iam } = clients(sandbox);
    await iam.send(new CreateUserCommand({ UserName: 'u' }));
    const k1 = await iam.send(new CreateAccessKeyCommand({ UserName: 'u' }));
    expect(k1.AccessKey?.AccessKeyId).toMatch(/^AKIA[A-Z2-7]{16}$/);
    expect(k1.AccessKey?.SecretAccessKey).toHaveLength(40);
    await iam.send(new UpdateAccessKeyCommand({ UserName: 'u', AccessKeyId: k1.AccessKey!.AccessKeyId!, Status: 'Inactive' }));
    await iam.send(new CreateAccessKeyCommand({ UserName: 'u' }));
    expect(await errorOf(iam.send(new CreateAccessKeyCommand({ UserName: 'u' })))).toMatchObject({ name: 'LimitExceeded', status: 409 });
    const listed = await iam.send(new ListAccessKeysCommand({ UserName: 'u' }));
    expect(listed.AccessKeyMetadata?.map((k) => k.Status)).toEqual(['Inactive', 'Active']);
    expect(listed.AccessKeyMetadata?.[0]).not.toHaveProperty('SecretAccessKey');
    expect(sandbox.issuedSecrets()).toHaveLength(2);
  });

  it('GetCallerIdentity answers as the key owner; new keys are refused during propagation', async () => {
    sandbox.setPropagationDelay(300);
    const { iam, sts } = clients(sandbox);
    expect(await sts.send(new GetCallerIdentityCommand({}))).toMatchObject({
      Account: '123456789012',
      Arn: 'arn:aws:iam::123456789012:user/sandbox-admin',
    });
    await iam.send(new CreateUserCommand({ UserName: 'u' }));
    const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: 'u' }));
    const asUser = clients(sandbox, { accessKeyId: AccessKey!.AccessKeyId!, secretAccessKey: AccessKey!.SecretAccessKey! });
    expect(await errorOf(asUser.sts.send(new GetCallerIdentityCommand({})))).toMatchObject({ name: 'InvalidClientTokenId', status: 403 });
    const lastUsed = () => iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: AccessKey!.AccessKeyId! }));
    expect((await lastUsed()).AccessKeyLastUsed).toMatchObject({ ServiceName: 'N/A', Region: 'N/A' });
    await new Promise((r) => setTimeout(r, 350));
    const me = await asUser.sts.send(new GetCallerIdentityCommand({}));
    expect(me.Arn).toBe('arn:aws:iam::123456789012:user/u');
    expect((await lastUsed()).AccessKeyLastUsed?.LastUsedDate).toBeInstanceOf(Date);
    // A user key may not call IAM here: AccessDenied names the action.
    const denied = await errorOf(asUser.iam.send(new ListAccessKeysCommand({ UserName: 'u' })));
    expect(denied).toMatchObject({ name: 'AccessDenied', status: 403, message: expect.stringContaining('iam:ListAccessKeys') });
    await iam.send(new UpdateAccessKeyCommand({ UserName: 'u', AccessKeyId: AccessKey!.AccessKeyId!, Status: 'Inactive' }));
    expect((await errorOf(asUser.sts.send(new GetCallerIdentityCommand({})))).name).toBe('InvalidClientTokenId');
  });

  it('unknown keys → InvalidClientTokenId; no Authorization header → MissingAuthenticationToken', async () => {
    const stranger = clients(sandbox, { accessKeyId: 'AKIAUNKNOWN000000000', secretAccessKey: 'x' });
    expect(await errorOf(stranger.sts.send(new GetCallerIdentityCommand({})))).toMatchObject({ name: 'InvalidClientTokenId', status: 403 });
    const res = await fetch(sandbox.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'Action=ListUsers&Version=2010-05-08',
    });
    expect(res.status).toBe(403);
    const body = await res.text();
    expect(body).toMatch(/<ErrorResponse[^>]*><Error><Type>Sender<\/Type><Code>MissingAuthenticationToken<\/Code>/);
    expect(body).toMatch(/<RequestId>[0-9a-f-]{36}<\/RequestId><\/ErrorResponse>/);
    const bad = await fetch(sandbox.url, {
      method: 'POST',
      headers: { authorization: 'AWS4-HMAC-SHA256 nonsense' },
      body: 'Action=GetUser&UserName=x&Version=2010-05-08',
    });
    expect(await bad.text()).toContain('<Code>IncompleteSignature</Code>');
  });
});

describe('fault injection and counting', () => {
  it('counts calls per action, writes vs reads', async () => {
    const { iam } = clients(sandbox);
    await iam.send(new CreateUserCommand({ UserName: 'u' }));
    await iam.send(new GetUserCommand({ UserName: 'u' }));
    await errorOf(iam.send(new GetUserCommand({ UserName: 'x' })));
    expect(sandbox.calls.total).toBe(3);
    expect(sandbox.calls.writes).toBe(1);
    expect(sandbox.calls.reads).toBe(2);
    expect(sandbox.calls.byAction()).toEqual({ CreateUser: 1, GetUser: 2 });
    expect(sandbox.calls.log[2]).toMatchObject({ action: 'GetUser', status: 404, code: 'NoSuchEntity' });
    sandbox.calls.reset();
    expect(sandbox.calls.total).toBe(0);
  });

  it('one-off faults, deny rules and the error rate', async () => {
    const { iam } = clients(sandbox);
    sandbox.injectFault({ action: 'CreateUser', code: 'ServiceFailure' });
    expect(await errorOf(iam.send(new CreateUserCommand({ UserName: 'u' })))).toMatchObject({ name: 'ServiceFailure', status: 500 });
    await iam.send(new CreateUserCommand({ UserName: 'u' }));
    sandbox.deny('iam:DeleteUser');
    expect(await errorOf(iam.send(new DeleteUserCommand({ UserName: 'u' })))).toMatchObject({ name: 'AccessDenied', status: 403 });
    sandbox.allowAll();
    sandbox.setErrorRate(1, ['Throttling']);
    expect(await errorOf(iam.send(new GetUserCommand({ UserName: 'u' })))).toMatchObject({ name: 'Throttling', status: 400 });
    sandbox.setErrorRate(0);
    // The SDK's own retry strategy gets through a throttled call.
    sandbox.injectFault({ action: 'GetUser', code: 'Throttling', times: 2 });
    const retrying = clients(sandbox, sandbox.admin, 3);
    await expect(retrying.iam.send(new GetUserCommand({ UserName: 'u' }))).resolves.toBeDefined();
    expect(sandbox.calls.count('GetUser')).toBe(4);
  });

  it('a state file is shared by servers (one world across processes)', async () => {
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = mkdtempSync(join(tmpdir(), 'creds-iam-'));
    try {
      const stateFile = join(dir, 'iam.json');
      const a = await startIamServer({ stateFile });
      const b = await startIamServer({ stateFile });
      try {
        await clients(a).iam.send(new CreateUserCommand({ UserName: 'shared' }));
        expect((await clients(b).iam.send(new GetUserCommand({ UserName: 'shared' }))).User?.UserName).toBe('shared');
      } finally {
        await a.close();
        await b.close();
      }
      const c = await startIamServer({ stateFile });
      expect(c.state().users.map((u) => u.userName)).toEqual(['shared']);
      await c.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
