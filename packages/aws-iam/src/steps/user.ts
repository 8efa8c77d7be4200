import { CreateUserCommand, PutUserPermissionsBoundaryCommand, type Tag, type User } from '@aws-sdk/client-iam';
import { type Change, CredsError, type Step, type StepContext, ValidationError } from '@creds/core';
import type { AwsEnv } from '../env.js';
import { awsCall } from '../errors.js';
import { getUser } from '../ops.js';
import { type Ownership, ownershipOf, ownershipTags, TAGS } from '../ownership.js';
import { iamUser, planTags, releasePrincipal, tagPrincipal, untagPrincipal } from '../principal.js';
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

/** What the journal keeps before the user step's first change in a run. */
interface IamUserNote {
  userName: string;
  existed: boolean;
  /** This run takes over a user creds did not make for this target (adopt). */
  adopting: boolean;
}

export function validateTarget(target: string, field = 'target'): void {
  if (target.length < 1 || target.length > 256 || !/^[\p{L}\p{Z}\p{N}_.:/=+\-@]+$/u.test(target)) {
    throw new ValidationError(field, `"${target}" must be 1-256 characters of letters, digits, spaces and _ . : / = + - @ (it becomes a tag value)`);
  }
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
  if (!user) return { user: undefined, adopting: false } as const;
  const tags = user.Tags ?? [];
  const ownership = ownershipOf(tags, opts.target);
  const adopting = ownership === 'foreign' || ownership === 'other-target';
  if (adopting && !opts.adopt) throw notOwnedError(opts, ownership, tags);
  const adopted = adopting || ownership === 'adopted';
  const desired = { ...opts.tags, ...ownershipTags(opts.target, adopted) };
  const plan = planTags(tags, desired, opts.pruneTags ?? false);
  const boundary = opts.permissionsBoundary;
  const boundaryChange = boundary !== undefined && user.PermissionsBoundary?.PermissionsBoundaryArn !== boundary;
  return { user, adopted, adopting, plan, boundaryChange } as const;
}

function output(user: User, created: boolean, adopted: boolean, plan?: ReturnType<typeof planTags>): IamUserOutput {
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
      // Before the first change of this run: was the user there, and does this run take it over?
      ctx.record({ userName: opts.userName, existed: found.user !== undefined, adopting: found.adopting } satisfies IamUserNote);
      const before = ctx.recorded<IamUserNote>();
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
      await tagPrincipal(iam, iamUser(opts.userName), plan.set);
      await untagPrincipal(iam, iamUser(opts.userName), plan.remove);
      if (boundaryChange) {
        await awsCall('iam:PutUserPermissionsBoundary', () =>
          iam.send(new PutUserPermissionsBoundaryCommand({ UserName: opts.userName, PermissionsBoundary: opts.permissionsBoundary })),
        );
      }
      // A resumed attempt finds the user an earlier attempt of this run made: still made by this run.
      return output(user, before?.existed === false, adopted, plan);
    },

    async undo(ctx, out) {
      const before = ctx.recorded<IamUserNote>();
      const userName = out?.userName ?? before?.userName ?? opts.userName;
      if (!out && !before) return ctx.unchanged(`this run stopped before it changed IAM user ${userName}`);
      if (before?.existed && !before.adopting) return ctx.unchanged(`IAM user ${userName} was there before this run; left as it is`);
      const user = await getUser(ctx.env.aws.iam, userName);
      if (user) await releasePrincipal(ctx, iamUser(userName), user.Tags, opts.target, { managedPolicyArns: opts.managedPolicyArns });
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
