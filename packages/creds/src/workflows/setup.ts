import {
  type AccessKeyOutput,
  accessKeyStep,
  keyMadeByRun,
  iamUserStep,
  type IamUserOutput,
  inlinePolicyStep,
  keyPendingClearStep,
  managedPoliciesStep,
  retireAccessKey,
  type VerifyKeyOutput,
  verifyKeyStep,
} from '@creds/aws-iam';
import { createWorkflow, type RunRecord, type Step, type StepContext, type Workflow } from '@creds/core';
import { type EnvironmentStepOutput, environmentStep, environmentStepId, type GitHubPreflightOutput, githubStepId } from '@creds/github-secrets';
import type { TargetConfig } from '../config/schema.js';
import { keyRouteIam } from '../config/validate.js';
import { describeRepo, environmentsToCreate, ownerScope, secretScope, storeNames, type TargetEnv } from '../env.js';
import type { WorkflowModule, WorkflowOptions } from './module.js';
import { KEY_PREFLIGHT, keyGroup, PREFLIGHT_STEPS, preflightSteps, userReadByPreflight } from './preflight.js';
import { secretSteps } from './secrets.js';
import { githubKeySecretStep, githubKeyStep, githubKeyVerifyStep } from './github-held-key.js';
import { isStoreless } from '../no-store.js';

const verifyTimeout = (options: WorkflowOptions) => (options.verifyTimeoutMs ? { verifyTimeoutMs: options.verifyTimeoutMs } : {});

/** The ids of setup's own steps (besides the preflight and the secret steps, named by what they write). */
export const SETUP_STEPS = {
  writeAccess: 'github-write-access',
  user: 'iam-user',
  inlinePolicy: 'iam-inline-policy',
  managedPolicies: 'iam-managed-policies',
  accessKey: 'iam-access-key',
  keyPendingClear: 'iam-key-pending-clear',
  verify: 'iam-verify-key',
} as const;

/** Whether this run made the user (its user step's output). */
const userMade = (ctx: StepContext) => ctx.output<IamUserOutput>(SETUP_STEPS.user)?.created === true;

/**
 * The managed policies creds attached, from every run of this target that was not rolled back
 * (a re-run records them as "already attached", so the newest run alone is not enough). With no
 * journal at all (a new laptop), the configured list is the best knowledge there is.
 */
export function attachedByCreds(runs: readonly RunRecord[], target: TargetConfig): string[] {
  const attached = new Set<string>();
  let seen = false;
  for (const run of runs) {
    const state = run.steps.get(SETUP_STEPS.managedPolicies);
    if (run.rollback?.status === 'succeeded' || state?.state !== 'succeeded') continue;
    seen = true;
    for (const arn of (state.output as { attached?: string[] }).attached ?? []) attached.add(arn);
  }
  return seen ? [...attached] : [...target.iam.managedPolicyArns];
}

/**
 * The environments of these targets that creds created and that are still there as far as the
 * journal knows: a setup run made it (its environment step's output, or — a run killed after the
 * PUT — the note journaled before it), that run was not rolled back, and no later teardown deleted
 * it. Teardown deletes those; an environment that was there before creds is never among them.
 */
export function environmentsCreatedByCreds(runs: readonly RunRecord[], targets: readonly TargetConfig[]) {
  const all = environmentsToCreate(targets.map((t) => ({ ...t, github: { ...t.github, createEnvironment: true } })));
  const made = new Map<string, (typeof all)[number]>();
  for (const run of runs) {
    if (run.rollback?.status === 'succeeded') continue;
    for (const e of all) {
      const id = environmentStepId(e.owner, e.repo, e.environment);
      if (run.workflow === 'setup') {
        const state = run.steps.get(id);
        const created =
          state?.state === 'succeeded' ? (state.output as EnvironmentStepOutput).created : (run.notes.get(id) as { existed?: boolean } | undefined)?.existed === false;
        if (created) made.set(id, e);
      } else if (run.steps.get(environmentStepId(e.owner, e.repo, e.environment, 'delete-environment'))?.state === 'succeeded') {
        made.delete(id);
      }
    }
  }
  return [...made.values()];
}

/**
 * Undoing the key step removes the key it made and, when a later rotation replaced that key, the
 * rotated key the store now holds for the target: rolling back a setup leaves no key behind.
 */
