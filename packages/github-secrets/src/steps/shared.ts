import { type StepContext, ValidationError } from '@creds/core';
import type { CallOptions, RateLimitWait } from '../call-options.js';
import type { GitHubClient } from '../client.js';
import type { GitHubEnv } from '../env.js';
import type { OrgAccess } from '../write-secret.js';
import type { OrgScope, SecretScope } from '../scope.js';

/** Call options that report rate-limit waits as this step's progress and stop with the run. */
export function callOptions(ctx: StepContext<GitHubEnv>): CallOptions {
  return {
    signal: ctx.signal,
    onRateLimitWait: (info: RateLimitWait) =>
      ctx.progress(`waiting ${Math.ceil(info.retryAfterSeconds)} s for GitHub's ${info.kind === 'secondary' ? 'secondary ' : ''}rate limit`, {
        kind: info.kind,
        retryAfterSeconds: info.retryAfterSeconds,
        waitMs: info.waitMs,
        attempt: info.attempt,
      }),
  };
}


export function checkScope(scope: SecretScope, field: string): void {
  const part = /^[A-Za-z0-9_.-]+$/;
  if (scope.kind === 'org') {
    if (!part.test(scope.org)) throw new ValidationError(`${field}.org`, `"${scope.org}" is not an organization name`);
    const selected = (scope.selectedRepositoryIds?.length ?? 0) + (scope.repositories?.length ?? 0) > 0;
    if (selected && scope.visibility !== undefined && scope.visibility !== 'selected') {
      throw new ValidationError(`${field}.visibility`, `repositories can only be selected with visibility "selected", not "${scope.visibility}"`);
    }
    for (const r of scope.repositories ?? []) {
      if (!/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(r)) throw new ValidationError(`${field}.repositories`, `"${r}" is not owner/name`);
    }
    return;
  }
  if (!part.test(scope.owner)) throw new ValidationError(`${field}.owner`, `"${scope.owner}" is not a GitHub owner name`);
  if (!part.test(scope.repo)) throw new ValidationError(`${field}.repo`, `"${scope.repo}" is not a repository name`);
  if (scope.kind === 'environment' && (scope.environment.length === 0 || scope.environment.length > 255)) {
    throw new ValidationError(`${field}.environment`, 'must be 1-255 characters');
  }
}

/** Who may use an org secret, with repository names resolved to ids. */
export async function orgAccess(github: GitHubClient, scope: OrgScope, options: CallOptions): Promise<OrgAccess> {
  const named = await Promise.all(
    (scope.repositories ?? []).map((full) => {
      const [owner, repo] = full.split('/') as [string, string];
      return github.getRepo(owner, repo, options);
    }),
  );
  const ids = [...new Set([...(scope.selectedRepositoryIds ?? []), ...named.map((r) => r.id)])].sort((a, b) => a - b);
  const visibility = scope.visibility ?? (ids.length > 0 ? 'selected' : 'private');
  return { visibility, selectedRepositoryIds: visibility === 'selected' ? ids : [] };
}

export function sameIds(a: readonly number[] | undefined, b: readonly number[] | undefined): boolean {
  const x = [...(a ?? [])].sort((p, q) => p - q);
  const y = [...(b ?? [])].sort((p, q) => p - q);
  return x.length === y.length && x.every((v, i) => v === y[i]);
}
