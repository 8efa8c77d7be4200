import {
  accessKeyStep,
  deleteAccessKey,
  getUser,
  iamUser,
  listAccessKeys,
  listUserTags,
  setAccessKeyStatus,
  TAGS,
  tagValue,
  untagPrincipal,
  verifyKeyStep,
} from '@creds/aws-iam';
import { CredsError, createWorkflow, type RunRecord, type Step, type StepContext, type Workflow } from '@creds/core';
import type { TargetConfig } from '../config/schema.js';
import { keyRouteIam } from '../config/validate.js';
import { describeRepo, storeNames, type TargetEnv } from '../env.js';
import type { WorkflowModule, WorkflowOptions } from './module.js';
import { DEFAULT_DRAIN_TIMEOUT_MS, drainStep, oldKeyUnusedStep } from './drain.js';
import { KEY_PREFLIGHT, keyGroup, preflightSteps } from './preflight.js';
import { secretSteps, storedKey } from './secrets.js';
import { githubKeySecretStep, githubKeyStep, githubKeyVerifyStep } from './github-held-key.js';
import { isStoreless } from '../no-store.js';

/** The ids of rotate's own steps (the secret writes are setup's, named by what they write). */
export const ROTATE_STEPS = {
  begin: 'rotate-begin',
  newKey: 'rotate-new-key',
  verify: 'rotate-verify',
  drain: 'rotate-drain',
  oldKeyUnused: 'rotate-old-key-unused',
  deactivateOld: 'rotate-deactivate-old',
  deleteOld: 'rotate-delete-old',
  promote: 'rotate-promote',
} as const;

/** The key a rotation run recorded it replaces, once its first step succeeded. */
export function rotationOldKey(run: RunRecord | undefined): string | undefined {
  const begin = run?.workflow === rotate.name ? run.steps.get(ROTATE_STEPS.begin) : undefined;
  return begin?.state === 'succeeded' ? (begin.output as { oldKeyId: string }).oldKeyId : undefined;
}

/**
 * Whether a rotation run is complete for good: once the old key is deleted, a rollback keeps the
 * new key (there is nothing to go back to), so what the run wrote still stands.
 */
export function rotationStands(run: RunRecord): boolean {
  return run.workflow === rotate.name && run.steps.get(ROTATE_STEPS.deleteOld)?.state === 'succeeded';
}

/**
 * A rotation that stopped (or is) waiting for workflow runs that started before the switch: its
 * drain is the step that failed, or the one in flight. The old key is still Active then.
 */
export function rotationWaitingOnDrain(runs: readonly RunRecord[]): { runId: string; message?: string } | undefined {
  const run = runs.at(-1);
  if (!run || run.workflow !== rotate.name || run.status === 'succeeded' || run.rollback) return undefined;
  const drain = run.steps.get(ROTATE_STEPS.drain);
  if (drain?.state === 'failed') return { runId: run.runId, message: drain.message };
  if (drain?.state === 'started') return { runId: run.runId };
  return undefined;
}

/**
 * The key a rotation replaces: for a rotation being resumed or rolled back, the one it recorded
 * when it began (the store may already hold the new key); for a new rotation, the key in the store.
 */
export async function oldKeyOf(target: TargetConfig, env: TargetEnv, run: RunRecord | undefined): Promise<string> {
  const recorded = rotationOldKey(run);
  if (recorded) return recorded;
  if (isStoreless(env.store)) return storelessOldKey(target, env);
  const current = await env.store.get(storeNames(target).current);
  if (!current) {
    throw new CredsError(`the ${env.store.type} key store holds no key for ${target.name}, so there is nothing to rotate`, {
      code: 'KEY_NOT_IN_STORE',
      hint: 'run creds run setup first (it makes the key)',
    });
  }
  return current.accessKeyId;
}

/**
 * The key a new rotation replaces when no store names it (`store: none`), from IAM alone; a run
 * with a journal takes the one its rotation recorded instead (oldKeyOf). With one key, that key.
 * With two, a rotation did not finish and its journal is elsewhere or gone (a CI runner's disk):
 * with no store, a rotation keeps the `creds:key-pending` marker on the user from before it makes
 * the new key until it deleted the old one, so the old key is the one the marker lists. Two keys
 * and no marker: one is someone else's, and the run is refused (I4). The new key
 * step then finishes or repairs it (github-held-key.ts): GitHub holds the newer key → it is taken
 * as the new key and the rotation goes on to drain and retire the old one; GitHub does not hold
 * it → its secret is lost, it is deleted, and a fresh key is made.
 */
