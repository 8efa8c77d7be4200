import type { CallOptions } from '../call-options.js';
import type { CheckResult, Step, StepContext } from '@creds/core';
import type { GitHubClient } from '../client.js';
import type { GitHubEnv } from '../env.js';
import { GitHubErrorCode } from '../errors.js';
import type { EnvironmentScope } from '../scope.js';
import { callOptions, checkScope } from './shared.js';

export interface EnvironmentStepOptions {
  /** Stable id; `github-environment:<owner>/<repo>:<environment>` by default. */
  id?: string;
  title?: string;
  owner: string;
  repo: string;
  environment: string;
  dependsOn?: string[];
}

export interface EnvironmentStepOutput {
  owner: string;
  repo: string;
  environment: string;
  /** This run created it: undo deletes it. An environment that was there before is never touched. */
  created: boolean;
}

/** What the journal keeps before the environment is created: that it was not there. */
interface EnvironmentStepNote {
  existed: false;
}

/**
 * The id of the step that makes sure an environment exists (`github-environment:octo/app:prod`),
 * or with kind `delete-environment`, of the one that deletes it.
 */
export function environmentStepId(owner: string, repo: string, environment: string, kind: 'environment' | 'delete-environment' = 'environment'): string {
  return `github-${kind}:${owner.toLowerCase()}/${repo.toLowerCase()}:${environment}`.replace(/[^a-z0-9:._/-]/gi, '_').slice(0, 128);
}

/**
 * Whether an environment exists, from its Actions public key: GitHub answers 404 for the key of an
 * environment that does not exist (the repository was read before), and reading it needs only the
 * "Environments: read" the secrets need anyway. The key is cached by the client, so the secret steps
 * and the preflight share the read.
 */
export async function environmentExists(github: GitHubClient, scope: EnvironmentScope, options: CallOptions): Promise<boolean> {
  try {
    // Read afresh: a key the client cached says nothing of an environment deleted since.
    await github.getPublicKey(scope, { ...options, fresh: true });
    return true;
  } catch (error) {
    if ((error as { code?: string }).code === GitHubErrorCode.notFound) return false;
    throw error;
  }
}

/**
 * A deployment environment of a repository, as a step: created (`PUT …/environments/{name}`, no
 * settings) only when it does not exist; one that exists is not written at all, so its protection
 * rules stay as they are. The note journaled before the PUT tells a resumed apply (which finds the
 * environment there) and undo that this run made it. Undo deletes it only then — with the secrets
 * and variables in it, which the steps that wrote them undid first.
 */
export function environmentStep<Env extends GitHubEnv = GitHubEnv>(options: EnvironmentStepOptions): Step<Env, EnvironmentStepOutput> {
  const scope: EnvironmentScope = { kind: 'environment', owner: options.owner, repo: options.repo, environment: options.environment };
  checkScope(scope, 'environment scope');
  const { owner, repo, environment } = options;
  const resource = `environment ${environment} in ${owner}/${repo}`;
  const createdByRun = (ctx: StepContext<Env>) => ctx.recorded<EnvironmentStepNote>()?.existed === false;

  return {
    id: options.id ?? environmentStepId(owner, repo, environment),
    title: options.title ?? `Create ${resource} if it does not exist`,
    ...(options.dependsOn ? { dependsOn: options.dependsOn } : {}),

    async apply(ctx) {
      const call = callOptions(ctx);
      const base = { owner, repo, environment };
      if (await environmentExists(ctx.env.github, scope, call)) return { ...base, created: createdByRun(ctx) };
      ctx.record({ existed: false } satisfies EnvironmentStepNote);
      await ctx.env.github.createEnvironment(owner, repo, environment, call);
      return { ...base, created: true };
    },

    async undo(ctx, output) {
      if (!(output?.created ?? createdByRun(ctx))) {
        ctx.unchanged(`${resource} was there before this run; creds leaves it`);
        return;
      }
      if (!(await ctx.env.github.deleteEnvironment(owner, repo, environment, callOptions(ctx)))) ctx.progress(`${resource} was already gone`);
    },

    async check(ctx): Promise<CheckResult> {
      return (await environmentExists(ctx.env.github, scope, callOptions(ctx)))
        ? { inSync: true }
        : { inSync: false, changes: [{ action: 'create', resource }] };
    },
  };
}

/**
 * Teardown's counterpart: deletes an environment that creds created (the caller knows from the
 * journal); gone already counts as done.
 */
export function deleteEnvironmentStep<Env extends GitHubEnv = GitHubEnv>(options: EnvironmentStepOptions): Step<Env, { environment: string; deleted: boolean }> {
  const scope: EnvironmentScope = { kind: 'environment', owner: options.owner, repo: options.repo, environment: options.environment };
  checkScope(scope, 'environment scope');
  const { owner, repo, environment } = options;
  const resource = `environment ${environment} in ${owner}/${repo}`;
  return {
    id: options.id ?? environmentStepId(owner, repo, environment, 'delete-environment'),
    title: options.title ?? `Delete ${resource}, which creds created`,
    ...(options.dependsOn ? { dependsOn: options.dependsOn } : {}),
    async apply(ctx) {
      return { environment, deleted: await ctx.env.github.deleteEnvironment(owner, repo, environment, callOptions(ctx)) };
    },
    async check(ctx): Promise<CheckResult> {
      return (await environmentExists(ctx.env.github, scope, callOptions(ctx)))
        ? { inSync: false, changes: [{ action: 'delete', resource }] }
        : { inSync: true };
    },
  };
}
