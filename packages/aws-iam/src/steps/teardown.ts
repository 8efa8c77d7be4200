import { CredsError, type Step } from '@creds/core';
import type { AwsEnv } from '../env.js';
import { getUser, listAccessKeys, retireAccessKey } from '../ops.js';
import { ownershipOf, TAGS } from '../ownership.js';
import { deleteInlinePolicy, deleteOwnedPrincipal, detachPolicy, iamUser, untagPrincipal } from '../principal.js';
import { validateAll, validatePolicyArn, validatePolicyName, validateUserName } from '../validate.js';

// Teardown as steps whose apply removes things (s22–s24 of the Python original). They have no undo:
// a deleted key's secret cannot come back.

export interface DeleteAccessKeysStepOptions {
  id?: string;
  dependsOn?: readonly string[];
  userName: string;
  target: string;
  /** The target's scope (see iamUserStep): a user another target's creds made is not this one's. */
  scope?: string;
  storeName: string;
}

/**
 * Deletes every key creds owns on the user — all of them on a user creds created; on an adopted
 * user only the stored one — then the store entry. (The original deleted only the first key.)
 */
export function deleteAccessKeysStep<Env extends AwsEnv = AwsEnv>(opts: DeleteAccessKeysStepOptions): Step<Env, { deleted: string[] }> {
  validateAll([() => validateUserName(opts.userName)]);
  return {
    id: opts.id ?? 'iam-delete-access-keys',
    title: `Delete the access keys of ${opts.userName}`,
    ...(opts.dependsOn ? { dependsOn: opts.dependsOn } : {}),
    async apply(ctx) {
      const { iam } = ctx.env.aws;
      const stored = await ctx.env.store.get(opts.storeName);
      const user = await getUser(iam, opts.userName);
      const deleted: string[] = [];
      if (user) {
        const ownership = ownershipOf(user.Tags, opts);
        const keys = await listAccessKeys(iam, opts.userName);
        const ours = keys.filter((k) => ownership === 'owned' || k.accessKeyId === stored?.accessKeyId);
        for (const key of ours) if (await retireAccessKey(iam, opts.userName, key.accessKeyId)) deleted.push(key.accessKeyId);
        if (ownership !== 'owned' && keys.length > ours.length) {
          ctx.logger.warn({ user: opts.userName }, 'keys not made by creds were left on the user');
        }
      }
      if (stored) await ctx.env.store.delete(opts.storeName);
      return { deleted };
    },
  };
}

export interface DeletePoliciesStepOptions {
  id?: string;
  dependsOn?: readonly string[];
  userName: string;
  /** The inline policy to delete (see defaultInlinePolicyName). */
  policyName?: string;
  /** Managed policies creds attached (from the journal or the configuration); others stay attached. */
  policyArns?: readonly string[];
}

/** Deletes the inline policy and detaches only the listed managed policies. */
export function deletePoliciesStep<Env extends AwsEnv = AwsEnv>(opts: DeletePoliciesStepOptions): Step<Env, { deletedInline: boolean; detached: string[] }> {
  validateAll([
    () => validateUserName(opts.userName),
    () => opts.policyName !== undefined && validatePolicyName(opts.policyName),
    ...(opts.policyArns ?? []).map((arn, i) => () => validatePolicyArn(arn, `policyArns[${i}]`)),
  ]);
  return {
    id: opts.id ?? 'iam-delete-policies',
    title: `Delete the policies of ${opts.userName}`,
    ...(opts.dependsOn ? { dependsOn: opts.dependsOn } : {}),
    async apply(ctx) {
      const { iam } = ctx.env.aws;
      const deletedInline = opts.policyName ? await deleteInlinePolicy(iam, iamUser(opts.userName), opts.policyName) : false;
      const detached: string[] = [];
      for (const arn of opts.policyArns ?? []) if (await detachPolicy(iam, iamUser(opts.userName), arn)) detached.push(arn);
      return { deletedInline, detached };
    },
  };
}

export interface DeleteUserStepOptions {
  id?: string;
  dependsOn?: readonly string[];
  userName: string;
  target: string;
  /** The target's scope (see iamUserStep). */
  scope?: string;
  /** Delete it even though creds does not own it (`--force`). */
  force?: boolean;
}

/**
 * Deletes the user if creds created it (an adopted user only loses creds' tags); a user creds does
 * not own is refused unless `force`. On DeleteConflict the error names what still blocks it.
 */
export function deleteUserStep<Env extends AwsEnv = AwsEnv>(opts: DeleteUserStepOptions): Step<Env, { deleted: boolean; untagged: boolean }> {
  validateAll([() => validateUserName(opts.userName)]);
  return {
    id: opts.id ?? 'iam-delete-user',
    title: `Delete IAM user ${opts.userName}`,
    ...(opts.dependsOn ? { dependsOn: opts.dependsOn } : {}),
    async apply(ctx) {
      const { iam } = ctx.env.aws;
      const user = await getUser(iam, opts.userName);
      if (!user) return { deleted: false, untagged: false };
      const ownership = ownershipOf(user.Tags, opts);
      if (ownership === 'adopted' && !opts.force) {
        await untagPrincipal(iam, iamUser(opts.userName), Object.values(TAGS));
        return { deleted: false, untagged: true };
      }
      if ((ownership === 'foreign' || ownership === 'other-target') && !opts.force) {
        throw new CredsError(`IAM user ${opts.userName} was not created by creds for target ${opts.target}; not deleting it`, {
          code: 'NOT_OWNED',
          hint: 'delete it yourself, or pass force: true (--force) if it really should go',
        });
      }
      return { deleted: await deleteOwnedPrincipal(iam, iamUser(opts.userName)), untagged: false };
    },
  };
}