async function storelessOldKey(target: TargetConfig, env: TargetEnv): Promise<string> {
  const { userName } = keyRouteIam(target, rotate.name);
  const { iam } = env.aws;
  const keys = (await getUser(iam, userName)) ? await listAccessKeys(iam, userName) : [];
  if (keys.length === 0) {
    throw new CredsError(`IAM user ${userName} has no access key, so there is nothing to rotate`, { code: 'KEY_NOT_IN_STORE', hint: 'run creds run setup first (it makes the key)' });
  }
  if (keys.length === 1) return keys[0]!.accessKeyId;
  const marker = tagValue(await listUserTags(iam, userName), TAGS.keyPending);
  const before = keys.filter((k) => marker?.split(' ').includes(k.accessKeyId));
  if (before.length === 1) return before[0]!.accessKeyId;
  throw new CredsError(`IAM user ${userName} has 2 access keys and no rotation of creds' is recorded on it (${TAGS.keyPending}): one of them is not creds'`, {
    code: 'TOO_MANY_KEYS',
    hint: `delete the key you no longer use (aws iam delete-access-key --user-name ${userName} --access-key-id ID), then run again; creds does not delete keys it did not make`,
  });
}

/**
 * Zero-downtime rotation, AWS's procedure: make a second key → store it (as `<target>.next`) →
 * verify it with STS until AWS accepts it (a new key is refused for 10-15 s) → only then write it
 * to the secrets, key id and secret at once → wait for the workflow runs that started before the
 * switch (they keep the old key to their end) → check nothing else used the old key since → set
 * it Inactive → delete it → make the new key the target's key in the store. Until the old key is
 * deleted, every undo puts the old one back; once it is deleted the rotation is complete and undo
 * keeps the new key (the repository is never left without a working key).
 */
