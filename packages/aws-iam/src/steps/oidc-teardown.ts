import { DeleteOpenIDConnectProviderCommand, UpdateAssumeRolePolicyCommand } from '@aws-sdk/client-iam';
import type { Step } from '@creds/core';
import type { AwsEnv } from '../env.js';
import { awsCall, isNoSuchEntity } from '../errors.js';
import { ownershipOf } from '../ownership.js';
import { deleteInlinePolicy, detachPolicy, iamRole, releasePrincipal } from '../principal.js';
import { GITHUB_OIDC_ISSUER, issuerHost, validateRoleName } from '../trust-policy.js';
import { validateAll, validatePolicyArn, validatePolicyName } from '../validate.js';
import { findOidcProvider, getRole, rolesTrusting } from './oidc-ops.js';
import { validateScope, validateTarget } from './user.js';

// The keyless route's teardown: the role (with what creds put on it), then the OIDC provider when
// creds made it and no other role trusts it. Like the key route's teardown steps, they have no undo.

export interface DeleteOidcRoleStepOptions {
  /** Step id (default `oidc-delete-role`). */
  id?: string;
  dependsOn?: readonly string[];
  roleName: string;
  /** Whom creds manages the role for (its `creds:target` and `creds:scope` tags). */
  target: string;
  scope?: string;
  /** The inline policy creds wrote on the role. */
  inlinePolicyName?: string;
  /** The managed policies creds attached (from the journal). */
  managedPolicyArns?: readonly string[];
  /** The trust policy an adopted role had before creds replaced it (from the journal): put back. */
  replacedTrustPolicy?: string;
}

export interface DeleteOidcRoleOutput {
  roleName: string;
  /** `deleted`: creds made it and it is gone; `released`: an adopted role, given back; `absent`: nothing to do. */
  result: 'deleted' | 'released' | 'absent' | 'not-owned';
}

/**
 * Removes the role creds made for a target: its inline policies, the managed policies creds
 * attached, then the role. An adopted role is given back instead: its earlier trust policy is put
 * back, creds' policy and attachments and tags come off. A role creds does not own is left alone.
 */
export function deleteOidcRoleStep<Env extends AwsEnv = AwsEnv>(opts: DeleteOidcRoleStepOptions): Step<Env, DeleteOidcRoleOutput> {
  const arns = [...new Set(opts.managedPolicyArns ?? [])];
  validateAll([
    () => validateRoleName(opts.roleName),
    () => validateTarget(opts.target),
    () => opts.scope !== undefined && validateScope(opts.scope),
    () => opts.inlinePolicyName !== undefined && validatePolicyName(opts.inlinePolicyName),
    ...arns.map((arn, i) => () => validatePolicyArn(arn, `managedPolicyArns[${i}]`)),
  ]);
  const role = iamRole(opts.roleName);
  const resource = `IAM role ${opts.roleName}`;
  return {
    id: opts.id ?? 'oidc-delete-role',
    title: `Delete ${resource} and its policies`,
    ...(opts.dependsOn ? { dependsOn: opts.dependsOn } : {}),

    async apply(ctx) {
      const { iam } = ctx.env.aws;
      const found = await getRole(iam, opts.roleName);
      if (!found) return { roleName: opts.roleName, result: 'absent' };
      const ownership = ownershipOf(found.Tags, opts);
      await releasePrincipal(ctx, role, found.Tags, opts, {
        managedPolicyArns: arns,
        restoreAdopted: async () => {
          if (opts.inlinePolicyName) await deleteInlinePolicy(iam, role, opts.inlinePolicyName);
          for (const arn of arns) await detachPolicy(iam, role, arn);
          if (opts.replacedTrustPolicy !== undefined) {
            const PolicyDocument = opts.replacedTrustPolicy;
            await awsCall('iam:UpdateAssumeRolePolicy', () => iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: opts.roleName, PolicyDocument })));
          }
        },
      });
      const result = ownership === 'owned' ? 'deleted' : ownership === 'adopted' ? 'released' : 'not-owned';
      return { roleName: opts.roleName, result };
    },

    async check(ctx) {
      const found = await getRole(ctx.env.aws.iam, opts.roleName);
      const ownership = found ? ownershipOf(found.Tags, opts) : undefined;
      if (ownership === 'owned') return { inSync: false, changes: [{ action: 'delete', resource, detail: 'with its policies' }] };
      if (ownership === 'adopted') {
        return { inSync: false, changes: [{ action: 'update', resource, detail: 'give it back: creds\' policies and tags off, its earlier trust policy back' }] };
      }
      return { inSync: true };
    },
  };
}

export interface DeleteOidcProviderStepOptions {
  /** Step id (default `oidc-delete-provider`). */
  id?: string;
  dependsOn?: readonly string[];
  /** Whom creds made the provider for (its tags). */
  target: string;
  scope?: string;
  /** Whether the journal says creds created the provider that is there now. Without it nothing is deleted. */
  createdByCreds: boolean;
  /** The role this teardown deletes: its trust does not keep the provider. */
  roleName?: string;
  /** Default https://token.actions.githubusercontent.com. */
  url?: string;
}

export interface DeleteOidcProviderOutput {
  arn?: string;
  deleted: boolean;
  /** Why it was kept. */
  kept?: string;
}

/**
 * Deletes the account's OIDC provider only when creds created it (the journal says so and its
 * tags agree) and no role but `roleName` still trusts it (every role's trust policy is read).
 */
export function deleteOidcProviderStep<Env extends AwsEnv = AwsEnv>(opts: DeleteOidcProviderStepOptions): Step<Env, DeleteOidcProviderOutput> {
  validateAll([() => validateTarget(opts.target), () => opts.scope !== undefined && validateScope(opts.scope)]);
  const url = opts.url ?? GITHUB_OIDC_ISSUER;
  const resource = `OIDC provider ${issuerHost(url)}`;

  async function decide(env: AwsEnv): Promise<DeleteOidcProviderOutput> {
    const found = await findOidcProvider(env.aws.iam, url);
    if (!found) return { deleted: false };
    if (!opts.createdByCreds) return { arn: found.arn, deleted: false, kept: 'creds did not create it' };
    if (ownershipOf(found.tags, opts) !== 'owned') return { arn: found.arn, deleted: false, kept: 'its tags do not say creds made it for this target' };
    const trusting = (await rolesTrusting(env.aws.iam, found.arn)).filter((name) => name.toLowerCase() !== opts.roleName?.toLowerCase());
    if (trusting.length > 0) return { arn: found.arn, deleted: false, kept: `roles ${trusting.join(', ')} still trust it` };
    return { arn: found.arn, deleted: true };
  }

  return {
    id: opts.id ?? 'oidc-delete-provider',
    title: `Delete ${resource} if creds made it and no other role trusts it`,
    ...(opts.dependsOn ? { dependsOn: opts.dependsOn } : {}),

    async apply(ctx) {
      const decision = await decide(ctx.env);
      if (!decision.deleted) {
        if (decision.kept) ctx.progress(`kept ${resource}: ${decision.kept}`);
        return decision;
      }
      try {
        await awsCall('iam:DeleteOpenIDConnectProvider', () =>
          ctx.env.aws.iam.send(new DeleteOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: decision.arn })),
        );
      } catch (error) {
        if (!isNoSuchEntity(error)) throw error;
      }
      return decision;
    },

    async check(ctx) {
      const decision = await decide(ctx.env);
      if (decision.deleted) return { inSync: false, changes: [{ action: 'delete', resource }] };
      return decision.kept ? { inSync: true, notes: [`${resource} stays: ${decision.kept}`] } : { inSync: true };
    },
  };
}
