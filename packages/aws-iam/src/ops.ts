import {
  CreateAccessKeyCommand,
  DeleteAccessKeyCommand,
  DeleteUserPolicyCommand,
  DetachUserPolicyCommand,
  GetAccessKeyLastUsedCommand,
  GetLoginProfileCommand,
  GetUserCommand,
  GetUserPolicyCommand,
  type IAMClient,
  paginateListAccessKeys,
  paginateListAttachedUserPolicies,
  paginateListUserPolicies,
  paginateListUserTags,
  type Tag,
  TagUserCommand,
  UntagUserCommand,
  UpdateAccessKeyCommand,
  type User,
} from '@aws-sdk/client-iam';
import { Secret } from '@creds/core';
import { awsCall, awsList, isNoSuchEntity } from './errors.js';

// Small IAM operations shared by the steps and by front-ends (rotation, status). Each maps SDK
// errors to AwsErrors; "absent" answers are values (undefined / false), not errors.

async function orAbsent<T>(run: () => Promise<T>): Promise<T | undefined> {
  try {
    return await run();
  } catch (error) {
    if (isNoSuchEntity(error)) return undefined;
    throw error;
  }
}

export function getUser(iam: IAMClient, userName: string): Promise<User | undefined> {
  return orAbsent(() => awsCall('iam:GetUser', async () => (await iam.send(new GetUserCommand({ UserName: userName }))).User));
}

export function listUserTags(iam: IAMClient, userName: string): Promise<Tag[]> {
  return awsList('iam:ListUserTags', paginateListUserTags({ client: iam }, { UserName: userName }), (p) => p.Tags);
}

export async function tagUser(iam: IAMClient, userName: string, tags: Record<string, string>): Promise<void> {
  const list = Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
  if (list.length > 0) await awsCall('iam:TagUser', () => iam.send(new TagUserCommand({ UserName: userName, Tags: list })));
}

export async function untagUser(iam: IAMClient, userName: string, keys: string[]): Promise<void> {
  if (keys.length > 0) await awsCall('iam:UntagUser', () => iam.send(new UntagUserCommand({ UserName: userName, TagKeys: keys })));
}

export interface AccessKeyInfo {
  accessKeyId: string;
  status: 'Active' | 'Inactive';
  createDate?: Date;
}

export async function listAccessKeys(iam: IAMClient, userName: string): Promise<AccessKeyInfo[]> {
  const keys = await awsList('iam:ListAccessKeys', paginateListAccessKeys({ client: iam }, { UserName: userName }), (p) => p.AccessKeyMetadata);
  return keys.map((k) => ({
    accessKeyId: k.AccessKeyId ?? '',
    status: k.Status === 'Inactive' ? 'Inactive' : 'Active',
    ...(k.CreateDate ? { createDate: k.CreateDate } : {}),
  }));
}

/** Creates a key; the secret comes back wrapped so it cannot be printed by accident. */
export async function createAccessKey(iam: IAMClient, userName: string): Promise<{ accessKeyId: string; secretAccessKey: Secret }> {
  const out = await awsCall('iam:CreateAccessKey', () => iam.send(new CreateAccessKeyCommand({ UserName: userName })));
  return { accessKeyId: out.AccessKey!.AccessKeyId!, secretAccessKey: new Secret(out.AccessKey!.SecretAccessKey!) };
}

export async function setAccessKeyStatus(iam: IAMClient, userName: string, accessKeyId: string, status: 'Active' | 'Inactive'): Promise<void> {
  await awsCall('iam:UpdateAccessKey', () =>
    iam.send(new UpdateAccessKeyCommand({ UserName: userName, AccessKeyId: accessKeyId, Status: status })),
  );
}

/** Deletes a key; false when it was already gone. */
export async function deleteAccessKey(iam: IAMClient, userName: string, accessKeyId: string): Promise<boolean> {
  const done = await orAbsent(() =>
    awsCall('iam:DeleteAccessKey', () => iam.send(new DeleteAccessKeyCommand({ UserName: userName, AccessKeyId: accessKeyId }))),
  );
  return done !== undefined;
}

