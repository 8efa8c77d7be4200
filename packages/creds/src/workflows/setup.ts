import {
  accessKeyStep,
  awsPreflightStep,
  iamUserStep,
  inlinePolicyStep,
  managedPoliciesStep,
  verifyKeyStep,
} from '@creds/aws-iam';
import { createWorkflow, type Step, type Workflow } from '@creds/core';
import { githubPreflightStep } from '@creds/github-secrets';
import type { TargetConfig } from '../config/schema.js';
import { describeRepo, preflightRepos, storeNames, type TargetEnv } from '../env.js';
import { secretSteps } from './secrets.js';

export const PREFLIGHT = ['aws-preflight', 'github-preflight'];

export function preflightSteps(target: TargetConfig): Step<TargetEnv>[] {
  const orgs = target.github.org ? [target.github.org] : [];
  return [
    awsPreflightStep({ id: 'aws-preflight' }),
    githubPreflightStep<TargetEnv>({
      id: 'github-preflight',
      repos: preflightRepos(target),
      orgs,
      variables: target.secrets.regionAs === 'variable',
    }),
  ] as Step<TargetEnv>[];
}

/** The setup steps, each usable alone (SetupGitHubRepo's s11–s14) or together (setupWorkflow). */
export function setupSteps(target: TargetConfig, options: { verifyTimeoutMs?: number } = {}) {
  const { iam, region } = target;
  const user = ['iam-user'];
  const { current } = storeNames(target);
  return {
    preflight: preflightSteps(target),
    user: iamUserStep({
      id: 'iam-user',
      dependsOn: PREFLIGHT,
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
    accessKey: accessKeyStep({
      id: 'iam-access-key',
      dependsOn: user,
      userName: iam.userName,
      storeName: current,
      region,
      note: `GitHub Actions of ${describeRepo(target)}`,
    }) as Step<TargetEnv>,
    verify: verifyKeyStep({
      id: 'iam-verify-key',
      dependsOn: ['iam-access-key'],
      storeName: current,
      userName: iam.userName,
      ...(options.verifyTimeoutMs ? { timeoutMs: options.verifyTimeoutMs } : {}),
    }) as Step<TargetEnv>,
    secrets: secretSteps(target, { storeName: current, dependsOn: ['iam-access-key'], regionDependsOn: PREFLIGHT }) as Step<TargetEnv>[],
  };
}

/**
 * preflight → user → {inline policy, managed policies, access key} → {secrets, verify}.
 * About four serial rounds of API calls; everything independent runs at once.
 */
export function setupWorkflow(target: TargetConfig, options: { verifyTimeoutMs?: number } = {}): Workflow<TargetEnv> {
  const s = setupSteps(target, options);
  const optional = [s.inlinePolicy, s.managedPolicies].filter((step): step is Step<TargetEnv> => step !== undefined);
  return createWorkflow('setup', [...s.preflight, s.user, ...optional, s.accessKey, s.verify, ...s.secrets]);
}
