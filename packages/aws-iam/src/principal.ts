import {
  AttachRolePolicyCommand,
  AttachUserPolicyCommand,
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  DeleteUserCommand,
  DeleteUserPolicyCommand,
  DetachRolePolicyCommand,
  DetachUserPolicyCommand,
  GetLoginProfileCommand,
  GetRolePolicyCommand,
  GetUserPolicyCommand,
  type IAMClient,
  paginateListAttachedRolePolicies,
  paginateListAttachedUserPolicies,
  paginateListRolePolicies,
  paginateListUserPolicies,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
  type Tag,
  TagRoleCommand,
  TagUserCommand,
  UntagRoleCommand,
  UntagUserCommand,
} from '@aws-sdk/client-iam';
import { CredsError, type Logger } from '@creds/core';
import type { AwsEnv } from './env.js';
import { AwsError, awsCall, awsList, isNoSuchEntity, orAbsent } from './errors.js';
import { listAccessKeys, retireAccessKey } from './ops.js';
import { type OwnerId, ownershipOf, TAGS } from './ownership.js';

// IAM users and roles carry tags, inline policies and managed-policy attachments through twin
// actions (TagUser / TagRole, PutUserPolicy / PutRolePolicy, …). The operations below are written
// once over a Principal; only the choice of SDK command depends on its kind.

/** An IAM user or role, by name. */
export interface Principal {
  readonly kind: 'user' | 'role';
  readonly name: string;
}

export const iamUser = (name: string): Principal => ({ kind: 'user', name });
export const iamRole = (name: string): Principal => ({ kind: 'role', name });

/** `user ci-deployer`, `role gh-demo`: for messages. */
export const describePrincipal = (p: Principal): string => `${p.kind} ${p.name}`;

const isUser = (p: Principal) => p.kind === 'user';

export async function tagPrincipal(iam: IAMClient, p: Principal, tags: Record<string, string>): Promise<void> {
  const Tags = Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
  if (Tags.length === 0) return;
  await (isUser(p)
    ? awsCall('iam:TagUser', () => iam.send(new TagUserCommand({ UserName: p.name, Tags })))
    : awsCall('iam:TagRole', () => iam.send(new TagRoleCommand({ RoleName: p.name, Tags }))));
}

export async function untagPrincipal(iam: IAMClient, p: Principal, keys: readonly string[]): Promise<void> {
  if (keys.length === 0) return;
  const TagKeys = [...keys];
  await (isUser(p)
    ? awsCall('iam:UntagUser', () => iam.send(new UntagUserCommand({ UserName: p.name, TagKeys })))
    : awsCall('iam:UntagRole', () => iam.send(new UntagRoleCommand({ RoleName: p.name, TagKeys }))));
}

/**
 * The tags to set so that `desired` holds (keys compare without case, as IAM's do), and with
 * `prune` the tags to remove that are neither desired nor creds' own.
 */
export function planTags(existing: readonly Tag[], desired: Record<string, string>, prune = false): { set: Record<string, string>; remove: string[] } {
  const byLower = new Map(existing.map((t) => [t.Key!.toLowerCase(), t]));
  const set: Record<string, string> = {};
  for (const [key, value] of Object.entries(desired)) {
    const have = byLower.get(key.toLowerCase());
    if (!have || have.Value !== value || have.Key !== key) set[key] = value;
  }
  const wanted = new Set(Object.keys(desired).map((k) => k.toLowerCase()));
  const remove = prune
    ? existing.map((t) => t.Key!).filter((k) => !wanted.has(k.toLowerCase()) && !k.toLowerCase().startsWith('creds:'))
    : [];
  return { set, remove };
}

/** The inline policy's JSON text (decoded from IAM's URL encoding), or undefined. */
export async function getInlinePolicy(iam: IAMClient, p: Principal, policyName: string): Promise<string | undefined> {
  const input = { PolicyName: policyName };
  const out = await orAbsent<{ PolicyDocument?: string | undefined }>(() =>
    isUser(p)
      ? awsCall('iam:GetUserPolicy', () => iam.send(new GetUserPolicyCommand({ ...input, UserName: p.name })))
      : awsCall('iam:GetRolePolicy', () => iam.send(new GetRolePolicyCommand({ ...input, RoleName: p.name }))),
  );
  return out?.PolicyDocument === undefined ? undefined : decodeURIComponent(out.PolicyDocument);
}