/** AWS's order for retiring a key: Inactive first (reversible), then delete. False when already gone. */
export async function retireAccessKey(iam: IAMClient, userName: string, accessKeyId: string): Promise<boolean> {
  const found = await orAbsent(() => setAccessKeyStatus(iam, userName, accessKeyId, 'Inactive').then(() => true));
  if (!found) return false;
  return deleteAccessKey(iam, userName, accessKeyId);
}

export async function getAccessKeyLastUsed(
  iam: IAMClient,
  accessKeyId: string,
): Promise<{ lastUsedDate?: Date; serviceName?: string; region?: string } | undefined> {
  const out = await orAbsent(() => awsCall('iam:GetAccessKeyLastUsed', () => iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: accessKeyId }))));
  if (!out) return undefined;
  const used = out.AccessKeyLastUsed;
  return {
    ...(used?.LastUsedDate ? { lastUsedDate: used.LastUsedDate } : {}),
    ...(used?.ServiceName && used.ServiceName !== 'N/A' ? { serviceName: used.ServiceName } : {}),
    ...(used?.Region && used.Region !== 'N/A' ? { region: used.Region } : {}),
  };
}

/** The inline policy's JSON text (decoded from IAM's URL encoding), or undefined. */
export async function getInlinePolicy(iam: IAMClient, userName: string, policyName: string): Promise<string | undefined> {
  const out = await orAbsent(() =>
    awsCall('iam:GetUserPolicy', () => iam.send(new GetUserPolicyCommand({ UserName: userName, PolicyName: policyName }))),
  );
  return out?.PolicyDocument === undefined ? undefined : decodeURIComponent(out.PolicyDocument);
}

export async function deleteInlinePolicy(iam: IAMClient, userName: string, policyName: string): Promise<boolean> {
  const done = await orAbsent(() =>
    awsCall('iam:DeleteUserPolicy', () => iam.send(new DeleteUserPolicyCommand({ UserName: userName, PolicyName: policyName }))),
  );
  return done !== undefined;
}

export function listInlinePolicyNames(iam: IAMClient, userName: string): Promise<string[]> {
  return awsList('iam:ListUserPolicies', paginateListUserPolicies({ client: iam }, { UserName: userName }), (p) => p.PolicyNames);
}

export async function listAttachedPolicyArns(iam: IAMClient, userName: string): Promise<string[]> {
  const attached = await awsList(
    'iam:ListAttachedUserPolicies',
    paginateListAttachedUserPolicies({ client: iam }, { UserName: userName }),
    (p) => p.AttachedPolicies,
  );
  return attached.map((p) => p.PolicyArn ?? '');
}

export async function detachPolicy(iam: IAMClient, userName: string, policyArn: string): Promise<boolean> {
  const done = await orAbsent(() =>
    awsCall('iam:DetachUserPolicy', () => iam.send(new DetachUserPolicyCommand({ UserName: userName, PolicyArn: policyArn }))),
  );
  return done !== undefined;
}

/** What still blocks deleting a user, for people: `access key AKIA…`, `managed policy arn:…`. */
export async function deleteBlockers(iam: IAMClient, userName: string): Promise<string[]> {
  const [keys, inline, attached, login] = await Promise.all([
    listAccessKeys(iam, userName),
    listInlinePolicyNames(iam, userName),
    listAttachedPolicyArns(iam, userName),
    orAbsent(() => awsCall('iam:GetLoginProfile', () => iam.send(new GetLoginProfileCommand({ UserName: userName })))),
  ]);
  return [
    ...keys.map((k) => `access key ${k.accessKeyId}`),
    ...inline.map((n) => `inline policy ${n}`),
    ...attached.map((a) => `managed policy ${a}`),
    ...(login ? ['a console password (login profile)'] : []),
  ];
}
