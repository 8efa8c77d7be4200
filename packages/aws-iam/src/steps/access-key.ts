import { type Change, CredsError, type Secret, type Step, type StepContext, ValidationError } from '@creds/core';
import type { AwsEnv } from '../env.js';
import { type AccessKeyInfo, createAccessKey, getUser, listAccessKeys, listUserTags, retireAccessKey } from '../ops.js';
import { iamUser, tagPrincipal, untagPrincipal } from '../principal.js';
import { KEY_PENDING_NONE, TAGS, tagValue } from '../ownership.js';
import { validateAll, validateRegion, validateUserName } from '../validate.js';

export interface AccessKeyStepOptions {
  /** Step id (default `iam-access-key`). */
  id?: string;
  dependsOn?: readonly string[];
  userName: string;
  /** The KeyStore entry that holds the key (creds names it after the target). */
  storeName: string;
  /** Kept beside the key in the store. */
  region?: string;
  note?: string;
  /** Key ids that belong to creds but live elsewhere (e.g. the other key during a rotation). */
  knownKeyIds?: readonly string[];
  /**
   * This run made the user with the `creds:key-pending` marker already on it (iamUserStep's
   * `keyPending`), so it has no key yet: a first attempt makes one without reading or tagging, and
   * leaves the marker for keyPendingClearStep to remove beside the steps that use the key.
   */
  userMadeMarked?: (ctx: StepContext) => boolean;
  /** The run already knows the user exists (its user step succeeded): the key step does not read it again. */
  userExists?: (ctx: StepContext) => boolean;
}

export interface AccessKeyOutput {
  userName: string;
  storeName: string;
  /** Only the id: the secret is in the store, never in the journal. */
  accessKeyId: string;
  created: boolean;
  /** Keys AWS made in an interrupted attempt whose secret never reached the store; deleted. */
  deletedOrphans: string[];
  /** The `creds:key-pending` marker is still on the user (keyPendingClearStep removes it). */
  markerLeft?: boolean;
  /** IAM lists the key as Active (a new key always is). */
  active?: boolean;
}

/** What is on the user compared with the store. */
interface KeyView {
  userExists: boolean;
  keys: AccessKeyInfo[];
  storedId: string | undefined;
  current: AccessKeyInfo | undefined;
  /** Made by an interrupted attempt of this step (the pending tag says which keys were there before). */
  orphans: string[];
  /** Neither in the store nor orphans: someone else's. */
  foreign: string[];
  pending: boolean;
}

async function view(env: AwsEnv, opts: AccessKeyStepOptions, userKnown = false): Promise<KeyView> {
  const { iam } = env.aws;
  const stored = await env.store.get(opts.storeName);
  const storedId = stored?.accessKeyId;
  if (!userKnown && !(await getUser(iam, opts.userName))) {
    return { userExists: false, keys: [], storedId, current: undefined, orphans: [], foreign: [], pending: false };
  }
  const keys = await listAccessKeys(iam, opts.userName);
  const known = new Set([...(opts.knownKeyIds ?? []), ...(storedId ? [storedId] : [])]);
  const unknown = keys.filter((k) => !known.has(k.accessKeyId)).map((k) => k.accessKeyId);
  let orphans: string[] = [];
  let pending = false;
  if (unknown.length > 0) {
    const before = tagValue(await listUserTags(iam, opts.userName), TAGS.keyPending);
    pending = before !== undefined;
    const existedBefore = new Set((before ?? '').split(' ').filter(Boolean));
    if (pending) orphans = unknown.filter((id) => !existedBefore.has(id));
  }
  return {
    userExists: true,
    keys,
    storedId,
    current: keys.find((k) => k.accessKeyId === storedId),
    orphans,
    foreign: unknown.filter((id) => !orphans.includes(id)),
    pending,
  };
}

/** What the journal keeps before the key step makes a key in a run: the key the store held then. */
interface AccessKeyNote {
  userName: string;
  storeName: string;
  keyBefore: string | null;
}

