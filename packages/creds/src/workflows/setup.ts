import { randomBytes } from 'node:crypto';
import {
  accessKeyStep,
  awsPreflightStep,
  iamUserStep,
  inlinePolicyStep,
  managedPoliciesStep,
  retireAccessKey,
  verifyKeyStep,
} from '@creds/aws-iam';
import { createWorkflow, type Step, type Workflow } from '@creds/core';
import { githubPreflightStep } from '@creds/github-secrets';
import type { TargetConfig } from '../config/schema.js';
import { describeRepo, githubStepId, preflightRepos, secretScope, storeNames, type TargetEnv } from '../env.js';
import { secretSteps } from './secrets.js';

export const PREFLIGHT = ['aws-preflight', 'github-preflight'];

/** What a workflow is built with besides its target. */
export interface WorkflowOptions {
  /** How long to wait for a new key to work with STS (default 60 s). */
  verifyTimeoutMs?: number;
  /** Targets that share this target's IAM user and key: their secrets are written with its own. */
  followers?: readonly TargetConfig[];
}

/** The target and the targets that share its key: every scope whose secrets hold the key. */
export const keyGroup = (target: TargetConfig, options: WorkflowOptions) => [target, ...(options.followers ?? [])];

export function preflightSteps(target: TargetConfig, options: WorkflowOptions = {}): Step<TargetEnv>[] {
  const group = keyGroup(target, options);
  const orgs = [...new Set(group.flatMap((t) => (t.github.org ? [t.github.org] : [])))];
  return [
    awsPreflightStep({ id: 'aws-preflight' }),
    githubPreflightStep<TargetEnv>({
      id: 'github-preflight',
      repos: group.flatMap(preflightRepos),
      orgs,
      variables: group.some((t) => t.secrets.regionAs === 'variable'),
    }),
  ] as Step<TargetEnv>[];
}

/**
 * Undoing the key step removes the key it made and, when a later rotation replaced that key, the
 * rotated key the store now holds for the target: rolling back a setup leaves no key behind.
 */
function withStoredKeyUndo(step: Step<TargetEnv>, userName: string, storeName: string): Step<TargetEnv> {
  return {
    ...step,
    async undo(ctx, output) {
      await step.undo?.(ctx, output);
      const stored = await ctx.env.store.get(storeName);
      if (!stored) return;
      await retireAccessKey(ctx.env.aws.iam, userName, stored.accessKeyId);
      await ctx.env.store.delete(storeName);
    },
  };
}

/**
 * Reading a scope's public key (the GitHub preflight) needs only read access to secrets, so a
 * read-only token would pass it and fail only after the IAM user and key exist. Before the first
 * setup of a target, this deletes a secret name that does not exist: GitHub answers 404 to a token
 * that may write and 403 (naming the permission) to one that may not. Nothing is created or
 * changed; once creds has written the target's secrets, the probe is skipped.
 */
function writeAccessStep(target: TargetConfig, options: WorkflowOptions): Step<TargetEnv> {
  const group = keyGroup(target, options);
  return {
    id: 'github-write-access',
    title: 'Check the GitHub token may write the secrets',
    dependsOn: ['github-preflight'],
    async apply(ctx) {
      const written = group.every((t) => ctx.env.priorOutput?.(githubStepId('secret', secretScope(t), t.secrets.accessKeyId)) !== undefined);
      if (written) return { probed: false };
      const probe = `CREDS_WRITE_CHECK_${randomBytes(4).toString('hex').toUpperCase()}`;
      for (const t of group) {
        const scope = secretScope(t);
        await ctx.env.github.deleteSecret(scope, probe, { signal: ctx.signal });
        if (t.secrets.regionAs === 'variable') await ctx.env.github.deleteVariable(scope, probe, { signal: ctx.signal });
      }
      return { probed: true };
    },
  };
}

/** The setup steps, each usable alone (SetupGitHubRepo's s11–s14) or together (setupWorkflow). */
export function setupSteps(target: TargetConfig, options: WorkflowOptions = {}) {
  const { iam, region } = target;
  const user = ['iam-user'];
  const { current } = storeNames(target);
  return {
    preflight: preflightSteps(target, options),
    writeAccess: writeAccessStep(target, options),
    user: iamUserStep({
      id: 'iam-user',
      dependsOn: [...PREFLIGHT, 'github-write-access'],
      userName: iam.userName,
      target: target.name,
      tags: iam.tags,
      adopt: iam.adopt,
      managedPolicyArns: iam.managedPolicyArns,
      ...(iam.path ? { path: iam.path } : {}),
      ...(iam.permissionsBoundary ? { permissionsBoundary: iam.permissionsBoundary } : {}),
    }) as Step<TargetEnv>,
    inlinePolicy: iam.policy
      ? (inlinePolicyStep({
          id: 'iam-inline-policy',
          dependsOn: user,
          userName: iam.userName,
          region,
          policy: iam.policy,
          ...(iam.inlinePolicyName ? { policyName: iam.inlinePolicyName } : {}),
        }) as Step<TargetEnv>)
      : undefined,
    managedPolicies:
      iam.managedPolicyArns.length > 0
        ? (managedPoliciesStep({ id: 'iam-managed-policies', dependsOn: user, userName: iam.userName, policyArns: iam.managedPolicyArns }) as Step<TargetEnv>)
        : undefined,
    accessKey: withStoredKeyUndo(
      accessKeyStep({
        id: 'iam-access-key',
        dependsOn: user,
        userName: iam.userName,
        storeName: current,
        region,
        note: `GitHub Actions of ${describeRepo(target)}`,
      }) as Step<TargetEnv>,
      iam.userName,
      current,
    ),
    verify: verifyKeyStep({
      id: 'iam-verify-key',
      dependsOn: ['iam-access-key'],
      storeName: current,
      userName: iam.userName,
      ...(options.verifyTimeoutMs ? { timeoutMs: options.verifyTimeoutMs } : {}),
    }) as Step<TargetEnv>,
    secrets: keyGroup(target, options).flatMap(
      (t) => secretSteps(t, { storeName: current, dependsOn: ['iam-access-key'], regionDependsOn: [...PREFLIGHT, 'github-write-access'] }) as Step<TargetEnv>[],
    ),
  };
}

/**
 * preflight → user → {inline policy, managed policies, access key} → {secrets, verify}.
 * About four serial rounds of API calls; everything independent runs at once.
 */
export function setupWorkflow(target: TargetConfig, options: WorkflowOptions = {}): Workflow<TargetEnv> {
  const s = setupSteps(target, options);
  const optional = [s.inlinePolicy, s.managedPolicies].filter((step): step is Step<TargetEnv> => step !== undefined);
  return createWorkflow('setup', [...s.preflight, s.writeAccess, s.user, ...optional, s.accessKey, s.verify, ...s.secrets]);
}
