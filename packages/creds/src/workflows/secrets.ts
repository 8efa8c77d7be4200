import { CredsError, Secret, type StepContext } from '@creds/core';
import { canonicalSecretName, type GitHubPreflightOutput, scopeKey, secretStep, variableStep } from '@creds/github-secrets';
import type { TargetEnv } from '../env.js';
import { secretScope } from '../env.js';
import { PREFLIGHT_STEPS } from './preflight.js';

/** Reads a key from the store inside a step, failing clearly when it is not there. */
export async function storedKey(ctx: StepContext<TargetEnv>, storeName: string) {
  const key = await ctx.env.store.get(storeName);
  if (!key) {
    throw new CredsError(`the ${ctx.env.store.type} key store has no entry ${storeName}`, {
      code: 'KEY_NOT_IN_STORE',
      hint: 'run creds run setup: it makes a new key (the old secret cannot be read back from AWS)',
    });
  }
  return key;
}

/**
 * The three Actions secrets (or the region as a variable) for a target, as steps, by what they hold.
 * The region does not wait for the key; the key id and secret do. The step ids are the same for
 * setup and rotate, so the newest write is what drift is measured against.
 */
export function secretSteps(
  target: TargetEnv['target'],
  opts: { storeName: string; dependsOn: string[]; regionDependsOn: string[]; /** Key id and secret written at once, not 1 s apart. */ unpaced?: boolean },
) {
  const scope = secretScope(target);
  const names = target.secrets;
  const fromStore = (pick: (key: Awaited<ReturnType<typeof storedKey>>) => Secret) => async (ctx: StepContext<TargetEnv>) =>
    pick(await storedKey(ctx, opts.storeName));
  // What the preflight's list of the scope's secrets said of `name`, before this run wrote any.
  const before = (name: string) => (ctx: StepContext<TargetEnv>) => {
    const listed = ctx.output<GitHubPreflightOutput>(PREFLIGHT_STEPS.github)?.secrets?.[scopeKey(scope)];
    if (!listed) return undefined;
    const updatedAt = listed[canonicalSecretName(name)];
    return updatedAt ? { updatedAt } : null;
  };
  const keyVersion = async (ctx: StepContext<TargetEnv>) => (await ctx.env.store.get(opts.storeName))?.accessKeyId;
  const region =
    names.regionAs === 'variable'
      ? variableStep<TargetEnv>({ scope, name: names.region, value: target.region, dependsOn: opts.regionDependsOn })
      : secretStep<TargetEnv>({
          scope,
          name: names.region,
          value: () => new Secret(target.region),
          version: () => target.region,
          before: before(names.region),
          dependsOn: opts.regionDependsOn,
        });
  return {
    region,
    accessKeyId: secretStep<TargetEnv>({
      scope,
      name: names.accessKeyId,
      value: fromStore((key) => new Secret(key.accessKeyId)),
      version: keyVersion,
      before: before(names.accessKeyId),
      dependsOn: opts.dependsOn,
      ...(opts.unpaced ? { unpaced: true } : {}),
    }),
    secretAccessKey: secretStep<TargetEnv>({
      scope,
      name: names.secretAccessKey,
      value: fromStore((key) => key.secretAccessKey),
      version: keyVersion,
      before: before(names.secretAccessKey),
      dependsOn: opts.dependsOn,
      ...(opts.unpaced ? { unpaced: true } : {}),
    }),
  };
}
