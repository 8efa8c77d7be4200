import { randomUUID } from 'node:crypto';
import type { User } from '@aws-sdk/client-iam';
import { awsPreflightStep, checkUserOwnership, type Ownership } from '@creds/aws-iam';
import { CredsError, type KeyStore, type Step, type StepContext } from '@creds/core';
import { type EnvironmentScope, githubPreflightStep, type MissingEnvironment } from '@creds/github-secrets';
import type { TargetConfig } from '../config/schema.js';
import { keyRouteIam } from '../config/validate.js';
import { environmentsToCreate, ownerOf, preflightRepos, type TargetEnv } from '../env.js';

/**
 * The read-only checks every workflow starts with: who AWS says we are, what the GitHub token may
 * do; and for the workflows that make keys, whose the IAM user is and whether the key store can be
 * written. They run at once, and nothing is written before all of them passed.
 */
export const PREFLIGHT_STEPS = {
  aws: 'aws-preflight',
  github: 'github-preflight',
  owner: 'iam-user-owner',
  store: 'key-store-writable',
} as const;

/** The preflight ids every workflow has, for `dependsOn`. */
export const PREFLIGHT: string[] = [PREFLIGHT_STEPS.aws, PREFLIGHT_STEPS.github];

/** The preflight ids of a workflow that makes keys (setup, rotate): the above, the user's owner and the store. */
export const KEY_PREFLIGHT: string[] = [...PREFLIGHT, PREFLIGHT_STEPS.owner, PREFLIGHT_STEPS.store];

/** The target and the targets that share its key: every scope whose secrets hold the key. */
export const keyGroup = (target: TargetConfig, followers: readonly TargetConfig[] = []) => [target, ...followers];

/** Tells outputs read by this process from those a resumed run restored from the journal. */
const THIS_PROCESS = randomUUID();

interface UserOwnerOutput {
  userName: string;
  exists: boolean;
  ownership?: Ownership;
  adopting: boolean;
  /** What the user step needs of the user, so it need not read it again. */
  user?: User;
  readBy: string;
}

/**
 * The user as this run's preflight read it, for the user step: `null` when it was absent,
 * `undefined` when not read by this process (a resumed run reads it again: time has passed).
 */
export function userReadByPreflight(ctx: StepContext): User | null | undefined {
  const out = ctx.output<UserOwnerOutput>(PREFLIGHT_STEPS.owner);
  if (out?.readBy !== THIS_PROCESS) return undefined;
  return out.exists ? out.user : null;
}

/**
 * The IAM user is absent, this target's (made or adopted by creds for this target name and scope),
 * or taken over on purpose (`iam.adopt`); a user creds made for another target is refused with
 * NOT_OWNED naming that target, before anything is written.
 */
function userOwnerStep(target: TargetConfig): Step<TargetEnv, UserOwnerOutput> {
  const { userName, adopt } = keyRouteIam(target, 'a workflow that makes keys');
  const options = { ...ownerOf(target), userName, adopt };
  return {
    id: PREFLIGHT_STEPS.owner,
    title: `Check that IAM user ${userName} is free or this target's`,
    readOnly: true,
    async apply(ctx) {
      const found = await checkUserOwnership(ctx.env.aws.iam, options);
      const { user } = found;
      return {
        userName,
        exists: user !== undefined,
        ...(found.ownership ? { ownership: found.ownership } : {}),
        adopting: found.adopting,
        ...(user ? { user } : {}),
        readBy: THIS_PROCESS,
      };
    },
    async check(ctx) {
      const found = await checkUserOwnership(ctx.env.aws.iam, options);
      return found.adopting ? { inSync: true, notes: [`IAM user ${userName} is not creds' for this target; iam.adopt takes it over`] } : { inSync: true };
    },
  };
}

/**
 * The key store can take a key: asks the store's own `check` (a JSON file's folder, mode and
 * git-ignore; a keychain's Secret Service; 1Password's sign-in and vault), which writes no key.
 * Its error keeps the store's reason and code; a store without `check` passes.
 */
export async function checkStoreWritable(store: KeyStore): Promise<void> {
  if (!store.check) return;
  try {
    await store.check();
  } catch (error) {
    if (error instanceof CredsError) throw error;
    throw new CredsError(`the ${store.type} key store (${store.describe()}) cannot be written: ${error instanceof Error ? error.message : String(error)}`, {
      code: 'STORE_UNUSABLE',
      cause: error,
    });
  }
}

function storeWritableStep(): Step<TargetEnv> {
  return {
    id: PREFLIGHT_STEPS.store,
    title: 'Check that the key store can be written',
    readOnly: true,
    async apply(ctx) {
      await checkStoreWritable(ctx.env.store);
      return { type: ctx.env.store.type, where: ctx.env.store.describe() };
    },
    async check(ctx) {
      await checkStoreWritable(ctx.env.store);
      return { inSync: true };
    },
  };
}

/**
 * The preflight steps for a target and the targets sharing its key (their repositories and
 * organizations); `variables` when a step writes an Actions variable besides the region; `keys`
 * for a workflow that makes keys (the user's owner and the store are checked too). A configured
 * environment that does not exist is refused, unless `environments` says the workflow creates it
 * (setup, where `github.createEnvironment` is not false) or has nothing to do there (teardown).
 */
export function preflightSteps(
  target: TargetConfig,
  followers: readonly TargetConfig[] = [],
  extra: { variables?: boolean; keys?: boolean; environments?: 'create' | 'ignore'; drain?: boolean } = {},
): Step<TargetEnv>[] {
  const group = keyGroup(target, followers);
  const orgs = [...new Set(group.flatMap((t) => (t.github.org ? [t.github.org] : [])))];
  const creatable = new Set(environmentsToCreate(group).map((e) => `${e.owner}/${e.repo}:${e.environment}`.toLowerCase()));
  const missingEnvironments = (scope: EnvironmentScope): MissingEnvironment => {
    if (extra.environments === 'ignore') return 'ignore';
    const key = `${scope.owner}/${scope.repo}:${scope.environment}`.toLowerCase();
    return extra.environments === 'create' && creatable.has(key) ? 'create' : 'refuse';
  };
  return [
    awsPreflightStep({ id: PREFLIGHT_STEPS.aws }),
    githubPreflightStep<TargetEnv>({
      id: PREFLIGHT_STEPS.github,
      repos: group.flatMap(preflightRepos),
      orgs,
      variables: extra.variables === true || group.some((t) => t.secrets.regionAs === 'variable'),
      missingEnvironments,
      // Waiting for workflow runs reads them ("Actions: Read-only"); a token's lack shows at the drain.
      ...(extra.drain ? { appPermissions: { actions: 'read' as const } } : {}),
      missingEnvironmentHint:
        extra.environments === 'create'
          ? "create it under the repository's Settings → Environments, or drop github.createEnvironment: false so that setup creates it"
          : "creds run setup creates it (unless github.createEnvironment is false), or create it under the repository's Settings → Environments",
      // The secrets a key workflow writes: their state before it writes comes with the permission check.
      ...(extra.keys
        ? { watch: group.flatMap((t) => [...(t.secrets.regionAs === 'variable' ? [] : [t.secrets.region]), t.secrets.accessKeyId, t.secrets.secretAccessKey]) }
        : {}),
    }),
    ...(extra.keys ? [userOwnerStep(target), storeWritableStep()] : []),
  ];
}