export async function putInlinePolicy(iam: IAMClient, p: Principal, policyName: string, document: string): Promise<void> {
  const input = { PolicyName: policyName, PolicyDocument: document };
  await (isUser(p)
    ? awsCall('iam:PutUserPolicy', () => iam.send(new PutUserPolicyCommand({ ...input, UserName: p.name })))
    : awsCall('iam:PutRolePolicy', () => iam.send(new PutRolePolicyCommand({ ...input, RoleName: p.name }))));
}

/** Deletes an inline policy; false when it (or the principal) was already gone. */
export async function deleteInlinePolicy(iam: IAMClient, p: Principal, policyName: string): Promise<boolean> {
  const input = { PolicyName: policyName };
  const done = await orAbsent<unknown>(() =>
    isUser(p)
      ? awsCall('iam:DeleteUserPolicy', () => iam.send(new DeleteUserPolicyCommand({ ...input, UserName: p.name })))
      : awsCall('iam:DeleteRolePolicy', () => iam.send(new DeleteRolePolicyCommand({ ...input, RoleName: p.name }))),
  );
  return done !== undefined;
}

export function listInlinePolicyNames(iam: IAMClient, p: Principal): Promise<string[]> {
  return isUser(p)
    ? awsList('iam:ListUserPolicies', paginateListUserPolicies({ client: iam }, { UserName: p.name }), (page) => page.PolicyNames)
    : awsList('iam:ListRolePolicies', paginateListRolePolicies({ client: iam }, { RoleName: p.name }), (page) => page.PolicyNames);
}

export async function listAttachedPolicyArns(iam: IAMClient, p: Principal): Promise<string[]> {
  const attached = isUser(p)
    ? await awsList('iam:ListAttachedUserPolicies', paginateListAttachedUserPolicies({ client: iam }, { UserName: p.name }), (page) => page.AttachedPolicies)
    : await awsList('iam:ListAttachedRolePolicies', paginateListAttachedRolePolicies({ client: iam }, { RoleName: p.name }), (page) => page.AttachedPolicies);
  return attached.map((a) => a.PolicyArn ?? '');
}

export async function attachPolicy(iam: IAMClient, p: Principal, policyArn: string): Promise<void> {
  const input = { PolicyArn: policyArn };
  await (isUser(p)
    ? awsCall('iam:AttachUserPolicy', () => iam.send(new AttachUserPolicyCommand({ ...input, UserName: p.name })))
    : awsCall('iam:AttachRolePolicy', () => iam.send(new AttachRolePolicyCommand({ ...input, RoleName: p.name }))));
}

/** Detaches a managed policy; false when it was not attached (or the principal is gone). */
export async function detachPolicy(iam: IAMClient, p: Principal, policyArn: string): Promise<boolean> {
  const input = { PolicyArn: policyArn };
  const done = await orAbsent<unknown>(() =>
    isUser(p)
      ? awsCall('iam:DetachUserPolicy', () => iam.send(new DetachUserPolicyCommand({ ...input, UserName: p.name })))
      : awsCall('iam:DetachRolePolicy', () => iam.send(new DetachRolePolicyCommand({ ...input, RoleName: p.name }))),
  );
  return done !== undefined;
}

/** Refuses a set of attachments over IAM's quota of managed policies per user or role. */
export function checkPolicyQuota(p: Principal, count: number, max: number, quotaOption: string): void {
  if (count <= max) return;
  throw new CredsError(`${describePrincipal(p)} would have ${count} managed policies; IAM allows ${max} per ${p.kind}`, {
    code: 'LIMIT_EXCEEDED',
    hint: `attach fewer policies (combine them into one), or ask AWS to raise the quota and set ${quotaOption}`,
  });
}

/**
 * Attaches managed policies one by one. When one fails, those this call attached are detached
 * again and `cleanup` runs, so nothing is left that no journal entry records.
 */
