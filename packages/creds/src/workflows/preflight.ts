import { awsPreflightStep } from '@creds/aws-iam';
import type { Step } from '@creds/core';
import { githubPreflightStep } from '@creds/github-secrets';
import type { TargetConfig } from '../config/schema.js';
import { preflightRepos, type TargetEnv } from '../env.js';

/** The read-only checks every workflow starts with: who AWS says we are, what the GitHub token may do. */
export const PREFLIGHT_STEPS = {
  aws: 'aws-preflight',
  github: 'github-preflight',
} as const;

/** Both preflight ids, for `dependsOn`. */
export const PREFLIGHT: string[] = [PREFLIGHT_STEPS.aws, PREFLIGHT_STEPS.github];

/** The target and the targets that share its key: every scope whose secrets hold the key. */
export const keyGroup = (target: TargetConfig, followers: readonly TargetConfig[] = []) => [target, ...followers];

/**
 * The preflight steps for a target and the targets sharing its key (their repositories and
 * organizations); `variables` when a step writes an Actions variable besides the region.
 */
export function preflightSteps(target: TargetConfig, followers: readonly TargetConfig[] = [], extra: { variables?: boolean } = {}): Step<TargetEnv>[] {
  const group = keyGroup(target, followers);
  const orgs = [...new Set(group.flatMap((t) => (t.github.org ? [t.github.org] : [])))];
  return [
    awsPreflightStep({ id: PREFLIGHT_STEPS.aws }),
    githubPreflightStep<TargetEnv>({
      id: PREFLIGHT_STEPS.github,
      repos: group.flatMap(preflightRepos),
      orgs,
      variables: extra.variables === true || group.some((t) => t.secrets.regionAs === 'variable'),
    }),
  ];
}