/** Puts a new key's secret in the store; when that fails, the key is useless and deleted again rather than left an orphan. */
async function storeKey(ctx: StepContext<AwsEnv>, opts: AccessKeyStepOptions, key: { accessKeyId: string; secretAccessKey: Secret }): Promise<void> {
  try {
    await ctx.env.store.put(opts.storeName, {
      accessKeyId: key.accessKeyId,
      secretAccessKey: key.secretAccessKey,
      ...(opts.region ? { region: opts.region } : {}),
      ...(opts.note ? { note: opts.note } : {}),
      createdAt: new Date().toISOString(),
    });
  } catch (error) {
    await retireAccessKey(ctx.env.aws.iam, opts.userName, key.accessKeyId).catch(() => undefined);
    const reason = error instanceof Error ? error.message : String(error);
    throw new CredsError(`could not store the new access key in ${ctx.env.store.describe()} (${reason}); the key was deleted again`, {
      code: 'STORE_WRITE_FAILED',
      hint: (error instanceof CredsError ? error.hint : undefined) ?? 'fix the key store (see creds doctor), then run again',
      cause: error,
    });
  }
}

/**
 * Removes the `creds:key-pending` marker an access key step left on a user it made (`markerLeft`),
 * beside the steps that use the key rather than before them. Until it is gone, a key on the user
 * that is neither in the store nor the one the step made would be taken for an orphan.
 */
export function keyPendingClearStep<Env extends AwsEnv = AwsEnv>(opts: { id: string; keyStepId: string; userName: string }): Step<Env, { cleared: boolean }> {
  return {
    id: opts.id,
    title: `Clear the key-pending marker of ${opts.userName}`,
    dependsOn: [opts.keyStepId],
    async apply(ctx) {
      if (!ctx.output<AccessKeyOutput>(opts.keyStepId)?.markerLeft) return { cleared: false };
      await untagPrincipal(ctx.env.aws.iam, iamUser(opts.userName), [TAGS.keyPending]);
      return { cleared: true };
    },
    // No undo: the marker is not put back, and rolling back the user deletes it, marker and all.
    check: async () => ({ inSync: true }),
  };
}

/**
 * Whether the run whose key step this is made a key (its output says so, or — after a crash
 * mid-step — it recorded that it was about to). A re-run that found its key in place made none.
 */
export function keyMadeByRun(ctx: Pick<StepContext, 'recorded'>, output: AccessKeyOutput | undefined): boolean {
  return output ? output.created : ctx.recorded<AccessKeyNote>() !== undefined;
}

function tooManyKeys(opts: AccessKeyStepOptions, foreign: string[]): CredsError {
  return new CredsError(
    `IAM user ${opts.userName} already has ${foreign.length} access keys that are not in the store (${foreign.join(', ')}); IAM allows 2 per user`,
    {
      code: 'TOO_MANY_KEYS',
      hint: `delete one you no longer use (aws iam delete-access-key --user-name ${opts.userName} --access-key-id ID), then run again; creds does not delete keys it did not make`,
    },
  );
}

/**
 * One access key whose secret is in the KeyStore before the step returns. On a re-run after a crash
 * between CreateAccessKey and the store write, the orphan is found and deleted and a new key made.
 *
 * Crash safety: before CreateAccessKey the user is tagged `creds:key-pending=<ids of the keys that
 * were there>`; afterwards the tag is removed. A key that is neither in the store nor in that list
 * was made by the interrupted attempt — its secret is lost — so it is deleted. Keys from before
 * (someone else's) are never deleted.
 */