export async function attachPolicies(iam: IAMClient, p: Principal, policyArns: readonly string[], cleanup?: () => Promise<unknown>): Promise<string[]> {
  const attached: string[] = [];
  for (const arn of policyArns) {
    try {
      await attachPolicy(iam, p, arn);
      attached.push(arn);
    } catch (error) {
      for (const done of attached) await detachPolicy(iam, p, done).catch(() => undefined);
      await cleanup?.().catch(() => undefined);
      if (isNoSuchEntity(error)) {
        throw new CredsError(`managed policy ${arn} does not exist (or is not attachable)`, {
          code: 'NO_SUCH_ENTITY',
          hint: 'check the ARN: the account id, the path and the policy name',
          cause: error,
        });
      }
      throw error;
    }
  }
  return attached;
}

/** What still blocks deleting a principal, for people: `access key AKIA…`, `managed policy arn:…`. */
export async function deleteBlockers(iam: IAMClient, p: Principal): Promise<string[]> {
  const [keys, inline, attached, login] = await Promise.all([
    isUser(p) ? listAccessKeys(iam, p.name) : [],
    listInlinePolicyNames(iam, p),
    listAttachedPolicyArns(iam, p),
    isUser(p) ? orAbsent(() => awsCall('iam:GetLoginProfile', () => iam.send(new GetLoginProfileCommand({ UserName: p.name })))) : undefined,
  ]);
  return [
    ...keys.map((k) => `access key ${k.accessKeyId}`),
    ...inline.map((n) => `inline policy ${n}`),
    ...attached.map((a) => `managed policy ${a}`),
    ...(login ? ['a console password (login profile)'] : []),
  ];
}

/**
 * Deletes a principal creds owns after clearing what creds puts on it: a user's access keys, the
 * inline policies, and the listed managed policies (others stay attached, so IAM refuses the delete
 * and the error names them). False when it was already gone.
 */
export async function deleteOwnedPrincipal(iam: IAMClient, p: Principal, managedPolicyArns: readonly string[] = []): Promise<boolean> {
  const orNone = (error: unknown) => (isNoSuchEntity(error) ? [] : Promise.reject(error));
  if (isUser(p)) for (const key of await listAccessKeys(iam, p.name).catch(orNone)) await retireAccessKey(iam, p.name, key.accessKeyId);
  for (const name of await listInlinePolicyNames(iam, p).catch(orNone)) await deleteInlinePolicy(iam, p, name);
  for (const arn of managedPolicyArns) await detachPolicy(iam, p, arn);
  try {
    await (isUser(p)
      ? awsCall('iam:DeleteUser', () => iam.send(new DeleteUserCommand({ UserName: p.name })))
      : awsCall('iam:DeleteRole', () => iam.send(new DeleteRoleCommand({ RoleName: p.name }))));
    return true;
  } catch (error) {
    if (isNoSuchEntity(error)) return false;
    if (error instanceof AwsError && error.code === 'DELETE_CONFLICT') {
      const blockers = await deleteBlockers(iam, p);
      throw new AwsError(`IAM ${describePrincipal(p)} cannot be deleted: it still has ${blockers.join(', ') || 'something IAM did not name'}`, {
        code: 'DELETE_CONFLICT',
        action: error.action,
        awsCode: error.awsCode,
        hint: 'remove those (creds did not make them, so it leaves them), then run again',
        cause: error,
      });
    }
    throw error;
  }
}

/**
 * The undo of a step that made or adopted a principal: one creds made is deleted (after
 * `managedPolicyArns` are detached); an adopted one gets back what `restoreAdopted` restores and
 * loses creds' tags; one creds does not own for `owner` is left alone.
 */
export async function releasePrincipal(
  ctx: { env: AwsEnv; logger: Logger },
  p: Principal,
  tags: readonly Tag[] | undefined,
  owner: OwnerId | string,
  options: { managedPolicyArns?: readonly string[] | undefined; restoreAdopted?: () => Promise<unknown> } = {},
): Promise<void> {
  const { iam } = ctx.env.aws;
  const ownership = ownershipOf(tags, owner);
  if (ownership === 'foreign' || ownership === 'other-target') {
    ctx.logger.warn({ [p.kind]: p.name }, `the ${p.kind} is not owned by creds for this target; left alone`);
    return;
  }
  if (ownership === 'adopted') {
    await options.restoreAdopted?.();
    await untagPrincipal(iam, p, Object.values(TAGS));
    return;
  }
  await deleteOwnedPrincipal(iam, p, options.managedPolicyArns);
}