function withStoredKeyUndo(step: Step<TargetEnv, AccessKeyOutput>, userName: string, storeName: string): Step<TargetEnv, AccessKeyOutput> {
  return {
    ...step,
    async undo(ctx, output) {
      await step.undo?.(ctx, output);
      // A run that found its key in place made none: the key is an earlier run's, and stays.
      if (!keyMadeByRun(ctx, output)) return;
      const stored = await ctx.env.store.get(storeName);
      if (!stored) return;
      await retireAccessKey(ctx.env.aws.iam, userName, stored.accessKeyId);
      await ctx.env.store.delete(storeName);
    },
  };
}

/**
 * Listing a scope's secrets (the GitHub preflight) needs only read access to them, so a read-only
 * token would pass it and fail only after the IAM user and key exist. Before the first setup of a
 * target, this deletes a secret name that does not exist: GitHub answers 404 to a token that may
 * write and 403 (naming the permission) to one that may not. Nothing is created or changed. The
 * probe is skipped once creds has written the target's secrets, and when the repository's answer
 * showed a classic token with the repo scope whose user may push; the client probes each owner
 * once (a fleet spends one write on it, not one a repository).
 */
function writeAccessStep(target: TargetConfig, options: WorkflowOptions): Step<TargetEnv> {
  const group = keyGroup(target, options.followers);
  return {
    id: SETUP_STEPS.writeAccess,
    title: 'Check the GitHub token may write the secrets',
    // The probe deletes a name that cannot exist: nothing is created or changed.
    readOnly: true,
    dependsOn: KEY_PREFLIGHT,
    async apply(ctx) {
      const written = group.every((t) => ctx.env.priorOutput?.(githubStepId('secret', secretScope(t), t.secrets.accessKeyId)) !== undefined);
      if (written) return { probed: false };
      // A GitHub App's permissions are known: the preflight checked them against the installation's token.
      if (ctx.env.github.auth.kind === 'app') return { probed: false, appPermissions: true };
      // A classic token with the repo scope whose user may push shows it in the repository's answer.
      const repos = ctx.output<GitHubPreflightOutput>(PREFLIGHT_STEPS.github)?.repos ?? [];
      const shown = group.every((t) => !t.github.org && repos.some((r) => r.mayWriteSecrets && r.fullName.toLowerCase() === `${t.github.owner}/${t.github.repo}`.toLowerCase()));
      if (shown) return { probed: false, shownByRepository: true };
      for (const t of group) {
        await ctx.env.github.checkWriteAccess(secretScope(t), { signal: ctx.signal, variables: t.secrets.regionAs === 'variable' });
      }
      return { probed: true };
    },
  };
}

/**
 * The setup steps, each usable alone (SetupGitHubRepo's s11–s14: `alone`) or together
 * (setupWorkflow). Together, a user made by the run carries the key-pending marker from its creation
 * and the steps after it read nothing the run already knows; alone, each step reads for itself.
 */
