import type { CheckResult, Step, StepContext } from '@creds/core';
import type { CallOptions } from '../call-options.js';
import type { GitHubClient } from '../client.js';
import type { GitHubEnv } from '../env.js';
import { type Access, checkAppOrganization, checkAppPermissions, checkAppRepository, need } from '../app-permissions.js';
import { GitHubError, GitHubErrorCode, grantHint } from '../errors.js';
import { canonicalSecretName } from '../names.js';
import { type EnvironmentScope, type SecretScope, scopeKey } from '../scope.js';
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
  /**
   * With a GitHub App: permissions its installation must hold besides those of managing the
   * scopes' secrets (and variables), e.g. `{ actions: 'read' }` to wait for workflow runs.
   */
  appPermissions?: Record<string, Access>;
  /** Secret names whose state before the run's writes the output keeps, per scope (`secrets`). */
  watch?: string[];
  dependsOn?: string[];
}

export type MissingEnvironment = 'refuse' | 'create' | 'ignore';

export interface GitHubPreflightOutput {
  repos: Array<{ fullName: string; id: number; private: boolean; mayWriteSecrets?: boolean }>;
  /** Every scope whose secrets the token can manage (`octo/app`, `octo/app:prod`, `org:octo`). */
  scopes: string[];
  /** Environments that do not exist yet (`octo/app:prod`), with `missingEnvironments` `create` or `ignore`. */
  missingEnvironments?: string[];
  /** Per scope, each watched secret that exists and its updated_at (a watched name not listed did not exist). */
  secrets?: Record<string, Record<string, string>>;
}

/**
 * Read-only checks before the first write (I8): the token works and the repositories exist
 * (`GET /repos/{owner}/{repo}`: 401 / 404), and the token may manage their secrets (listing them
 * needs the secrets permission: 403 names it and how to grant it). The list, read beside the
 * repository, also tells which watched secrets exist before the run writes any, so the secret
 * steps need not read them one by one.
 */
export function githubPreflightStep<Env extends GitHubEnv = GitHubEnv>(options: GitHubPreflightOptions): Step<Env, GitHubPreflightOutput> {
  for (const [i, r] of (options.repos ?? []).entries()) checkScope({ kind: 'repo', owner: r.owner, repo: r.repo }, `repos[${i}]`);
  for (const [i, org] of (options.orgs ?? []).entries()) checkScope({ kind: 'org', org }, `orgs[${i}]`);
  const targets = [...(options.repos ?? []).map((r) => `${r.owner}/${r.repo}`), ...(options.orgs ?? []).map((o) => `organization ${o}`)];

  const run = async (ctx: StepContext<Env>, access: Access): Promise<GitHubPreflightOutput> => {
    const github = ctx.env.github;
    const call = callOptions(ctx);
    const app = await checkApp(github, options, access);
    const repos: GitHubPreflightOutput['repos'] = [];
    const scopes: string[] = [];
    const missing: string[] = [];
    const secrets: Record<string, Record<string, string>> = {};
    const watch = new Set((options.watch ?? []).map(canonicalSecretName));
    const manage = async (scope: SecretScope) => {
      const listed = await canManage(github, scope, options.variables, call);
      scopes.push(scope.kind === 'org' ? `org:${scope.org}` : `${scope.owner}/${scope.repo}${scope.kind === 'environment' ? `:${scope.environment}` : ''}`);
      secrets[scopeKey(scope)] = Object.fromEntries(listed.filter((m) => watch.has(m.name)).map((m) => [m.name, m.updatedAt]));
    };
    for (const r of options.repos ?? []) {
      const scope: SecretScope = { kind: 'repo', owner: r.owner, repo: r.repo };
      // The public key the first secret write needs is read beside them (the client caches it); an
      // environment's is read by the check that it exists.
      if (watch.size > 0 && !r.environments?.length) github.getPublicKey(scope, call).catch(() => undefined);
      // The repository's answer decides the error when both fail (a missing repository is a 404 to both).
      const [repo, listed] = await Promise.allSettled([github.getRepo(r.owner, r.repo, call), manage(scope)]);
      if (repo.status === 'rejected') throw repo.reason;
      if (listed.status === 'rejected') throw listed.reason;
      const info = repo.value;
      repos.push({ fullName: info.fullName, id: info.id, private: info.private, mayWriteSecrets: info.mayWriteSecrets });
      for (const environment of r.environments ?? []) {
        const scope: EnvironmentScope = { kind: 'environment', owner: r.owner, repo: r.repo, environment };
        if (!(await environmentExists(github, scope, call))) {
          // An app's installation shows whether it may create the environment; its answer is the clearer one.
          if (app && missingMode(scope, options) === 'create') checkAppPermissions(app.info, app.access, { administration: 'write' });
          refuseMissing(scope, info.admin, options);
          missing.push(`${r.owner}/${r.repo}:${environment}`);
          continue;
        }
        await manage(scope);
      }
    }
    for (const org of options.orgs ?? []) await manage({ kind: 'org', org });
    return { repos, scopes, ...(missing.length > 0 ? { missingEnvironments: missing } : {}), ...(watch.size > 0 ? { secrets } : {}) };
  };

  return {
    id: options.id ?? 'github-preflight',
    title: options.title ?? `Check the GitHub token can manage secrets of ${targets.join(', ') || 'nothing'}`,
    readOnly: true,
    ...(options.dependsOn ? { dependsOn: options.dependsOn } : {}),
    apply: (ctx) => run(ctx, 'write'),
    async check(ctx): Promise<CheckResult> {
      const out = await run(ctx, 'read');
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
function missingMode(scope: EnvironmentScope, options: GitHubPreflightOptions): MissingEnvironment {
  const given = options.missingEnvironments ?? 'refuse';
  return typeof given === 'function' ? given(scope) : given;
}

function refuseMissing(scope: EnvironmentScope, admin: boolean | undefined, options: GitHubPreflightOptions): void {
  const mode = missingMode(scope, options);
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

/**
 * With a GitHub App, what its installation may do is known from its token's answer: every
 * permission the scopes need (`access`: `write` for a run, `read` for a check) and every repository
 * are checked before any other call, and no write probe is needed.
 */
async function checkApp(github: GitHubClient, options: GitHubPreflightOptions, access: Access) {
  if (github.auth.kind !== 'app') return undefined;
  const info = { appId: github.auth.appId, installationId: github.auth.installationId, account: github.auth.account };
  const granted = await github.auth.access();
  const needed: Record<string, Access> = { metadata: 'read' };
  for (const r of options.repos ?? []) {
    need(needed, 'secrets', access);
    if (options.variables) need(needed, 'variables', access);
    if (r.environments?.length) need(needed, 'environments', access);
    checkAppRepository(info, granted, r.owner, r.repo);
  }
  for (const org of options.orgs ?? []) {
    need(needed, 'organization_secrets', access);
    if (options.variables) need(needed, 'organization_variables', access);
    checkAppOrganization(info, org);
  }
  for (const [name, want] of Object.entries(options.appPermissions ?? {})) need(needed, name, want);
  checkAppPermissions(info, granted, needed);
  return { info, access: granted };
}

async function canManage(github: GitHubClient, scope: SecretScope, variables: boolean | undefined, call: CallOptions) {
  const listed = await github.listSecrets(scope, call);
  if (variables) await github.listVariables(scope, call);
  return listed;
}
