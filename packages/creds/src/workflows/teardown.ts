import {
  defaultInlinePolicyName,
  deleteAccessKeysStep,
  deletePoliciesStep,
  deleteUserStep,
  describeOwnerTags,
  getUser,
  listAccessKeys,
  ownershipOf,
  teardownBlockers,
} from '@creds/aws-iam';
import { CredsError, createWorkflow, type RunRecord, type Step, type Workflow } from '@creds/core';
import { canonicalSecretName, deleteEnvironmentStep, describeScope, githubStepId } from '@creds/github-secrets';
import type { TargetConfig } from '../config/schema.js';
import { keyRouteIam } from '../config/validate.js';
import { ownerOf, secretScope, storeNames, type TargetEnv } from '../env.js';
import type { WorkflowModule, WorkflowOptions } from './module.js';
import { keyGroup, PREFLIGHT, preflightSteps } from './preflight.js';
import { oidcTeardownSteps } from './oidc-teardown.js';
import { attachedByCreds, environmentsCreatedByCreds } from './setup.js';
import { teardownBlocked, teardownCheckStepOf } from './teardown-check.js';

/** The ids of teardown's IAM steps (the secret deletions are named by what they delete). */
export const TEARDOWN_STEPS = {
  check: 'iam-teardown-check',
  keys: 'iam-delete-access-keys',
  policies: 'iam-delete-policies',
  user: 'iam-delete-user',
  /** The keyless route's part, for a target with an oidc section (see oidc-teardown.ts). */
  oidcCheck: 'oidc-teardown-check',
  oidcRole: 'oidc-delete-role',
  oidcProvider: 'oidc-delete-provider',
} as const;

/** The keyless route's teardown ids, for the journal queries of oidc-teardown.ts. */
export const OIDC_TEARDOWN_IDS = { check: TEARDOWN_STEPS.oidcCheck, role: TEARDOWN_STEPS.oidcRole, provider: TEARDOWN_STEPS.oidcProvider };

/** Deletes one Actions secret (or variable); already gone counts as done. */
export function deleteSecretStep(target: TargetConfig, name: string, kind: 'secret' | 'variable'): Step<TargetEnv> {
  const scope = secretScope(target);
  const canonical = canonicalSecretName(name);
  const resource = `${kind} ${canonical} in ${describeScope(scope)}`;
  const exists = async (env: TargetEnv) =>
    kind === 'secret' ? (await env.github.getSecret(scope, canonical)) !== undefined : (await env.github.getVariable(scope, canonical)) !== undefined;
  return {
    id: githubStepId(`delete-${kind}`, scope, canonical),
    title: `Delete ${resource}`,
    dependsOn: PREFLIGHT,
    async apply(ctx) {
      const deleted =
        kind === 'secret'
          ? await ctx.env.github.deleteSecret(scope, canonical, { signal: ctx.signal })
          : await ctx.env.github.deleteVariable(scope, canonical, { signal: ctx.signal });
      return { name: canonical, deleted };
    },
    async check(ctx) {
      return (await exists(ctx.env)) ? { inSync: false, changes: [{ action: 'delete', resource }] } : { inSync: true };
    },
  };
}

/** A read-only check for an IAM teardown step: what it would delete, if creds owns the user. */
function withCheck(step: Step<TargetEnv>, what: (env: TargetEnv) => Promise<string[]>): Step<TargetEnv> {
  return {
    ...step,
    async check(ctx) {
      const resources = await what(ctx.env);
      return resources.length === 0
        ? { inSync: true }
        : { inSync: false, changes: resources.map((resource) => ({ action: 'delete' as const, resource })) };
    },
  };
}

/** The teardown steps, each usable alone (SetupGitHubRepo's s21–s24) or together (teardownWorkflow). */
export function teardownSteps(target: TargetConfig, runs: readonly RunRecord[], options: WorkflowOptions = {}) {
  const { userName } = keyRouteIam(target, teardown.name);
  const secrets = keyGroup(target, options.followers).flatMap((t) => [
    deleteSecretStep(t, t.secrets.region, t.secrets.regionAs),
    deleteSecretStep(t, t.secrets.accessKeyId, 'secret'),
    deleteSecretStep(t, t.secrets.secretAccessKey, 'secret'),
  ]);
  const owned = async (env: TargetEnv) => {
    const user = await getUser(env.aws.iam, userName);
    const ownership = user ? ownershipOf(user.Tags, ownerOf(target)) : 'foreign';
    return ownership === 'owned' || ownership === 'adopted' ? user : undefined;
  };
  const policyName = target.iam.inlinePolicyName ?? defaultInlinePolicyName(target.region, userName);
  // After their secrets: the environments creds created (one that was there before stays).
  const environments = environmentsCreatedByCreds(runs, keyGroup(target, options.followers)).map((e) =>
    deleteEnvironmentStep<TargetEnv>({ ...e, dependsOn: secrets.map((s) => s.id) }),
  );
  return {
    secrets,
    environments,
    keys: withCheck(
      deleteAccessKeysStep({
        id: TEARDOWN_STEPS.keys,
        dependsOn: secrets.map((s) => s.id),
        userName,
        ...ownerOf(target),
        storeName: storeNames(target).current,
      }),
      async (env) => ((await owned(env)) ? (await listAccessKeys(env.aws.iam, userName)).map((k) => `access key ${k.accessKeyId}`) : []),
    ),
    policies: withCheck(
      deletePoliciesStep({
        id: TEARDOWN_STEPS.policies,
        dependsOn: [TEARDOWN_STEPS.keys],
        userName,
        ...(target.iam.policy ? { policyName } : {}),
        policyArns: attachedByCreds(runs, target),
      }),
      async (env) => ((await owned(env)) ? [`policies of IAM user ${userName}`] : []),
    ),
    user: withCheck(
      deleteUserStep({ id: TEARDOWN_STEPS.user, dependsOn: [TEARDOWN_STEPS.policies], userName, ...ownerOf(target) }),
      async (env) => ((await owned(env)) ? [`IAM user ${userName}`] : []),
    ),
  };
}

