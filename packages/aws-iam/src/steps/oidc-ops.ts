import {
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  DetachRolePolicyCommand,
  GetOpenIDConnectProviderCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  type IAMClient,
  ListOpenIDConnectProvidersCommand,
  paginateListAttachedRolePolicies,
  paginateListRolePolicies,
  paginateListRoles,
  type Role,
  type Tag,
  TagRoleCommand,
  UntagRoleCommand,
} from '@aws-sdk/client-iam';
import { AwsError, awsCall, awsList, isNoSuchEntity } from '../errors.js';

// Small IAM operations on roles and OIDC providers, for the oidc steps and front-ends (status).
// "Absent" answers are values (undefined / false), not errors, as in ops.ts.

async function orAbsent<T>(run: () => Promise<T>): Promise<T | undefined> {
  try {
    return await run();
  } catch (error) {
    if (isNoSuchEntity(error)) return undefined;
    throw error;
  }
}

export function getRole(iam: IAMClient, roleName: string): Promise<Role | undefined> {
  return orAbsent(() => awsCall('iam:GetRole', async () => (await iam.send(new GetRoleCommand({ RoleName: roleName }))).Role));
}

/** The role's trust policy as JSON text (IAM answers URL-encoded). */
export function trustPolicyOf(role: Role): string | undefined {
  return role.AssumeRolePolicyDocument === undefined ? undefined : decodeURIComponent(role.AssumeRolePolicyDocument);
}

export async function tagRole(iam: IAMClient, roleName: string, tags: Record<string, string>): Promise<void> {
  const list = Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
  if (list.length > 0) await awsCall('iam:TagRole', () => iam.send(new TagRoleCommand({ RoleName: roleName, Tags: list })));
}

export async function untagRole(iam: IAMClient, roleName: string, keys: string[]): Promise<void> {
  if (keys.length > 0) await awsCall('iam:UntagRole', () => iam.send(new UntagRoleCommand({ RoleName: roleName, TagKeys: keys })));
}

export async function getRoleInlinePolicy(iam: IAMClient, roleName: string, policyName: string): Promise<string | undefined> {
  const out = await orAbsent(() =>
    awsCall('iam:GetRolePolicy', () => iam.send(new GetRolePolicyCommand({ RoleName: roleName, PolicyName: policyName }))),
  );
  return out?.PolicyDocument === undefined ? undefined : decodeURIComponent(out.PolicyDocument);
}

export async function deleteRoleInlinePolicy(iam: IAMClient, roleName: string, policyName: string): Promise<boolean> {
  const done = await orAbsent(() =>
    awsCall('iam:DeleteRolePolicy', () => iam.send(new DeleteRolePolicyCommand({ RoleName: roleName, PolicyName: policyName }))),
  );
  return done !== undefined;
}

export function listRoleInlinePolicyNames(iam: IAMClient, roleName: string): Promise<string[]> {
  return awsList('iam:ListRolePolicies', paginateListRolePolicies({ client: iam }, { RoleName: roleName }), (p) => p.PolicyNames);
}

export async function listRoleAttachedPolicyArns(iam: IAMClient, roleName: string): Promise<string[]> {
  const attached = await awsList(
    'iam:ListAttachedRolePolicies',
    paginateListAttachedRolePolicies({ client: iam }, { RoleName: roleName }),
    (p) => p.AttachedPolicies,
  );
  return attached.map((p) => p.PolicyArn ?? '');
}

export async function detachRolePolicy(iam: IAMClient, roleName: string, policyArn: string): Promise<boolean> {
  const done = await orAbsent(() =>
    awsCall('iam:DetachRolePolicy', () => iam.send(new DetachRolePolicyCommand({ RoleName: roleName, PolicyArn: policyArn }))),
  );
  return done !== undefined;
}

/** Every role of the account (to see which still trust an OIDC provider). */
export function listRoles(iam: IAMClient): Promise<Role[]> {
  return awsList('iam:ListRoles', paginateListRoles({ client: iam }, {}), (p) => p.Roles);
}

export async function listOidcProviderArns(iam: IAMClient): Promise<string[]> {
  const out = await awsCall('iam:ListOpenIDConnectProviders', () => iam.send(new ListOpenIDConnectProvidersCommand({})));
  return (out.OpenIDConnectProviderList ?? []).map((p) => p.Arn ?? '').filter((a) => a !== '');
}

export interface OidcProviderInfo {
  arn: string;
  url: string;
  clientIds: string[];
  thumbprints: string[];
  tags: Tag[];
}

export async function getOidcProvider(iam: IAMClient, arn: string): Promise<OidcProviderInfo | undefined> {
  const out = await orAbsent(() =>
    awsCall('iam:GetOpenIDConnectProvider', () => iam.send(new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn }))),
  );
  if (!out) return undefined;
  return { arn, url: out.Url ?? '', clientIds: out.ClientIDList ?? [], thumbprints: out.ThumbprintList ?? [], tags: out.Tags ?? [] };
}

/** What still blocks deleting a role, for people. */
export async function roleDeleteBlockers(iam: IAMClient, roleName: string): Promise<string[]> {
  const [inline, attached] = await Promise.all([listRoleInlinePolicyNames(iam, roleName), listRoleAttachedPolicyArns(iam, roleName)]);
  return [...inline.map((n) => `inline policy ${n}`), ...attached.map((a) => `managed policy ${a}`)];
}

/** Deletes a role creds owns after removing its inline policies and the listed managed policies. */
export async function deleteOwnedRole(iam: IAMClient, roleName: string, managedPolicyArns: readonly string[] = []): Promise<boolean> {
  for (const name of await listRoleInlinePolicyNames(iam, roleName).catch((e: unknown) => (isNoSuchEntity(e) ? [] : Promise.reject(e)))) {
    await deleteRoleInlinePolicy(iam, roleName, name);
  }
  for (const arn of managedPolicyArns) await detachRolePolicy(iam, roleName, arn);
  try {
    await awsCall('iam:DeleteRole', () => iam.send(new DeleteRoleCommand({ RoleName: roleName })));
    return true;
  } catch (error) {
    if (isNoSuchEntity(error)) return false;
    if (error instanceof AwsError && error.code === 'DELETE_CONFLICT') {
      const blockers = await roleDeleteBlockers(iam, roleName);
      throw new AwsError(`IAM role ${roleName} cannot be deleted: it still has ${blockers.join(', ') || 'something IAM did not name'}`, {
        code: 'DELETE_CONFLICT',
        action: 'iam:DeleteRole',
        awsCode: error.awsCode,
        hint: 'remove those (they were not attached by creds, so creds leaves them), then run again',
        cause: error,
      });
    }
    throw error;
  }
}
