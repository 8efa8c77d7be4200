import { CreateUserCommand, DeleteUserCommand, PutUserPermissionsBoundaryCommand, type Tag, type User } from '@aws-sdk/client-iam';
import { type Change, CredsError, type Step, type StepContext, ValidationError } from '@creds/core';
import type { AwsEnv } from '../env.js';
import { AwsError, awsCall } from '../errors.js';
import { deleteBlockers, detachPolicy, getUser, listInlinePolicyNames, retireAccessKey, untagUser, deleteInlinePolicy, listAccessKeys, tagUser } from '../ops.js';
import { type Ownership, ownershipOf, ownershipTags, TAGS } from '../ownership.js';
import { validateAll, validatePath, validatePolicyArn, validateTags, validateUserName } from '../validate.js';

export interface IamUserStepOptions {
  /** Step id (default `iam-user`). */
  id?: string;
  dependsOn?: readonly string[];
  userName: string;
  /** What the user serves (e.g. `owner/repo`); written to the `creds:target` tag. */
  target: string;
  /** Default `/`. */
  path?: string;
  tags?: Record<string, string>;
  permissionsBoundary?: string;
  /** Take over a same-named user creds did not create (it gets creds' tags; undo only untags it). */
  adopt?: boolean;
  /** Remove tags that are not in `tags` (creds' own tags are kept). Default false: others' tags stay. */
  pruneTags?: boolean;
  /** Managed policies creds attaches to this user: undo detaches them if still attached, before deleting. */
  managedPolicyArns?: readonly string[];
}

export interface IamUserOutput {
  userName: string;
  arn: string;
  userId: string;
  created: boolean;
  adopted: boolean;
  tagsSet: string[];
  tagsRemoved: string[];
}

export function validateTarget(target: string, field = 'target'): void {
  if (target.length < 1 || target.length > 256 || !/^[\p{L}\p{Z}\p{N}_.:/=+\-@]+$/u.test(target)) {
    throw new ValidationError(field, `"${target}" must be 1-256 characters of letters, digits, spaces and _ . : / = + - @ (it becomes a tag value)`);
  }
}

interface TagPlan {
  set: Record<string, string>;
  remove: string[];
}

function planTags(existing: readonly Tag[], desired: Record<string, string>, prune: boolean): TagPlan {
  const byLower = new Map(existing.map((t) => [t.Key!.toLowerCase(), t]));
  const set: Record<string, string> = {};
  for (const [key, value] of Object.entries(desired)) {
    const have = byLower.get(key.toLowerCase());
    if (!have || have.Value !== value || have.Key !== key) set[key] = value;
  }
  const wanted = new Set(Object.keys(desired).map((k) => k.toLowerCase()));
  const remove = prune
    ? existing.map((t) => t.Key!).filter((k) => !wanted.has(k.toLowerCase()) && !k.toLowerCase().startsWith('creds:'))
    : [];
  return { set, remove };
}

function notOwnedError(opts: IamUserStepOptions, ownership: Ownership, tags: readonly Tag[]): CredsError {
  if (ownership === 'other-target') {
    const other = tags.find((t) => t.Key === TAGS.target)?.Value;
    return new CredsError(`IAM user ${opts.userName} is managed by creds for another target (${other}), not ${opts.target}`, {
      code: 'NOT_OWNED',
      hint: 'pick another user name, or adopt it explicitly (adopt: true / --adopt) if it should now serve this target',
    });
  }
  return new CredsError(`IAM user ${opts.userName} already exists and was not created by creds`, {
    code: 'NOT_OWNED',
    hint: 'pick another user name, or adopt it explicitly (adopt: true / --adopt): creds then tags it and manages its key and policies; rollback only removes its tags',
  });
}

/** Reads the user and decides what apply would do; shared by apply and check. */
async function inspect(ctx: StepContext<AwsEnv>, opts: IamUserStepOptions) {
  const user = await getUser(ctx.env.aws.iam, opts.userName);
  if (!user) return { user: undefined } as const;
  const tags = user.Tags ?? [];
  const ownership = ownershipOf(tags, opts.target);
  const adopting = ownership === 'foreign' || ownership === 'other-target';
  if (adopting && !opts.adopt) throw notOwnedError(opts, ownership, tags);
  const adopted = adopting || ownership === 'adopted';
  const desired = { ...opts.tags, ...ownershipTags(opts.target, adopted) };
  const plan = planTags(tags, desired, opts.pruneTags ?? false);
  const boundary = opts.permissionsBoundary;
  const boundaryChange = boundary !== undefined && user.PermissionsBoundary?.PermissionsBoundaryArn !== boundary;
  return { user, adopted, plan, boundaryChange } as const;
}

function output(user: User, created: boolean, adopted: boolean, plan?: TagPlan): IamUserOutput {
  return {
    userName: user.UserName!,
    arn: user.Arn!,
    userId: user.UserId!,
    created,
    adopted,
    tagsSet: Object.keys(plan?.set ?? {}),
    tagsRemoved: plan?.remove ?? [],
  };
}

