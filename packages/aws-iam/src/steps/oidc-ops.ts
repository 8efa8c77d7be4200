import {
  GetOpenIDConnectProviderCommand,
  GetRoleCommand,
  type IAMClient,
  ListOpenIDConnectProvidersCommand,
  paginateListRoles,
  type Role,
  type Tag,
} from '@aws-sdk/client-iam';
import { awsCall, awsList, orAbsent } from '../errors.js';

// Small IAM operations on roles and OIDC providers, for the oidc steps and front-ends (status).
// Tags, policies and deletion are shared with users (principal.ts). "Absent" answers are values.

export function getRole(iam: IAMClient, roleName: string): Promise<Role | undefined> {
  return orAbsent(() => awsCall('iam:GetRole', async () => (await iam.send(new GetRoleCommand({ RoleName: roleName }))).Role));
}

/** The role's trust policy as JSON text (IAM answers URL-encoded). */
export function trustPolicyOf(role: Role): string | undefined {
  return role.AssumeRolePolicyDocument === undefined ? undefined : decodeURIComponent(role.AssumeRolePolicyDocument);
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
