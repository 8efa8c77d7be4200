import {
  type DeleteOidcProviderOutput,
  type DeleteOidcRoleOutput,
  defaultRolePolicyName,
  deleteOidcProviderStep,
  deleteOidcRoleStep,
  describeOwnerTags,
  getRole,
  iamRole,
  type OidcProviderOutput,
  type OidcRoleOutput,
  ownershipOf,
  policyBlockers,
  type RolePoliciesOutput,
} from '@creds/aws-iam';
import { CredsError, type RunRecord } from '@creds/core';
import type { TargetConfig } from '../config/schema.js';
import { ownerOf, type TargetEnv } from '../env.js';
import { OIDC_STEPS } from './oidc.js';
import { teardownBlocked, teardownCheckStepOf } from './teardown-check.js';

/** The ids the teardown gives the keyless route's steps (its module owns them). */
export interface OidcTeardownIds {
  check: string;
  role: string;
  provider: string;
}

/** What the journal says creds put in place for the keyless route and has not taken away since. */
export interface OidcRecord {
  /** A run set the role up and nothing took it away since (a rollback or a teardown). */
  roleSetUp: boolean;
  /** Creds created the OIDC provider that is there now (a later run that found someone else's resets it). */
  providerCreated: boolean;
  /** The managed policies creds attached to the role; undefined when no run recorded them. */
  attached: string[] | undefined;
  /** The role's inline policy creds wrote. */
  inlinePolicyName: string | undefined;
  /** The trust policy an adopted role had before creds replaced it. */
  replacedTrustPolicy: string | undefined;
}

/** Read from the runs oldest first: an undone step does not count; a teardown that removed something resets it. */
export function oidcRecord(runs: readonly RunRecord[], ids: OidcTeardownIds): OidcRecord {
  const record: OidcRecord = { roleSetUp: false, providerCreated: false, attached: undefined, inlinePolicyName: undefined, replacedTrustPolicy: undefined };
  for (const run of runs) {
    const output = <T>(id: string): T | undefined => {
      const state = run.steps.get(id);
      if (state?.state !== 'succeeded' || run.rollback?.undo.get(id) === 'succeeded') return undefined;
      return state.output as T;
    };
    const provider = output<OidcProviderOutput>(OIDC_STEPS.provider);
    if (provider?.created) record.providerCreated = true;
    else if (provider?.adopted) record.providerCreated = false;
    if (output<DeleteOidcProviderOutput>(ids.provider)?.deleted) record.providerCreated = false;
    const role = output<OidcRoleOutput>(OIDC_STEPS.role);
    if (role) record.roleSetUp = true;
    if (role?.replacedTrustPolicy !== undefined) record.replacedTrustPolicy = role.replacedTrustPolicy;
    const policies = output<RolePoliciesOutput>(OIDC_STEPS.rolePolicies);
    if (policies) {
      record.attached = [...new Set([...(record.attached ?? []), ...policies.attached])];
      if (policies.policyName) record.inlinePolicyName = policies.policyName;
    }
    if (output<DeleteOidcRoleOutput>(ids.role)) {
      record.roleSetUp = false;
      record.attached = undefined;
      record.inlinePolicyName = undefined;
      record.replacedTrustPolicy = undefined;
    }
  }
  return record;
}

/**
 * The keyless route's part of a teardown, for a target with an oidc section: a read-only check
 * (a role creds does not own, or one holding policies creds did not put there, is refused before
 * anything is deleted), then the role with its policies, then the OIDC provider when the journal
 * says creds created it and no other role trusts it. The role ARN's variable is deleted with the
 * key route's secrets (see teardown.ts).
 */
export function oidcTeardownSteps(target: TargetConfig, runs: readonly RunRecord[], ids: OidcTeardownIds, after: readonly string[]) {
  const oidc = target.oidc;
  if (!oidc) return undefined;
  const { roleName } = oidc;
  const record = oidcRecord(runs, ids);
  const inlinePolicyName = record.inlinePolicyName ?? (target.iam.policy ? defaultRolePolicyName(roleName) : undefined);
  // Without a record (a lost journal), what the config lists is what creds would have attached.
  const managedPolicyArns = record.attached ?? target.iam.managedPolicyArns;
  const owner = ownerOf(target);

  const refusal = async (env: TargetEnv): Promise<CredsError | undefined> => {
    const role = await getRole(env.aws.iam, roleName);
    if (!role) return undefined;
    const ownership = ownershipOf(role.Tags, owner);
    if (ownership === 'other-target' || ownership === 'foreign') {
      return new CredsError(
        ownership === 'other-target'
          ? `IAM role ${roleName} is managed by creds for another target, ${describeOwnerTags(role.Tags)}; teardown deletes nothing`
          : `IAM role ${roleName} was not created by creds for ${target.name}; teardown deletes nothing`,
        { code: 'NOT_OWNED', hint: 'check oidc.roleName in the config; delete the role yourself if it really should go' },
      );
    }
    if (ownership !== 'owned') return undefined;
    const blockers = await policyBlockers(env.aws.iam, iamRole(roleName), { inlinePolicyName, managedPolicyArns });
    if (blockers.length === 0) return undefined;
    return teardownBlocked(`IAM role ${roleName}`, blockers);
  };
  const check = teardownCheckStepOf({
    id: ids.check,
    title: `Check that IAM role ${roleName} holds only what creds made`,
    dependsOn: after,
    output: { roleName },
    refusal,
  });
  const role = deleteOidcRoleStep<TargetEnv>({
    id: ids.role,
    dependsOn: [ids.check],
    roleName,
    ...owner,
    ...(inlinePolicyName ? { inlinePolicyName } : {}),
    managedPolicyArns,
    ...(record.replacedTrustPolicy !== undefined ? { replacedTrustPolicy: record.replacedTrustPolicy } : {}),
  });
  const provider = deleteOidcProviderStep<TargetEnv>({
    id: ids.provider,
    dependsOn: [ids.role],
    ...owner,
    createdByCreds: record.providerCreated,
    roleName,
  });
  return { check, role, provider };
}
