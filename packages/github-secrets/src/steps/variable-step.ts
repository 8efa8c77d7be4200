import type { CheckResult, Step, StepContext } from '@creds/core';
import type { GitHubEnv } from '../env.js';
import { canonicalSecretName, validateSecretName, validateSecretValue } from '../names.js';
import { describeScope, type ScopeRef, type SecretScope, sameScope, scopeRef } from '../scope.js';
import { githubStepId } from '../step-id.js';
import { callOptions, checkScope } from './shared.js';

export interface VariableStepOptions<Env extends GitHubEnv = GitHubEnv> {
  /** Stable id; `github-variable:<scope>:<NAME>` by default. */
  id?: string;
  title?: string;
  scope: SecretScope;
  name: string;
  /** Plain text (variables are not secret: a region, an account id). */
  value: string | ((ctx: StepContext<Env>) => string | Promise<string>);
  dependsOn?: string[];
}

export interface VariableStepOutput {
  name: string;
  scope: ScopeRef;
  status: 'created' | 'updated' | 'unchanged';
  value: string;
  /** The value a variable had before creds first changed it; undo puts it back. */
  replaced?: string;
}

/** What the journal keeps before a variable's first write in a run: the value it had (null: none). */
interface VariableStepNote {
  previous: string | null;
}

function isOutput(value: unknown, scope: SecretScope, name: string): value is VariableStepOutput {
  const o = value as Partial<VariableStepOutput> | undefined;
  return !!o && o.name === name && typeof o.value === 'string' && !!o.scope && sameScope(o.scope, scope);
}

/**
 * One Actions variable as a step: create it (POST 201), or update it (PATCH) when it exists with
 * another value; no write when it already holds the value. Undo deletes it when this run created
 * it, puts back the value it had before this run changed it, and leaves it alone when this run
 * changed nothing.
 */
export function variableStep<Env extends GitHubEnv = GitHubEnv>(options: VariableStepOptions<Env>): Step<Env, VariableStepOutput> {
  validateSecretName(options.name, 'variable name');
  checkScope(options.scope, 'variable scope');
  if (typeof options.value === 'string') validateSecretValue(options.value, `value of ${options.name}`);
  const { scope } = options;
  const name = canonicalSecretName(options.name);
  const id = options.id ?? githubStepId('variable', scope, name);
  const resource = `variable ${name} in ${describeScope(scope)}`;
  const desired = async (ctx: StepContext<Env>): Promise<string> => {
    const value = typeof options.value === 'string' ? options.value : await options.value(ctx);
    validateSecretValue(value, `value of ${name}`);
    return value;
  };
  const prior = (ctx: StepContext<Env>): VariableStepOutput | undefined => {
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
      const value = await desired(ctx);
      const last = prior(ctx);
      const keep = last?.replaced === undefined ? {} : { replaced: last.replaced };
      const base = { name, scope: scopeRef(scope), value, ...keep };
      const current = await github.getVariable(scope, name, call);
      const note = ctx.recorded<VariableStepNote>();
      if (current?.value === value) return { ...base, status: note && note.previous !== value ? (note.previous === null ? 'created' : 'updated') : 'unchanged' };
      // Before the first write of this run: the value that was there (undo puts it back).
      ctx.record({ previous: current?.value ?? null } satisfies VariableStepNote);
      if (!current) {
        if ((await github.createVariable(scope, name, value, call)) === 'created') return { ...base, status: 'created' };
        // Created meanwhile by someone else: make it ours.
        await github.updateVariable(scope, name, value, call);
        return { ...base, status: 'updated' };
      }
      await github.updateVariable(scope, name, value, call);
      return { ...base, status: 'updated', ...(last ? {} : { replaced: current.value }) };
    },

    async undo(ctx, output) {
      const github = ctx.env.github;
      const call = callOptions(ctx);
      const note = ctx.recorded<VariableStepNote>();
      if (output?.status === 'unchanged' || (!output && !note)) {
        ctx.unchanged(`this run did not change ${resource}`);
        return;
      }
      if (note) {
        if (note.previous === null) {
          if (!(await github.deleteVariable(scope, name, call))) ctx.progress(`${resource} was already gone`);
        } else {
          await github.updateVariable(scope, name, note.previous, call);
          ctx.progress(`restored the earlier value of ${resource}`);
        }
        return;
      }
      if (output?.replaced !== undefined) {
        await github.updateVariable(scope, name, output.replaced, call);
        ctx.progress(`restored the earlier value of ${resource}`);
        return;
      }
      if (!(await github.deleteVariable(scope, name, call))) ctx.progress(`${resource} was already gone`);
    },

    async check(ctx): Promise<CheckResult> {
      const current = await ctx.env.github.getVariable(scope, name, callOptions(ctx));
      if (!current) return { inSync: false, changes: [{ action: 'create', resource }] };
      let value: string | undefined;
      try {
        value = await desired(ctx);
      } catch {
        value = undefined;
      }
      if (value === undefined || current.value === value) return { inSync: true };
      const last = prior(ctx);
      const drifted = last !== undefined && last.value === value;
      return {
        inSync: false,
        changes: [{ action: drifted ? 'drift' : 'update', resource, detail: drifted ? 'changed outside creds; apply sets it again' : 'the value changed' }],
      };
    },
  };
}
