import type { CheckResult, Secret, Step, StepContext } from '@creds/core';
import type { GitHubEnv } from '../env.js';
import { canonicalSecretName, validateSecretName } from '../names.js';
import { describeScope, type OrgVisibility, type ScopeRef, type SecretScope, sameScope, scopeRef } from '../scope.js';
import { writeSecret } from '../write-secret.js';
import { githubStepId } from '../step-id.js';
import { callOptions, checkScope, orgAccess, sameIds } from './shared.js';

export interface SecretStepOptions<Env extends GitHubEnv = GitHubEnv> {
  /** Stable id; `github-secret:<scope>:<NAME>` by default. */
  id?: string;
  title?: string;
  scope: SecretScope;
  name: string;
  /** The value, asked for only when it must be written (usually read from the key store). */
  value: (ctx: StepContext<Env>) => Secret | Promise<Secret>;
  /**
   * A non-secret identifier of the value: the access key id for the secret access key, the region
   * itself for the region. When it equals what an earlier run recorded and GitHub's updated_at has
   * not moved, the secret is left alone (no write). Without it, every run writes.
   */
  version?: (ctx: StepContext<Env>) => string | undefined | Promise<string | undefined>;
  dependsOn?: string[];
  /**
   * What the run already knows of the secret before its writes (e.g. from the preflight's list):
   * its updated_at, `null` when it did not exist, `undefined` when unknown (the step reads it).
   */
  before?: (ctx: StepContext<Env>) => { updatedAt: string } | null | undefined;
  /** Write at once, not behind the 1 s gap between writes (see CallOptions.unpaced). */
  unpaced?: boolean;
}

/** What the journal keeps of a secret write: where, when, and never the value. */
export interface SecretStepOutput {
  name: string;
  scope: ScopeRef;
  status: 'created' | 'updated' | 'unchanged';
  createdAt: string;
  /** GitHub's updated_at after creds' write: a later one means someone else changed it. */
  updatedAt: string;
  version?: string;
  visibility?: OrgVisibility;
  selectedRepositoryIds?: number[];
}

/** What the journal keeps before a secret's first write in a run. */
interface SecretStepNote {
  existed: boolean;
}

/**
 * Whether a secret was written after `recorded` (creds' write): GitHub keeps times to the second, and
 * creds records its write's answer `Date`, which is never before the write's own updated_at.
 */
function changedSince(updatedAt: string, recorded: string): boolean {
  return Math.floor(Date.parse(updatedAt) / 1000) > Math.floor(Date.parse(recorded) / 1000);
}

function isOutput(value: unknown, scope: SecretScope, name: string): value is SecretStepOutput {
  const o = value as Partial<SecretStepOutput> | undefined;
  return !!o && typeof o.updatedAt === 'string' && o.name === name && !!o.scope && sameScope(o.scope, scope);
}

/**
 * One Actions secret as a step: seal with the scope's public key, PUT with the key id (201 and 204
 * both succeed; a key rotated meanwhile is refetched once). Undo deletes it only when this run
 * created it (already gone is fine); one that existed before is left as it is, with a warning (its
 * old value cannot be read back), and one this run left unchanged is not touched.
 * Check reports a missing secret, and drift when GitHub's updated_at is newer than creds' write.
 */
