import type { Step, StepContext } from '@creds/core';
import type { AwsEnv } from '../env.js';
import { getUser } from '../ops.js';
import { attachPolicies, checkPolicyQuota, detachPolicy, iamUser, listAttachedPolicyArns } from '../principal.js';
import { MAX_MANAGED_POLICIES, validateAll, validatePolicyArn, validateUserName } from '../validate.js';

export interface ManagedPoliciesStepOptions {
  /** Step id (default `iam-managed-policies`). */
  id?: string;
  dependsOn?: readonly string[];
  userName: string;
  policyArns: readonly string[];
  /** The account's quota of managed policies per user (default 10; AWS can raise it to 20). */
  maxPerUser?: number;
  /** The user was made by this run, so none is attached yet: nothing to read first. */
  userMade?: (ctx: StepContext) => boolean;
}

export interface ManagedPoliciesOutput {
  userName: string;
  /** Attached by this apply: the only ones undo detaches. */
  attached: string[];
  /** Were attached already (by an earlier run or by someone else): left alone by undo. */
  alreadyAttached: string[];
}

/** Attaches only the missing managed policies and records which; undo detaches only those. */
export function managedPoliciesStep<Env extends AwsEnv = AwsEnv>(opts: ManagedPoliciesStepOptions): Step<Env, ManagedPoliciesOutput> {
  const arns = [...new Set(opts.policyArns)];
  const max = opts.maxPerUser ?? MAX_MANAGED_POLICIES;
  const user = iamUser(opts.userName);
  validateAll([() => validateUserName(opts.userName), ...arns.map((arn, i) => () => validatePolicyArn(arn, `policyArns[${i}]`))]);

  async function missing(env: AwsEnv): Promise<{ current: string[]; toAttach: string[] }> {
    const current = (await getUser(env.aws.iam, opts.userName)) ? await listAttachedPolicyArns(env.aws.iam, user) : [];
    return { current, toAttach: arns.filter((a) => !current.includes(a)) };
  }

  return {
    id: opts.id ?? 'iam-managed-policies',
    title: `Managed policies on ${opts.userName}`,
    ...(opts.dependsOn ? { dependsOn: opts.dependsOn } : {}),

    async apply(ctx) {
      const { iam } = ctx.env.aws;
      const current = opts.userMade?.(ctx) ? [] : await listAttachedPolicyArns(iam, user);
      const toAttach = arns.filter((a) => !current.includes(a));
      checkPolicyQuota(user, current.length + toAttach.length, max, 'maxPerUser');
      const attached = await attachPolicies(iam, user, toAttach);
      return { userName: opts.userName, attached, alreadyAttached: arns.filter((a) => current.includes(a)) };
    },

    async undo(ctx, output) {
      if (!output) {
        ctx.logger.warn({ user: opts.userName }, 'no record of which managed policies this run attached; none detached');
        return;
      }
      if (output.attached.length === 0) ctx.unchanged(`this run attached no managed policy to ${output.userName}`);
      for (const arn of output.attached) await detachPolicy(ctx.env.aws.iam, iamUser(output.userName), arn);
    },

    async check(ctx) {
      const { toAttach } = await missing(ctx.env);
      if (toAttach.length === 0) return { inSync: true };
      return {
        inSync: false,
        changes: toAttach.map((arn) => ({ action: 'create' as const, resource: `attachment of ${arn} to ${opts.userName}` })),
      };
    },
  };
}
