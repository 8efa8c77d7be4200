import {
  DEFAULT_OIDC_SUBJECTS,
  oidcProviderArn,
  trustPolicyText,
  validateMaxSessionDuration,
  validateRoleName,
  validateSubjects,
} from '@creds/aws-iam';
import { ValidationError } from '@creds/core';
import { validateSecretName } from '@creds/github-secrets';
import type { TargetConfig } from './schema.js';

/**
 * The subjects a target's role trusts: as configured; by default `environment:NAME` when the
 * target's secrets live in an environment (a job that can read them runs in that environment, and
 * GitHub then sends that as the sub), else `ref:refs/heads/main`.
 */
export function oidcSubjects(target: TargetConfig): string[] {
  if (target.oidc?.subjects) return [...target.oidc.subjects];
  return target.github.environment ? [`environment:${target.github.environment}`] : [...DEFAULT_OIDC_SUBJECTS];
}

function likeMatch(pattern: string, value: string): boolean {
  const body = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 's').test(value);
}

/** The oidc section's rules for one merged target, as checks for validateTarget. */
export function oidcChecks(target: TargetConfig, at: (field: string) => string): Array<() => void> {
  const oidc = target.oidc;
  if (!oidc) return [];
  const { owner, repo, environment } = target.github;
  if (target.github.org !== undefined || owner === undefined || repo === undefined) {
    return [
      () => {
        throw new ValidationError(at('oidc'), 'the keyless route needs github.owner and github.repo: the role trusts one repository', {
          hint: 'make one target per repository for oidc (organization secrets are for the key route)',
        });
      },
    ];
  }
  const subjects = oidcSubjects(target);
  const field = at('oidc.subjects');
  const options = { owner, repo, subjects, ...(oidc.allowAnyRef ? { allowAnyRef: true } : {}) };
  return [
    () => validateRoleName(oidc.roleName, at('oidc.roleName')),
    () => {
      const full = validateSubjects(options, field);
      trustPolicyText({ ...options, providerArn: oidcProviderArn('123456789012') }, field);
      const sub = `repo:${owner}/${repo}:environment:${environment}`;
      if (environment !== undefined && !full.some((p) => likeMatch(p, sub))) {
        throw new ValidationError(field, `the role ARN goes to environment ${environment}; jobs that read it send the sub ${sub}, which no subject admits`, {
          hint: `add "environment:${environment}" to oidc.subjects`,
        });
      }
    },
    () => oidc.maxSessionDuration !== undefined && validateMaxSessionDuration(oidc.maxSessionDuration, at('oidc.maxSessionDuration')),
    () => validateSecretName(oidc.roleArnName, at('oidc.roleArnName')),
    () => {
      const keyNames = [target.secrets.region, target.secrets.accessKeyId, target.secrets.secretAccessKey];
      if (keyNames.some((n) => n.toUpperCase() === oidc.roleArnName.toUpperCase())) {
        throw new ValidationError(at('oidc.roleArnName'), `"${oidc.roleArnName}" is also the name of a key-route secret; migrate-to-oidc deletes those`, {
          hint: 'keep the default AWS_ROLE_ARN, or pick another name',
        });
      }
    },
  ];
}
