import {
  CreateAccessKeyCommand,
  DeleteAccessKeyCommand,
  GetAccessKeyLastUsedCommand,
  GetUserCommand,
  type IAMClient,
  paginateListAccessKeys,
  paginateListUserTags,
  type Tag,
  UpdateAccessKeyCommand,
  type User,
} from '@aws-sdk/client-iam';
import { Secret } from '@creds/core';
import { awsCall, awsList, orAbsent } from './errors.js';

// Small IAM operations shared by the steps and by front-ends (rotation, status). Each maps SDK
// errors to AwsErrors; "absent" answers are values (undefined / false), not errors.

export function getUser(iam: IAMClient, userName: string): Promise<User | undefined> {
  return orAbsent(() => awsCall('iam:GetUser', async () => (await iam.send(new GetUserCommand({ UserName: userName }))).User));
}

export function listUserTags(iam: IAMClient, userName: string): Promise<Tag[]> {
  return awsList('iam:ListUserTags', paginateListUserTags({ client: iam }, { UserName: userName }), (p) => p.Tags);
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
export async function createAccessKey(iam: IAMClient, userName: string): Promise<{ accessKeyId: string; secretAccessKey: Secret; createDate?: Date }> {
  const out = await awsCall('iam:CreateAccessKey', () => iam.send(new CreateAccessKeyCommand({ UserName: userName })));
  const made = out.AccessKey!;
  return { accessKeyId: made.AccessKeyId!, secretAccessKey: new Secret(made.SecretAccessKey!), ...(made.CreateDate ? { createDate: made.CreateDate } : {}) };
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