export function rotateWorkflow(target: TargetConfig, oldKeyId: string, options: WorkflowOptions = {}): Workflow<TargetEnv> {
  const { userName } = keyRouteIam(target, rotate.name);
  const names = storeNames(target);

  // Gone with the user too (a teardown since): then there is nothing to put back.
  const oldKeyGone = async (ctx: StepContext<TargetEnv>) =>
    !(await getUser(ctx.env.aws.iam, userName)) ||
    !(await listAccessKeys(ctx.env.aws.iam, userName)).some((k) => k.accessKeyId === oldKeyId);
  /** Undo only while the old key exists; after it was deleted the rotation stands. */
  const guard = <Out>(step: Step<TargetEnv, Out>, undo: NonNullable<Step<TargetEnv, Out>['undo']>): Step<TargetEnv, Out> => ({
    ...step,
    async undo(ctx, output) {
      if (await oldKeyGone(ctx)) {
        ctx.progress('the rotation was complete (the old key is deleted); keeping the new key');
        return;
      }
      return undo(ctx, output);
    },
  });

  const group = keyGroup(target, options.followers);
  const storeless = options.storeless === true;
  const newKey: Step<TargetEnv> = storeless
    ? githubKeyStep({
        id: ROTATE_STEPS.newKey,
        dependsOn: [...KEY_PREFLIGHT, ROTATE_STEPS.begin],
        userName,
        targets: group,
        keepKeyIds: [oldKeyId],
        keepMarker: true,
        title: `Make a new access key for ${userName}, verify it and write it to GitHub (no store)`,
        ...(options.verifyTimeoutMs ? { verifyTimeoutMs: options.verifyTimeoutMs } : {}),
      })
    : storedNewKey();
  function storedNewKey() {
    const step = accessKeyStep({
    id: ROTATE_STEPS.newKey,
    dependsOn: [...KEY_PREFLIGHT, ROTATE_STEPS.begin],
    userName,
    storeName: names.next,
    region: target.region,
    note: `GitHub Actions of ${describeRepo(target)} (rotation)`,
    knownKeyIds: [oldKeyId],
  });
    return guard(step, (ctx, output) => step.undo!(ctx, output));
  }

  // The new values go to the same secret steps setup uses; undo writes the old key's values back.
  // The key id and the secret change, the region does not. Every repository sharing the key gets the new one.
  const secrets = group.flatMap((t) => {
    if (storeless) {
      // Written by the new key step; these record the writes. Nothing to write back on undo: no copy of the old key exists.
      return (['accessKeyId', 'secretAccessKey'] as const).map((which) => githubKeySecretStep(t, which, ROTATE_STEPS.newKey, [ROTATE_STEPS.verify]));
    }
    // Only once AWS accepts the new key, and the id and the secret at once (the pair is mixed between the two writes).
    const fresh = secretSteps(t, { storeName: names.next, dependsOn: [ROTATE_STEPS.verify], regionDependsOn: [], unpaced: true });
    const old = secretSteps(t, { storeName: names.current, dependsOn: [], regionDependsOn: [] });
    // The undo returns what it wrote back, so the journal records GitHub's new updated_at and
    // status measures drift against the old key's write, not against the undone one.
    return (['accessKeyId', 'secretAccessKey'] as const).map((which) => guard(fresh[which], (ctx) => old[which].apply(ctx)));
  });

  const verify = storeless
    ? githubKeyVerifyStep(ROTATE_STEPS.verify, ROTATE_STEPS.newKey)
    : verifyKeyStep({
    id: ROTATE_STEPS.verify,
    dependsOn: [ROTATE_STEPS.newKey],
    storeName: names.next,
    userName,
    ...(options.verifyTimeoutMs ? { timeoutMs: options.verifyTimeoutMs } : {}),
  });

  const drain = drainStep<TargetEnv>(group, {
    id: ROTATE_STEPS.drain,
    switchSteps: secrets.map((s) => s.id),
    timeoutMs: options.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS,
  });
  const unused = oldKeyUnusedStep<TargetEnv>({ id: ROTATE_STEPS.oldKeyUnused, dependsOn: [ROTATE_STEPS.drain], drainStep: ROTATE_STEPS.drain, userName, oldKeyId, force: options.force ?? false });

  const deactivate: Step<TargetEnv> = {
    id: ROTATE_STEPS.deactivateOld,
    title: `Set the old access key of ${userName} Inactive`,
    dependsOn: [ROTATE_STEPS.oldKeyUnused],
    async apply(ctx) {
      if (!(await oldKeyGone(ctx))) await setAccessKeyStatus(ctx.env.aws.iam, userName, oldKeyId, 'Inactive');
      return { accessKeyId: oldKeyId };
    },
    async undo(ctx) {
      if (!(await oldKeyGone(ctx))) await setAccessKeyStatus(ctx.env.aws.iam, userName, oldKeyId, 'Active');
    },
  };

  const deleteOld: Step<TargetEnv> = {
    id: ROTATE_STEPS.deleteOld,
    title: `Delete the old access key of ${userName}`,
    dependsOn: [ROTATE_STEPS.deactivateOld],
    async apply(ctx) {
      const deleted = await deleteAccessKey(ctx.env.aws.iam, userName, oldKeyId);
      // No store: the marker named the key this rotation replaces until now (see storelessOldKey).
      if (storeless && (await getUser(ctx.env.aws.iam, userName))) await untagPrincipal(ctx.env.aws.iam, iamUser(userName), [TAGS.keyPending]);
      return { accessKeyId: oldKeyId, deleted };
    },
  };

  const promote: Step<TargetEnv> = {
    id: ROTATE_STEPS.promote,
    title: `Keep the new key as ${names.current} in the ${target.name} store entry`,
    dependsOn: [ROTATE_STEPS.deleteOld],
    async apply(ctx) {
      // No store: the new key's only copy is in GitHub, which the new key step wrote.
      if (storeless) return { accessKeyId: ctx.output<{ accessKeyId: string }>(ROTATE_STEPS.newKey)!.accessKeyId };
      const { store } = ctx.env;
      const next = await store.get(names.next);
      if (next) {
        await store.put(names.current, next);
        await store.delete(names.next);
        return { accessKeyId: next.accessKeyId };
      }
      const current = await storedKey(ctx, names.current);
      if (current.accessKeyId === oldKeyId) {
        throw new CredsError(`the store lost the new key of ${target.name} before it was promoted`, { code: 'KEY_NOT_IN_STORE' });
      }
      return { accessKeyId: current.accessKeyId };
    },
  };

  const begin: Step<TargetEnv> = {
    id: ROTATE_STEPS.begin,
    title: `Record the key being replaced (${oldKeyId.slice(0, 4)}…${oldKeyId.slice(-4)})`,
    // Its output, in the journal, is all it writes.
    readOnly: true,
    async apply() {
      return { oldKeyId };
    },
  };

  return createWorkflow(rotate.name, [
    ...preflightSteps(target, options.followers, { keys: true, drain: (options.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS) > 0 }),
    begin,
    newKey,
    verify,
    ...secrets,
    drain,
    unused,
    deactivate,
    deleteOld,
    promote,
  ]);
}

export const rotate: WorkflowModule<'rotate'> = {
  name: 'rotate',
  steps: ROTATE_STEPS,
  build: async ({ target, followers, env, run, verifyTimeoutMs, drainTimeoutMs, force }) => {
    keyRouteIam(target, rotate.name);
    return rotateWorkflow(target, await oldKeyOf(target, env, run), {
      followers,
      ...(verifyTimeoutMs ? { verifyTimeoutMs } : {}),
      ...(drainTimeoutMs !== undefined ? { drainTimeoutMs } : {}),
      ...(force ? { force } : {}),
      ...(isStoreless(env.store) ? { storeless: true } : {}),
    });
  },
};