export function accessKeyStep<Env extends AwsEnv = AwsEnv>(opts: AccessKeyStepOptions): Step<Env, AccessKeyOutput> {
  validateAll([
    () => validateUserName(opts.userName),
    () => opts.region !== undefined && validateRegion(opts.region),
    () => {
      if (opts.storeName.trim() === '') throw new ValidationError('storeName', 'must not be empty');
    },
  ]);
  const resource = `access key of ${opts.userName}`;
  return {
    id: opts.id ?? 'iam-access-key',
    title: `Access key for ${opts.userName}`,
    ...(opts.dependsOn ? { dependsOn: opts.dependsOn } : {}),

    async apply(ctx) {
      const { iam } = ctx.env.aws;
      if (ctx.recorded() === undefined && opts.userMadeMarked?.(ctx)) {
        const storedId = (await ctx.env.store.get(opts.storeName))?.accessKeyId;
        ctx.record({ userName: opts.userName, storeName: opts.storeName, keyBefore: storedId ?? null } satisfies AccessKeyNote);
        const key = await createAccessKey(iam, opts.userName);
        await storeKey(ctx, opts, key);
        return { userName: opts.userName, storeName: opts.storeName, accessKeyId: key.accessKeyId, created: true, deletedOrphans: [], markerLeft: true, active: true };
      }
      const v = await view(ctx.env, opts, opts.userExists?.(ctx));
      if (!v.userExists) {
        throw new CredsError(`IAM user ${opts.userName} does not exist`, { code: 'NO_SUCH_ENTITY', hint: 'create the user first (the user step)' });
      }
      for (const id of v.orphans) {
        ctx.progress(`deleting orphaned access key ${id} (its secret never reached the store)`);
        await retireAccessKey(iam, opts.userName, id);
      }
      const before = ctx.recorded<AccessKeyNote>();
      if (v.current) {
        if (v.pending) await untagPrincipal(iam, iamUser(opts.userName), [TAGS.keyPending]);
        // A resumed attempt finds the key an earlier attempt of this run made: still made by this run.
        const created = before !== undefined && before.keyBefore !== v.current.accessKeyId;
        return {
          userName: opts.userName,
          storeName: opts.storeName,
          accessKeyId: v.current.accessKeyId,
          created,
          deletedOrphans: v.orphans,
          active: v.current.status === 'Active',
        };
      }
      const remaining = v.keys.filter((k) => !v.orphans.includes(k.accessKeyId));
      if (remaining.length >= 2) throw tooManyKeys(opts, v.foreign);
      // Before this run makes a key: which key the store held (undo removes only another one).
      ctx.record({ userName: opts.userName, storeName: opts.storeName, keyBefore: v.storedId ?? null } satisfies AccessKeyNote);

      await tagPrincipal(iam, iamUser(opts.userName), { [TAGS.keyPending]: remaining.map((k) => k.accessKeyId).join(' ') || KEY_PENDING_NONE });
      const key = await createAccessKey(iam, opts.userName);
      await storeKey(ctx, opts, key);
      await untagPrincipal(iam, iamUser(opts.userName), [TAGS.keyPending]);
      return { userName: opts.userName, storeName: opts.storeName, accessKeyId: key.accessKeyId, created: true, deletedOrphans: v.orphans, active: true };
    },

    async undo(ctx, output) {
      const { iam } = ctx.env.aws;
      const before = ctx.recorded<AccessKeyNote>();
      if (!keyMadeByRun(ctx, output)) {
        return ctx.unchanged(
          output ? `access key ${output.accessKeyId} of ${output.userName} was there before this run; left as it is` : 'this run made no access key',
        );
      }
      const userName = output?.userName ?? before?.userName ?? opts.userName;
      const storeName = output?.storeName ?? before?.storeName ?? opts.storeName;
      const stored = await ctx.env.store.get(storeName);
      const keyId = output?.accessKeyId ?? (stored?.accessKeyId !== before?.keyBefore ? stored?.accessKeyId : undefined);
      if (await getUser(iam, userName)) {
        if (keyId) await retireAccessKey(iam, userName, keyId);
        if (!output) {
          // Interrupted apply: also remove a key it made whose secret never reached the store.
          const v = await view(ctx.env, opts);
          for (const id of v.orphans) await retireAccessKey(iam, userName, id);
          if (v.pending) await untagPrincipal(iam, iamUser(userName), [TAGS.keyPending]);
        }
      }
      if (stored && stored.accessKeyId === keyId) await ctx.env.store.delete(storeName);
    },

    async check(ctx) {
      const v = await view(ctx.env, opts);
      const changes: Change[] = [];
      const notes: string[] = [];
      if (!v.userExists) return { inSync: false, changes: [{ action: 'create', resource }] };
      for (const id of v.orphans) changes.push({ action: 'delete', resource: `orphaned access key ${id}`, detail: 'its secret never reached the store' });
      if (!v.storedId) changes.push({ action: 'create', resource, detail: `the store has no entry ${opts.storeName}` });
      else if (!v.current) changes.push({ action: 'drift', resource, detail: `the stored key ${v.storedId} is not on the user any more; a new one will be made` });
      else if (v.current.status === 'Inactive') changes.push({ action: 'drift', resource, detail: `the stored key ${v.storedId} is Inactive` });
      if (v.foreign.length > 0) notes.push(`keys not made by creds: ${v.foreign.join(', ')}`);
      if (!v.current && v.keys.length - v.orphans.length >= 2) notes.push('the user already has 2 keys; apply will stop');
      return changes.length === 0 ? { inSync: true, notes } : { inSync: false, changes, notes };
    },
  };
}
