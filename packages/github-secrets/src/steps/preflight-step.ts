import type { CheckResult, Step, StepContext } from '@creds/core';
import type { CallOptions } from '../call-options.js';
import type { GitHubClient } from '../client.js';
import type { GitHubEnv } from '../env.js';
import { GitHubError, GitHubErrorCode, grantHint } from '../errors.js';
import type { EnvironmentScope, SecretScope } from '../scope.js';
import { environmentExists } from './environment-step.js';
import { callOptions, checkScope } from './shared.js';

export interface GitHubPreflightOptions {
  /** `github-preflight` by default. */
  id?: string;
  title?: string;
  repos?: Array<{ owner: string; repo: string; environments?: string[] }>;
  orgs?: string[];
  /** Also check that variables can be managed (one more read per scope). */
  variables?: boolean;
  /**
   * What an environment of `repos` that does not exist means: `refuse` (the default) stops with
   * GITHUB_ENVIRONMENT_MISSING; `create` lets the workflow create it, once GitHub says the token
   * may administer the repository; `ignore` passes (a teardown has nothing there to delete).
   */
  missingEnvironments?: MissingEnvironment | ((scope: EnvironmentScope) => MissingEnvironment);
  /** Advice for a refused missing environment (how to create it, or let the front-end do it). */
  missingEnvironmentHint?: string;
  dependsOn?: string[];
}

export type MissingEnvironment = 'refuse' | 'create' | 'ignore';

export interface GitHubPreflightOutput {
  repos: Array<{ fullName: string; id: number; private: boolean }>;
  /** Every scope whose secrets the token can manage (`octo/app`, `octo/app:prod`, `org:octo`). */
  scopes: string[];
  /** Environments that do not exist yet (`octo/app:prod`), with `missingEnvironments` `create` or `ignore`. */
  missingEnvironments?: string[];
}

/**
 * Read-only checks before the first write (I8): the token works and the repositories exist
 * (`GET /repos/{owner}/{repo}`: 401 / 404), and the token may manage their secrets (reading the
 * public key needs the same permission family: 403 names the permission and how to grant it).
 * The keys read here are cached by the client, so the secret steps do not read them again.
 */
export function githubPreflightStep<Env extends GitHubEnv = GitHubEnv>(options: GitHubPreflightOptions): Step<Env, GitHubPreflightOutput> {
  for (const [i, r] of (options.repos ?? []).entries()) checkScope({ kind: 'repo', owner: r.owner, repo: r.repo }, `repos[${i}]`);
  for (const [i, org] of (options.orgs ?? []).entries()) checkScope({ kind: 'org', org }, `orgs[${i}]`);
  const targets = [...(options.repos ?? []).map((r) => `${r.owner}/${r.repo}`), ...(options.orgs ?? []).map((o) => `organization ${o}`)];

  const run = async (ctx: StepContext<Env>): Promise<GitHubPreflightOutput> => {
    const github = ctx.env.github;
    const call = callOptions(ctx);
    const repos: GitHubPreflightOutput['repos'] = [];
    const scopes: string[] = [];
    const missing: string[] = [];
    for (const r of options.repos ?? []) {
      const info = await github.getRepo(r.owner, r.repo, call);
      repos.push({ fullName: info.fullName, id: info.id, private: info.private });
      await canManage(github, { kind: 'repo', owner: r.owner, repo: r.repo }, options.variables, call);
      scopes.push(`${r.owner}/${r.repo}`);
      for (const environment of r.environments ?? []) {
        const scope: EnvironmentScope = { kind: 'environment', owner: r.owner, repo: r.repo, environment };
        if (!(await environmentExists(github, scope, call))) {
          refuseMissing(scope, info.admin, options);
          missing.push(`${r.owner}/${r.repo}:${environment}`);
          continue;
        }
        await canManage(github, scope, options.variables, call);
        scopes.push(`${r.owner}/${r.repo}:${environment}`);
      }
    }
    for (const org of options.orgs ?? []) {
      await canManage(github, { kind: 'org', org }, options.variables, call);
      scopes.push(`org:${org}`);
    }
    return { repos, scopes, ...(missing.length > 0 ? { missingEnvironments: missing } : {}) };
  };

  return {
    id: options.id ?? 'github-preflight',
    title: options.title ?? `Check the GitHub token can manage secrets of ${targets.join(', ') || 'nothing'}`,
    readOnly: true,
    ...(options.dependsOn ? { dependsOn: options.dependsOn } : {}),
    apply: run,
    async check(ctx): Promise<CheckResult> {
      const out = await run(ctx);
      const notes = out.scopes.map((s) => `the token can manage the secrets of ${s}`);
      for (const s of out.missingEnvironments ?? []) notes.push(`environment ${s} does not exist yet`);
      return { inSync: true, notes };
    },
  };
}

/**
 * A missing environment stops the preflight unless the workflow may create it and GitHub does not
 * say the token may not administer the repository (`permissions.admin` of GET repository).
 */
function refuseMissing(scope: EnvironmentScope, admin: boolean | undefined, options: GitHubPreflightOptions): void {
  const given = options.missingEnvironments ?? 'refuse';
  const mode = typeof given === 'function' ? given(scope) : given;
  const what = `environment ${scope.environment} in ${scope.owner}/${scope.repo}`;
  if (mode === 'refuse') {
    throw new GitHubError(`${what} does not exist`, {
      code: GitHubErrorCode.environmentMissing,
      status: 404,
      hint: options.missingEnvironmentHint ?? `create it under the repository's Settings → Environments (or PUT /repos/${scope.owner}/${scope.repo}/environments/{name}), then run again`,
    });
  }
  if (mode === 'create' && admin === false) {
    throw new GitHubError(`the token may not create ${what}, which does not exist: GitHub says it may not administer ${scope.owner}/${scope.repo}`, {
      code: GitHubErrorCode.forbidden,
      hint: grantHint(scope, 'administration'),
    });
  }
}

async function canManage(github: GitHubClient, scope: SecretScope, variables: boolean | undefined, call: CallOptions): Promise<void> {
  await github.getPublicKey(scope, call);
  if (variables) await github.listVariables(scope, call);
}