/**
 * Read-only, before any delete: a user creds created for this target that carries what creds did
 * not put there (managed policies it did not attach, inline policies it did not write, a console
 * password, MFA devices, SSH keys, groups) would stop the teardown halfway, after the secrets and
 * keys are gone. It is refused here instead, naming each; `plan teardown` shows the same.
 */
export function teardownCheckStep(target: TargetConfig, runs: readonly RunRecord[]): Step<TargetEnv> {
  const { userName } = keyRouteIam(target, teardown.name);
  const inlinePolicyName = target.iam.policy ? (target.iam.inlinePolicyName ?? defaultInlinePolicyName(target.region, userName)) : undefined;
  const refusal = async (env: TargetEnv): Promise<CredsError | undefined> => {
    const user = await getUser(env.aws.iam, userName);
    if (!user) return undefined;
    const ownership = ownershipOf(user.Tags, ownerOf(target));
    if (ownership === 'other-target') {
      return new CredsError(`IAM user ${userName} is managed by creds for another target, ${describeOwnerTags(user.Tags)}; teardown deletes nothing`, {
        code: 'NOT_OWNED',
        hint: 'check iam.userName and github in the config: this config did not make that user, and its teardown would take the other target\'s key',
      });
    }
    if (ownership === 'foreign') {
      return new CredsError(`IAM user ${userName} was not created by creds for ${target.name}; teardown deletes nothing`, {
        code: 'NOT_OWNED',
        hint: 'check iam.userName in the config; delete the secrets and the user yourself if they really should go',
      });
    }
    // An adopted user is not deleted (it only loses creds' tags and what creds put on it).
    if (ownership !== 'owned') return undefined;
    const blockers = await teardownBlockers(env.aws.iam, userName, { inlinePolicyName, managedPolicyArns: attachedByCreds(runs, target) });
    if (blockers.length === 0) return undefined;
    return teardownBlocked(`IAM user ${userName}`, blockers);
  };
  return teardownCheckStepOf({
    id: TEARDOWN_STEPS.check,
    title: `Check that IAM user ${userName} holds only what creds made`,
    dependsOn: PREFLIGHT,
    output: { userName },
    refusal,
  });
}

/**
 * checks → secrets → keys → policies → user, deleting only what creds owns; with an oidc section
 * also the role ARN's variable, the role and (when creds made it and no other role trusts it) the
 * OIDC provider. A keyless-only target (no iam.userName) has only that part. Every delete waits
 * for every check. Works without a journal.
 */
export function teardownWorkflow(target: TargetConfig, runs: readonly RunRecord[], options: WorkflowOptions = {}): Workflow<TargetEnv> {
  const keyRoute = target.iam.userName !== undefined;
  const oidc = oidcTeardownSteps(target, runs, OIDC_TEARDOWN_IDS, PREFLIGHT);
  const checks = [...(keyRoute ? [teardownCheckStep(target, runs)] : []), ...(oidc ? [oidc.check] : [])];
  const afterChecks = (step: Step<TargetEnv>): Step<TargetEnv> => ({ ...step, dependsOn: [...(step.dependsOn ?? []), ...checks.map((c) => c.id)] });
  const steps = keyRoute ? teardownSteps(target, runs, options) : undefined;
  const keySteps = steps ? [...steps.secrets.map(afterChecks), ...steps.environments, steps.keys, steps.policies, steps.user] : [];
  const oidcSteps = oidc && target.oidc ? [afterChecks(deleteSecretStep(target, target.oidc.roleArnName, target.oidc.roleArnAs)), afterChecks(oidc.role), oidc.provider] : [];
  // An environment that is gone has nothing left to delete.
  const preflight = preflightSteps(target, options.followers, { environments: 'ignore', variables: target.oidc?.roleArnAs === 'variable' });
  return createWorkflow(teardown.name, [...preflight, ...checks, ...keySteps, ...oidcSteps]);
}

export const teardown: WorkflowModule<'teardown'> = {
  name: 'teardown',
  steps: TEARDOWN_STEPS,
  build: ({ target, followers, runs }) => teardownWorkflow(target, runs, { followers }),
};