/** Deletes an owned user after clearing its keys, inline policies and the listed managed policies. */
export async function deleteOwnedUser(env: AwsEnv, userName: string, managedPolicyArns: readonly string[] = []): Promise<boolean> {
  const { iam } = env.aws;
  for (const key of await listAccessKeys(iam, userName)) await retireAccessKey(iam, userName, key.accessKeyId);
  for (const name of await listInlinePolicyNames(iam, userName)) await deleteInlinePolicy(iam, userName, name);
  for (const arn of managedPolicyArns) await detachPolicy(iam, userName, arn);
  try {
    await awsCall('iam:DeleteUser', () => iam.send(new DeleteUserCommand({ UserName: userName })));
    return true;
  } catch (error) {
    if (error instanceof AwsError && error.code === 'NO_SUCH_ENTITY') return false;
    if (error instanceof AwsError && error.code === 'DELETE_CONFLICT') {
      const blockers = await deleteBlockers(iam, userName);
      throw new AwsError(`IAM user ${userName} cannot be deleted: it still has ${blockers.join(', ') || 'something IAM did not name'}`, {
        code: 'DELETE_CONFLICT',
        action: 'iam:DeleteUser',
        awsCode: error.awsCode,
        hint: 'remove those (they were not made by creds, so creds leaves them), then run again',
        cause: error,
      });
    }
    throw error;
  }
}

/** The IAM user, tagged as creds' own. Adopts an existing user only when it is owned or `adopt` is set. */
export function iamUserStep<Env extends AwsEnv = AwsEnv>(opts: IamUserStepOptions): Step<Env, IamUserOutput> {
  validateAll([
    () => validateUserName(opts.userName),
    () => validateTarget(opts.target),
    () => opts.path !== undefined && validatePath(opts.path),
    () => validateTags(opts.tags ?? {}),
    () => opts.permissionsBoundary !== undefined && validatePolicyArn(opts.permissionsBoundary, 'permissionsBoundary'),
    ...(opts.managedPolicyArns ?? []).map((arn, i) => () => validatePolicyArn(arn, `managedPolicyArns[${i}]`)),
  ]);
  return {
    id: opts.id ?? 'iam-user',
    title: `IAM user ${opts.userName}`,
    ...(opts.dependsOn ? { dependsOn: opts.dependsOn } : {}),

    async apply(ctx) {
      const { iam } = ctx.env.aws;
      const found = await inspect(ctx, opts);
      if (!found.user) {
        const tags = { ...opts.tags, ...ownershipTags(opts.target, false) };
        const out = await awsCall('iam:CreateUser', () =>
          iam.send(
            new CreateUserCommand({
              UserName: opts.userName,
              Path: opts.path,
              PermissionsBoundary: opts.permissionsBoundary,
              Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
            }),
          ),
        );
        return output(out.User!, true, false, { set: tags, remove: [] });
      }
      const { user, adopted, plan, boundaryChange } = found;
      if (opts.path !== undefined && user.Path !== opts.path) {
        ctx.logger.warn({ user: opts.userName, have: user.Path, want: opts.path }, 'the user exists under another path; creds does not move users');
      }
      await tagUser(iam, opts.userName, plan.set);
      await untagUser(iam, opts.userName, plan.remove);
      if (boundaryChange) {
        await awsCall('iam:PutUserPermissionsBoundary', () =>
          iam.send(new PutUserPermissionsBoundaryCommand({ UserName: opts.userName, PermissionsBoundary: opts.permissionsBoundary })),
        );
      }
      return output(user, false, adopted, plan);
    },

    async undo(ctx) {
      const { iam } = ctx.env.aws;
      const user = await getUser(iam, opts.userName);
      if (!user) return;
      const ownership = ownershipOf(user.Tags, opts.target);
      if (ownership === 'foreign' || ownership === 'other-target') {
        ctx.logger.warn({ user: opts.userName }, 'the user is not owned by creds for this target; left alone');
        return;
      }
      if (ownership === 'adopted') {
        await untagUser(iam, opts.userName, [TAGS.managedBy, TAGS.target, TAGS.adopted, TAGS.keyPending]);
        return;
      }
      await deleteOwnedUser(ctx.env, opts.userName, opts.managedPolicyArns);
    },

    async check(ctx) {
      const found = await inspect(ctx, opts);
      const resource = `IAM user ${opts.userName}`;
      if (!found.user) return { inSync: false, changes: [{ action: 'create', resource }] };
      const changes: Change[] = [];
      const setKeys = Object.keys(found.plan.set);
      if (setKeys.length > 0) changes.push({ action: 'update', resource, detail: `set tags ${setKeys.join(', ')}` });
      if (found.plan.remove.length > 0) {
        changes.push({ action: 'update', resource, detail: `remove tags ${found.plan.remove.join(', ')}` });
      }
      if (found.boundaryChange) changes.push({ action: 'update', resource, detail: 'permissions boundary' });
      const notes = opts.path !== undefined && found.user.Path !== opts.path ? [`path is ${found.user.Path}, config says ${opts.path}`] : [];
      return changes.length === 0 ? { inSync: true, notes } : { inSync: false, changes, notes };
    },
  };
}