export function setupSteps(target: TargetConfig, options: WorkflowOptions & { alone?: boolean } = {}) {
  const { region } = target;
  const iam = keyRouteIam(target, setup.name);
  const user = [SETUP_STEPS.user];
  const { current } = storeNames(target);
  // Every write waits for every check: the preflight (whose reads run at once) and the write probe.
  const checks = [...KEY_PREFLIGHT, SETUP_STEPS.writeAccess];
  // A configured environment that does not exist is created next, before any IAM write: a token
  // GitHub refuses it to stops the run with nothing in AWS. One that exists costs no request.
  const environments = environmentsToCreate(keyGroup(target, options.followers)).map((e) =>
    environmentStep<TargetEnv>({ ...e, dependsOn: checks }),
  );
  const afterChecks = [...checks, ...environments.map((s) => s.id)];
  return {
    preflight: preflightSteps(target, options.followers, { keys: true, environments: 'create' }),
    writeAccess: writeAccessStep(target, options),
    environments,
    user: iamUserStep({
      id: SETUP_STEPS.user,
      dependsOn: afterChecks,
      userName: iam.userName,
      target: target.name,
      scope: ownerScope(target),
      tags: iam.tags,
      adopt: iam.adopt,
      managedPolicyArns: iam.managedPolicyArns,
      ...(iam.path ? { path: iam.path } : {}),
      ...(iam.permissionsBoundary ? { permissionsBoundary: iam.permissionsBoundary } : {}),
      known: userReadByPreflight,
      keyPending: !options.alone,
    }),
    inlinePolicy: iam.policy
      ? (inlinePolicyStep({
          id: SETUP_STEPS.inlinePolicy,
          dependsOn: user,
          userName: iam.userName,
          region,
          policy: iam.policy,
          userMade,
          ...(iam.inlinePolicyName ? { policyName: iam.inlinePolicyName } : {}),
        }))
      : undefined,
    managedPolicies:
      iam.managedPolicyArns.length > 0
        ? (managedPoliciesStep({ id: SETUP_STEPS.managedPolicies, dependsOn: user, userName: iam.userName, policyArns: iam.managedPolicyArns, userMade }))
        : undefined,
    accessKey: options.storeless
      ? githubKeyStep({ id: SETUP_STEPS.accessKey, dependsOn: user, userName: iam.userName, targets: keyGroup(target, options.followers), ...verifyTimeout(options) })
      : withStoredKeyUndo(
      accessKeyStep({
        id: SETUP_STEPS.accessKey,
        dependsOn: user,
        userName: iam.userName,
        storeName: current,
        region,
        note: `GitHub Actions of ${describeRepo(target)}`,
        userMadeMarked: userMade,
        userExists: (ctx) => ctx.output(SETUP_STEPS.user) !== undefined,
      }),
      iam.userName,
      current,
    ),
    keyPendingClear: keyPendingClearStep({ id: SETUP_STEPS.keyPendingClear, keyStepId: SETUP_STEPS.accessKey, userName: iam.userName }),
    verify: options.storeless
      ? githubKeyVerifyStep(SETUP_STEPS.verify, SETUP_STEPS.accessKey)
      : verifyKeyStep({
      id: SETUP_STEPS.verify,
      dependsOn: [SETUP_STEPS.accessKey],
      storeName: current,
      userName: iam.userName,
      // A key this target's earlier run verified, found Active and unchanged, is not asked about again.
      verifiedBefore: (ctx) => {
        const key = ctx.output<AccessKeyOutput>(SETUP_STEPS.accessKey);
        const before = (ctx.env as TargetEnv).priorOutput?.(SETUP_STEPS.verify) as VerifyKeyOutput | undefined;
        return key && !key.created && key.active && before?.accessKeyId === key.accessKeyId ? before : undefined;
      },
      ...(options.verifyTimeoutMs ? { timeoutMs: options.verifyTimeoutMs } : {}),
    }),
    secrets: keyGroup(target, options.followers).flatMap((t): Step<TargetEnv>[] => {
      const steps = secretSteps(t, { storeName: current, dependsOn: [SETUP_STEPS.accessKey], regionDependsOn: afterChecks });
      if (!options.storeless) return Object.values(steps);
      const key = (half: 'accessKeyId' | 'secretAccessKey') => githubKeySecretStep(t, half, SETUP_STEPS.accessKey, [SETUP_STEPS.accessKey]);
      return [steps.region, key('accessKeyId'), key('secretAccessKey')];
    }),
  };
}

/**
 * preflight (AWS identity, GitHub token, the user's owner, the key store: at once) → write probe →
 * the environments that do not exist yet → {user, region} → {inline policy, managed policies,
 * access key} → {key secrets, verify, marker cleared}.
 * Nothing is written before every check passed; everything independent runs at once.
 */
export function setupWorkflow(target: TargetConfig, options: WorkflowOptions = {}): Workflow<TargetEnv> {
  const s = setupSteps(target, options);
  const optional = [s.inlinePolicy, s.managedPolicies].filter((step) => step !== undefined);
  return createWorkflow(setup.name, [
    ...s.preflight,
    s.writeAccess,
    ...s.environments,
    s.user,
    ...optional,
    s.accessKey,
    s.keyPendingClear,
    s.verify,
    ...s.secrets,
  ]);
}

export const setup: WorkflowModule<'setup'> = {
  name: 'setup',
  steps: SETUP_STEPS,
  build: ({ target, followers, env, verifyTimeoutMs }) =>
    setupWorkflow(target, { followers, ...(verifyTimeoutMs ? { verifyTimeoutMs } : {}), ...(isStoreless(env.store) ? { storeless: true } : {}) }),
};
