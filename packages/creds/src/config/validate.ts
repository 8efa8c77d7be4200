import {
  validatePath,
  validatePolicyArn,
  validatePolicyDocument,
  validatePolicyName,
  validateRegion,
  validateTags,
  validateTarget as validateTargetName,
  validateUserName,
} from '@creds/aws-iam';
import { ValidationError, ValidationErrors } from '@creds/core';
import { validateSecretNames } from '@creds/github-secrets';
import { oidcChecks } from './oidc.js';
import type { TargetConfig } from './schema.js';

/**
 * A target's iam section for the access-key route, which needs its user name. A keyless-only
 * target (an oidc section and no iam.userName) is refused, naming the field and the rule, before
 * the workflow is built, so before anything is written.
 */
export function keyRouteIam(target: TargetConfig, workflow: string): TargetConfig['iam'] & { userName: string } {
  const { iam } = target;
  if (iam.userName === undefined) {
    throw new ValidationError('iam.userName', `${KEY_ROUTE_USER_RULE}; target ${target.name} has none, so it cannot run ${workflow}`, {
      hint: 'this target uses the keyless route only: run creds run oidc (and creds run teardown to remove it), or add iam.userName for the key route',
    });
  }
  return { ...iam, userName: iam.userName };
}

/** The rule a target without `iam.userName` breaks when it uses the key route. */
export const KEY_ROUTE_USER_RULE =
  'is required for the access-key route (setup, rotate, migrate-to-oidc make or use an IAM user); only a target with an oidc section, which uses the keyless route alone, may leave it out';

const GITHUB_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/;
const REPO_NAME = /^[A-Za-z0-9._-]{1,100}$/;
/** "." and "..": not names GitHub gives, and path steps in a URL. */
const DOTS = /^\.{1,2}$/;

/**
 * Backend rules (IAM names, tags, policy, ARNs, region, secret names) for one merged target, each
 * from the backend that owns it, plus the GitHub target's shape. Returns every problem found.
 */
export function validateTarget(target: TargetConfig, prefix: string): ValidationError[] {
  const at = (field: string) => (prefix ? `${prefix}.${field}` : field);
  const { iam, github, secrets } = target;
  const checks: Array<() => void> = [
    () => validateTargetName(target.name, at('name')),
    () => validateRegion(target.region, at('region')),
    () => {
      if (iam.userName !== undefined) validateUserName(iam.userName, at('iam.userName'));
      else if (!target.oidc) throw new ValidationError(at('iam.userName'), KEY_ROUTE_USER_RULE);
    },
    () => iam.path !== undefined && validatePath(iam.path, at('iam.path')),
    () => validateTags(iam.tags, at('iam.tags')),
    () => iam.policy !== undefined && void validatePolicyDocument(iam.policy, at(iam.policyFile ? 'iam.policyFile' : 'iam.policy')),
    () => iam.inlinePolicyName !== undefined && validatePolicyName(iam.inlinePolicyName, at('iam.inlinePolicyName')),
    () => iam.permissionsBoundary !== undefined && validatePolicyArn(iam.permissionsBoundary, at('iam.permissionsBoundary')),
    ...iam.managedPolicyArns.map((arn, i) => () => validatePolicyArn(arn, at(`iam.managedPolicyArns[${i}]`))),
    () => validateSecretNames([secrets.region, secrets.accessKeyId, secrets.secretAccessKey], at('secrets')),
    () => validateGitHub(github, at),
    ...oidcChecks(target, at),
  ];
  const issues: ValidationError[] = [];
  for (const check of checks) {
    try {
      check();
    } catch (error) {
      if (error instanceof ValidationErrors) issues.push(...error.issues);
      else if (error instanceof ValidationError) issues.push(error);
      else throw error;
    }
  }
  return issues;
}

function validateGitHub(github: TargetConfig['github'], at: (field: string) => string): void {
  const issues: ValidationError[] = [];
  const need = (cond: boolean, field: string, rule: string) => {
    if (!cond) issues.push(new ValidationError(at(field), rule));
  };
  if (github.org !== undefined) {
    need(GITHUB_NAME.test(github.org), 'github.org', `"${github.org}" is not a GitHub organization name`);
    need(github.owner === undefined && github.repo === undefined, 'github', 'give either org, or owner and repo, not both');
    need(github.environment === undefined, 'github.environment', 'environments belong to a repository, not an organization');
    need(github.createEnvironment === undefined, 'github.createEnvironment', 'goes with github.environment, not an organization');
    const selected = github.visibility === 'selected';
    need(!selected || (github.repositories?.length ?? 0) > 0, 'github.repositories', 'is required when visibility is "selected"');
    need(selected || github.repositories === undefined, 'github.repositories', 'only goes with visibility "selected"');
    for (const [i, repo] of (github.repositories ?? []).entries()) {
      need(/^([A-Za-z0-9-]+\/)?[A-Za-z0-9._-]{1,100}$/.test(repo) && !DOTS.test(repo.split('/').at(-1)!), `github.repositories[${i}]`, `"${repo}" is not a repository name`);
    }
  } else {
    need(github.owner !== undefined, 'github.owner', 'is required (or give github.org for an organization secret)');
    need(github.repo !== undefined, 'github.repo', 'is required (or give github.org for an organization secret)');
    if (github.owner !== undefined) need(GITHUB_NAME.test(github.owner), 'github.owner', `"${github.owner}" is not a GitHub user or organization name`);
    if (github.repo !== undefined) {
      need(REPO_NAME.test(github.repo) && !DOTS.test(github.repo), 'github.repo', `"${github.repo}" is not a repository name`);
    }
    need(github.visibility === undefined && github.repositories === undefined, 'github.visibility', 'visibility and repositories go with github.org');
    need(github.createEnvironment === undefined || github.environment !== undefined, 'github.createEnvironment', 'goes with github.environment');
    if (github.environment !== undefined) {
      need(/^[^\s][^\x00-\x1f]{0,254}$/.test(github.environment), 'github.environment', 'must be 1-255 printable characters');
      need(!github.environment.split('/').some((part) => DOTS.test(part)), 'github.environment', 'must not have a "." or ".." part between slashes');
    }
  }
  if (issues.length > 0) throw new ValidationErrors(issues);
}
