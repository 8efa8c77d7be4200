import type { CheckResult, Step, StepContext } from '@creds/core';
import type { CallOptions } from '../call-options.js';
import type { GitHubClient } from '../client.js';
import type { GitHubEnv } from '../env.js';
import type { SecretScope } from '../scope.js';
import { callOptions, checkScope } from './shared.js';

export interface GitHubPreflightOptions {
  /** `github-preflight` by default. */
  id?: string;
  title?: string;
  repos?: Array<{ owner: string; repo: string; environments?: string[] }>;
  orgs?: string[];
  /** Also check that variables can be managed (one more read per scope). */
  variables?: boolean;
  dependsOn?: string[];
}

export interface GitHubPreflightOutput {
  repos: Array<{ fullName: string; id: number; private: boolean }>;
  /** Every scope whose secrets the token can manage (`octo/app`, `octo/app:prod`, `org:octo`). */
  scopes: string[];
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
    for (const r of options.repos ?? []) {
      repos.push(await github.getRepo(r.owner, r.repo, call));
      await canManage(github, { kind: 'repo', owner: r.owner, repo: r.repo }, options.variables, call);
      scopes.push(`${r.owner}/${r.repo}`);
      for (const environment of r.environments ?? []) {
        await canManage(github, { kind: 'environment', owner: r.owner, repo: r.repo, environment }, options.variables, call);
        scopes.push(`${r.owner}/${r.repo}:${environment}`);
      }
    }
    for (const org of options.orgs ?? []) {
      await canManage(github, { kind: 'org', org }, options.variables, call);
      scopes.push(`org:${org}`);
    }
    return { repos, scopes };
  };

  return {
    id: options.id ?? 'github-preflight',
    title: options.title ?? `Check the GitHub token can manage secrets of ${targets.join(', ') || 'nothing'}`,
    readOnly: true,
    ...(options.dependsOn ? { dependsOn: options.dependsOn } : {}),
    apply: run,
    async check(ctx): Promise<CheckResult> {
      const out = await run(ctx);
      return { inSync: true, notes: out.scopes.map((s) => `the token can manage the secrets of ${s}`) };
    },
  };
}

async function canManage(github: GitHubClient, scope: SecretScope, variables: boolean | undefined, call: CallOptions): Promise<void> {
  await github.getPublicKey(scope, call);
  if (variables) await github.listVariables(scope, call);
}
