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
import { GITHUB_OIDC_ISSUER, issuerHost } from '../trust-policy.js';

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

/** The account's OIDC provider for `issuer` (default GitHub's), with its tags; undefined when there is none. */
export async function findOidcProvider(iam: IAMClient, issuer: string = GITHUB_OIDC_ISSUER): Promise<OidcProviderInfo | undefined> {
  const arn = (await listOidcProviderArns(iam)).find((a) => a.endsWith(`:oidc-provider/${issuerHost(issuer)}`));
  return arn ? getOidcProvider(iam, arn) : undefined;
}

/** The roles of the account whose trust policy names `providerArn` (every page of ListRoles read). */
export async function rolesTrusting(iam: IAMClient, providerArn: string): Promise<string[]> {
  return (await listRoles(iam)).filter((r) => trustPolicyOf(r)?.includes(providerArn)).map((r) => r.RoleName ?? '');
}

/**
 * The `sub` patterns a trust policy admits: the values of every `ISSUER_HOST:sub` condition
 * (StringEquals or StringLike) of its Allow statements, sorted. Text that is not a policy admits none.
 */
export function trustedSubjects(document: string | undefined, issuer: string = GITHUB_OIDC_ISSUER): string[] {
  const key = `${issuerHost(issuer)}:sub`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(document ?? '');
  } catch {
    return [];
  }
  const statements = (parsed as { Statement?: unknown }).Statement;
  const found = new Set<string>();
  for (const statement of Array.isArray(statements) ? statements : [statements]) {
    const { Effect, Condition } = (statement ?? {}) as { Effect?: unknown; Condition?: Record<string, Record<string, unknown>> };
    if (Effect !== 'Allow' || !Condition) continue;
    for (const operator of Object.values(Condition)) {
      const value = operator?.[key];
      for (const v of Array.isArray(value) ? value : value === undefined ? [] : [value]) found.add(String(v));
    }
  }
  return [...found].sort();
}
