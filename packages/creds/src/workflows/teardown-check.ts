import { CredsError, type Step } from '@creds/core';
import type { TargetEnv } from '../env.js';

/** Teardown would stop halfway at what creds did not make on `what` (a user or a role). */
export function teardownBlocked(what: string, blockers: readonly string[]): CredsError {
  return new CredsError(`${what} has what creds did not make, so its teardown would stop halfway: ${blockers.join(', ')}`, {
    code: 'TEARDOWN_BLOCKED',
    hint: 'remove those yourself (creds never deletes what it did not make), then run teardown again; nothing was deleted',
  });
}

/**
 * A read-only step before a teardown's first delete: `refusal` says why the principal may not be
 * torn down (another owner's, or holding what creds did not make), or nothing. Plan shows it too.
 */
export function teardownCheckStepOf(options: {
  id: string;
  title: string;
  dependsOn: readonly string[];
  output: Record<string, unknown>;
  refusal: (env: TargetEnv) => Promise<CredsError | undefined>;
}): Step<TargetEnv> {
  const refuse = async (env: TargetEnv) => {
    const refused = await options.refusal(env);
    if (refused) throw refused;
  };
  return {
    id: options.id,
    title: options.title,
    readOnly: true,
    dependsOn: [...options.dependsOn],
    async apply(ctx) {
      await refuse(ctx.env);
      return options.output;
    },
    async check(ctx) {
      await refuse(ctx.env);
      return { inSync: true };
    },
  };
}
