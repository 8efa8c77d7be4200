import type { AwsClients, AwsEnv } from '@creds/aws-iam';
import type { KeyStore } from '@creds/core';
import type { GitHubClient, GitHubEnv, SecretScope } from '@creds/github-secrets';
import type { TargetConfig } from './config/schema.js';

/** What every step of a creds workflow sees in `ctx.env`. */
export interface TargetEnv extends AwsEnv, GitHubEnv {
  readonly target: TargetConfig;
  readonly aws: AwsClients;
  readonly github: GitHubClient;
  readonly store: KeyStore;
}

/** Where a target's secrets go: a repository, one of its environments, or an organization. */
export function secretScope(target: TargetConfig): SecretScope {
  const gh = target.github;
  if (gh.org) {
    return {
      kind: 'org',
      org: gh.org,
      ...(gh.visibility ? { visibility: gh.visibility } : {}),
      ...(gh.repositories ? { repositories: gh.repositories.map((r) => (r.includes('/') ? r : `${gh.org}/${r}`)) } : {}),
    };
  }
  const owner = gh.owner!;
  const repo = gh.repo!;
  return gh.environment ? { kind: 'environment', owner, repo, environment: gh.environment } : { kind: 'repo', owner, repo };
}

/**
 * The exact place a target's secrets go, as creds tags it on the IAM user and role it makes
 * (`creds:scope`): `repo:owner/repo`, `environment:owner/repo/name` or `org:name`. With the target
 * name it tells two configs' targets apart even when their short names are the same.
 */
export function ownerScope(target: TargetConfig): string {
  const gh = target.github;
  if (gh.org) return `org:${gh.org}`;
  return gh.environment ? `environment:${gh.owner}/${gh.repo}/${gh.environment}` : `repo:${gh.owner}/${gh.repo}`;
}

/** Who creds manages a target's IAM user and role for: the target name and its scope. */
export const ownerOf = (target: TargetConfig) => ({ target: target.name, scope: ownerScope(target) });

/** The repositories the GitHub preflight checks (none for an org secret: the org itself is checked). */
export function preflightRepos(target: TargetConfig) {
  const gh = target.github;
  if (gh.org || !gh.owner || !gh.repo) return [];
  return [{ owner: gh.owner, repo: gh.repo, ...(gh.environment ? { environments: [gh.environment] } : {}) }];
}

/**
 * The environments creds creates when they do not exist: each target's `github.environment` unless
 * it says `createEnvironment: false`, once per repository and name.
 */
export function environmentsToCreate(targets: readonly TargetConfig[]): Array<{ owner: string; repo: string; environment: string }> {
  const seen = new Map<string, { owner: string; repo: string; environment: string }>();
  for (const { github: gh } of targets) {
    if (gh.org || !gh.owner || !gh.repo || gh.environment === undefined || gh.createEnvironment === false) continue;
    seen.set(`${gh.owner}/${gh.repo}:${gh.environment}`.toLowerCase(), { owner: gh.owner, repo: gh.repo, environment: gh.environment });
  }
  return [...seen.values()];
}

/** The key-store entry of a target's key, and the one a rotation keeps its new key in until done. */
export const storeNames = (target: TargetConfig) => ({ current: target.name, next: `${target.name}.next` });

export function describeRepo(target: TargetConfig): string {
  const gh = target.github;
  return gh.org ? `organization ${gh.org}` : `${gh.owner}/${gh.repo}${gh.environment ? ` (environment ${gh.environment})` : ''}`;
}
