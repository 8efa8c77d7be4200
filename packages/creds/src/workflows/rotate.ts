import {
  accessKeyStep,
  deleteAccessKey,
  getUser,
  listAccessKeys,
  setAccessKeyStatus,
  verifyKeyStep,
} from '@creds/aws-iam';
import { CredsError, createWorkflow, type Step, type StepContext, type Workflow } from '@creds/core';
import type { TargetConfig } from '../config/schema.js';
import { describeRepo, storeNames, type TargetEnv } from '../env.js';
import { secretSteps, storedKey } from './secrets.js';
import { keyGroup, PREFLIGHT, preflightSteps, type WorkflowOptions } from './setup.js';

/**
 * Zero-downtime rotation, AWS's procedure: make a second key → store it (as `<target>.next`) →
 * write it to the secrets → verify it with STS → set the old key Inactive → delete it → make the
 * new key the target's key in the store. Until the old key is deleted, every undo puts the old one
 * back; once it is deleted the rotation is complete and undo keeps the new key (the repository is
 * never left without a working key).
 */
export function rotateWorkflow(target: TargetConfig, oldKeyId: string, options: WorkflowOptions = {}): Workflow<TargetEnv> {
  const { userName } = target.iam;
  const names = storeNames(target);

  // Gone with the user too (a teardown since): then there is nothing to put back.
  const oldKeyGone = async (ctx: StepContext<TargetEnv>) =>
    !(await getUser(ctx.env.aws.iam, userName)) ||
    !(await listAccessKeys(ctx.env.aws.iam, userName)).some((k) => k.accessKeyId === oldKeyId);
  /** Undo only while the old key exists; after it was deleted the rotation stands. */
  const guard = (step: Step<TargetEnv>, undo: NonNullable<Step<TargetEnv>['undo']>): Step<TargetEnv> => ({
    ...step,
    async undo(ctx, output) {
      if (await oldKeyGone(ctx)) {
        ctx.progress('the rotation was complete (the old key is deleted); keeping the new key');
        return;
      }
      await undo(ctx, output);
    },
  });

  const newKey = accessKeyStep({
    id: 'rotate-new-key',
    dependsOn: [...PREFLIGHT, 'rotate-begin'],
    userName,
    storeName: names.next,
    region: target.region,
    note: `GitHub Actions of ${describeRepo(target)} (rotation)`,
    knownKeyIds: [oldKeyId],
  }) as Step<TargetEnv>;

  // The new values go to the same secret steps setup uses; undo writes the old key's values back.
  // (slice(1): the region does not change.) Every repository sharing the key gets the new one.
  const group = keyGroup(target, options);
  const writeNew = group.flatMap(
    (t) => secretSteps(t, { storeName: names.next, dependsOn: ['rotate-new-key'], regionDependsOn: [] }).slice(1) as Step<TargetEnv>[],
  );
  const writeOld = group.flatMap((t) => secretSteps(t, { storeName: names.current, dependsOn: [], regionDependsOn: [] }).slice(1) as Step<TargetEnv>[]);
  const secrets = writeNew.map((step, i) => guard(step, async (ctx) => void (await writeOld[i]!.apply(ctx))));

  const verify = verifyKeyStep({
    id: 'rotate-verify',
    dependsOn: ['rotate-new-key'],
    storeName: names.next,
    userName,
    ...(options.verifyTimeoutMs ? { timeoutMs: options.verifyTimeoutMs } : {}),
  }) as Step<TargetEnv>;

  const deactivate: Step<TargetEnv> = {
    id: 'rotate-deactivate-old',
    title: `Set the old access key of ${userName} Inactive`,
    dependsOn: [...secrets.map((s) => s.id), 'rotate-verify'],
    async apply(ctx) {
      if (!(await oldKeyGone(ctx))) await setAccessKeyStatus(ctx.env.aws.iam, userName, oldKeyId, 'Inactive');
      return { accessKeyId: oldKeyId };
    },
    async undo(ctx) {
      if (!(await oldKeyGone(ctx))) await setAccessKeyStatus(ctx.env.aws.iam, userName, oldKeyId, 'Active');
    },
  };

  const deleteOld: Step<TargetEnv> = {
    id: 'rotate-delete-old',
    title: `Delete the old access key of ${userName}`,
    dependsOn: ['rotate-deactivate-old'],
    async apply(ctx) {
      return { accessKeyId: oldKeyId, deleted: await deleteAccessKey(ctx.env.aws.iam, userName, oldKeyId) };
    },
  };

  const promote: Step<TargetEnv> = {
    id: 'rotate-promote',
    title: `Keep the new key as ${names.current} in the ${target.name} store entry`,
    dependsOn: ['rotate-delete-old'],
    async apply(ctx) {
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
    id: 'rotate-begin',
    title: `Record the key being replaced (${oldKeyId.slice(0, 4)}…${oldKeyId.slice(-4)})`,
    async apply() {
      return { oldKeyId };
    },
  };

  return createWorkflow('rotate', [
    ...preflightSteps(target, options),
    begin,
    guard(newKey, (ctx, output) => newKey.undo!(ctx, output)),
    ...secrets,
    verify,
    deactivate,
    deleteOld,
    promote,
  ]);
}
