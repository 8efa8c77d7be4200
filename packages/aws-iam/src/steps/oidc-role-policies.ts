import type { Change, Step } from '@creds/core';
import type { AwsEnv } from '../env.js';
import {
  attachPolicies,
  checkPolicyQuota,
  deleteInlinePolicy,
  detachPolicy,
  getInlinePolicy,
  iamRole,
  listAttachedPolicyArns,
  putInlinePolicy,
} from '../principal.js';
import { validateRoleName } from '../trust-policy.js';
import { MAX_MANAGED_POLICIES, validateAll, validatePolicyArn, validatePolicyDocument, validatePolicyName } from '../validate.js';
import { getRole } from './oidc-ops.js';
import { canonicalPolicy } from '../policy-document.js';

/** IAM's quota for all inline policies of one role together (whitespace not counted). */
export const MAX_ROLE_INLINE_POLICY_CHARS = 10240;

export interface RolePoliciesStepOptions {
  /** Step id (default `oidc-role-policies`). */
  id?: string;
  dependsOn?: readonly string[];
  roleName: string;
  /** The inline policy (the key route's `iam.policy`), as JSON text or an object. */
  policy?: string | object;
  /** Default `iam-role-{roleName}-inline-policy`. */
  policyName?: string;
  managedPolicyArns?: readonly string[];
  /** The account's quota of managed policies per role (default 10; AWS can raise it to 20). */
  maxPerRole?: number;
}

export interface RolePoliciesOutput {
  roleName: string;
  policyName?: string;
  /** Whether this apply wrote the inline policy. */
  inlineWritten: boolean;
  /** Attached by this apply: the only ones undo detaches. */
  attached: string[];
  alreadyAttached: string[];
}

export function defaultRolePolicyName(roleName: string): string {
  return `iam-role-${roleName}-inline-policy`;
}

/**
 * The role's permissions: one inline policy (written only when it differs) and the managed
 * policies (only the missing ones attached, and recorded). Undo deletes the inline policy and
 * detaches only what this apply attached.
 */
export function rolePoliciesStep<Env extends AwsEnv = AwsEnv>(opts: RolePoliciesStepOptions): Step<Env, RolePoliciesOutput> {
  const arns = [...new Set(opts.managedPolicyArns ?? [])];
  const policyName = opts.policy === undefined ? undefined : (opts.policyName ?? defaultRolePolicyName(opts.roleName));
  const max = opts.maxPerRole ?? MAX_MANAGED_POLICIES;
  let document: string | undefined;
  validateAll([
    () => validateRoleName(opts.roleName),
    () => policyName !== undefined && validatePolicyName(policyName),
    () => {
      if (opts.policy !== undefined) document = validatePolicyDocument(opts.policy, 'policy', MAX_ROLE_INLINE_POLICY_CHARS);
    },
    ...arns.map((arn, i) => () => validatePolicyArn(arn, `managedPolicyArns[${i}]`)),
  ]);
  const role = iamRole(opts.roleName);
  const on = `role ${opts.roleName}`;

  async function plan(env: AwsEnv) {
    const { iam } = env.aws;
    const exists = (await getRole(iam, opts.roleName)) !== undefined;
    const current = exists && policyName ? await getInlinePolicy(iam, role, policyName) : undefined;
    const attachedNow = exists ? await listAttachedPolicyArns(iam, role) : [];
    return {
      writeInline: document !== undefined && (current === undefined || canonicalPolicy(current) !== canonicalPolicy(document)),
      inlineExisted: current !== undefined,
      attachedNow,
      toAttach: arns.filter((a) => !attachedNow.includes(a)),
    };
  }

  return {
    id: opts.id ?? 'oidc-role-policies',
    title: `Policies of IAM role ${opts.roleName}`,
    ...(opts.dependsOn ? { dependsOn: opts.dependsOn } : {}),

    async apply(ctx) {
      const { iam } = ctx.env.aws;
      const p = await plan(ctx.env);
      checkPolicyQuota(role, p.attachedNow.length + p.toAttach.length, max, 'maxPerRole');
      if (p.writeInline && policyName && document !== undefined) await putInlinePolicy(iam, role, policyName, document);
      // A failed attachment also takes back an inline policy this apply created.
      const attached = await attachPolicies(iam, role, p.toAttach, async () => {
        if (p.writeInline && !p.inlineExisted && policyName) await deleteInlinePolicy(iam, role, policyName);
      });
      return {
        roleName: opts.roleName,
        ...(policyName ? { policyName } : {}),
        inlineWritten: p.writeInline,
        attached,
        alreadyAttached: arns.filter((a) => p.attachedNow.includes(a)),
      };
    },

    async undo(ctx, output) {
      const { iam } = ctx.env.aws;
      if (policyName) await deleteInlinePolicy(iam, role, policyName);
      if (!output) {
        ctx.logger.warn({ role: opts.roleName }, 'no record of which managed policies this run attached; none detached');
        return;
      }
      for (const arn of output.attached) await detachPolicy(iam, role, arn);
    },

    async check(ctx) {
      const p = await plan(ctx.env);
      const changes: Change[] = [];
      if (p.writeInline) {
        changes.push({
          action: p.inlineExisted ? 'update' : 'create',
          resource: `inline policy ${policyName} on ${on}`,
          ...(p.inlineExisted ? { detail: 'the document differs from the configuration' } : {}),
        });
      }
      for (const arn of p.toAttach) changes.push({ action: 'create', resource: `attachment of ${arn} to ${on}` });
      return changes.length === 0 ? { inSync: true } : { inSync: false, changes };
    },
  };
}