export function secretStep<Env extends GitHubEnv = GitHubEnv>(options: SecretStepOptions<Env>): Step<Env, SecretStepOutput> {
  validateSecretName(options.name, 'secret name');
  checkScope(options.scope, 'secret scope');
  const { scope } = options;
  const name = canonicalSecretName(options.name);
  const ref = scopeRef(scope);
  const id = options.id ?? githubStepId('secret', scope, name);
  const resource = `secret ${name} in ${describeScope(scope)}`;
  const prior = (ctx: StepContext<Env>): SecretStepOutput | undefined => {
    const out = ctx.env.priorOutput?.(id);
    return isOutput(out, scope, name) ? out : undefined;
  };

  return {
    id,
    title: options.title ?? `Set ${resource}`,
    ...(options.dependsOn ? { dependsOn: options.dependsOn } : {}),

    async apply(ctx) {
      const github = ctx.env.github;
      const call = callOptions(ctx);
      const access = scope.kind === 'org' ? await orgAccess(github, scope, call) : undefined;
      const version = await options.version?.(ctx);
      const last = prior(ctx);
      // Known from earlier in this run only on its first attempt: a resumed attempt may have written.
      const firstAttempt = ctx.recorded<SecretStepNote>() === undefined;
      const known = firstAttempt ? options.before?.(ctx) : undefined;
      const current: { updatedAt: string; createdAt?: string } | undefined = known === undefined ? await github.getSecret(scope, name, call) : (known ?? undefined);
      if (last && version !== undefined && last.version === version && (!access || access.visibility === last.visibility)) {
        if (current && !changedSince(current.updatedAt, last.updatedAt)) {
          if (scope.kind === 'org' && access?.visibility === 'selected' && !sameIds(access.selectedRepositoryIds, last.selectedRepositoryIds)) {
            // The selection changes without the value: GitHub has an endpoint for just that.
            await github.setSelectedRepositories(scope.org, name, access.selectedRepositoryIds, call);
            ctx.progress(`updated the repositories that may use ${name}`);
          }
          return { ...last, status: 'unchanged', ...(access ? { selectedRepositoryIds: access.selectedRepositoryIds } : {}) };
        }
      }
      // Before the first write of this run: whether the secret was there (an undo never deletes one that was).
      ctx.record({ existed: current !== undefined } satisfies SecretStepNote);
      const noted = ctx.recorded<SecretStepNote>()?.existed ?? current !== undefined;
      const value = await options.value(ctx);
      const written = await writeSecret(github, scope, name, value, {
        ...call,
        ...(options.unpaced ? { unpaced: true } : {}),
        ...(access ? { access } : {}),
        onKeyRotated: () => ctx.progress(`the public key of ${describeScope(scope)} changed while writing ${name}; sealed it again with the new key`),
      });
      // On a first attempt GitHub's answer tells too: 204 means it was there (made after the list was read, say).
      const existed = firstAttempt ? noted || written.status === 'updated' : noted;
      return {
        name,
        scope: ref,
        // This run's first attempt decides: a resumed write finds the secret it made itself.
        status: existed ? 'updated' : 'created',
        // GitHub's answer to a write carries no times: its Date is when it wrote (to the second, as updated_at).
        createdAt: (existed ? current?.createdAt : undefined) ?? written.at,
        updatedAt: written.at,
        ...(version === undefined ? {} : { version }),
        ...(access ? { visibility: access.visibility, selectedRepositoryIds: access.selectedRepositoryIds } : {}),
      };
    },

    async undo(ctx, output) {
      const existed = output ? (output.status === 'unchanged' ? undefined : output.status === 'updated') : ctx.recorded<SecretStepNote>()?.existed;
      if (existed === undefined) {
        ctx.unchanged(`this run did not write ${resource}`);
        return;
      }
      if (existed) {
        ctx.warn(`${resource} existed before this run and is left as it is: its earlier value cannot be restored (GitHub never returns a secret's value)`);
        ctx.unchanged(`${resource} existed before this run: kept`);
        return;
      }
      const deleted = await ctx.env.github.deleteSecret(scope, name, callOptions(ctx));
      if (!deleted) ctx.progress(`${resource} was already gone`);
    },

    async check(ctx): Promise<CheckResult> {
      const github = ctx.env.github;
      const call = callOptions(ctx);
      const current = await github.getSecret(scope, name, call);
      if (!current) return { inSync: false, changes: [{ action: 'create', resource }] };
      const last = prior(ctx);
      if (!last) {
        return { inSync: false, changes: [{ action: 'update', resource, detail: 'it exists but creds has no record of writing it; apply overwrites it' }] };
      }
      if (changedSince(current.updatedAt, last.updatedAt)) {
        return {
          inSync: false,
          changes: [{ action: 'drift', resource, detail: `changed outside creds at ${current.updatedAt} (creds wrote it at ${last.updatedAt}); apply writes creds' value again` }],
        };
      }
      let version: string | undefined;
      try {
        version = await options.version?.(ctx);
      } catch {
        version = undefined; // the value's source may not exist yet (plan before the first run)
      }
      if (version !== undefined && version !== last.version) {
        return { inSync: false, changes: [{ action: 'update', resource, detail: 'the value changed' }] };
      }
      if (scope.kind === 'org') {
        const access = await orgAccess(github, scope, call);
        if (access.visibility !== last.visibility || !sameIds(access.selectedRepositoryIds, last.selectedRepositoryIds)) {
          return { inSync: false, changes: [{ action: 'update', resource, detail: 'who may use it changed (visibility or selected repositories)' }] };
        }
      }
      return { inSync: true };
    },
  };
}
