import { CreateUserCommand, type IAMClient, PutUserPermissionsBoundaryCommand, type Tag, type User } from '@aws-sdk/client-iam';
import { type Change, CredsError, type Step, type StepContext, ValidationError } from '@creds/core';
import type { AwsEnv } from '../env.js';
import { awsCall } from '../errors.js';
import { getUser } from '../ops.js';
import {
  describeOwnerTags,
  describeScopeValue,
  KEY_PENDING_NONE,
  type Ownership,
  type OwnerId,
  ownershipOf,
  ownershipTags,
  scopeTagValue,
  TAGS,
} from '../ownership.js';
import { iamUser, planTags, releasePrincipal, tagPrincipal, untagPrincipal } from '../principal.js';
import { validateAll, validatePath, validatePolicyArn, validateTags, validateUserName } from '../validate.js';

export interface IamUserStepOptions {
  /** Step id (default `iam-user`). */
  id?: string;
  dependsOn?: readonly string[];
  userName: string;
  /** What the user serves (the config's target name); written to the `creds:target` tag. */
  target: string;
  /**
   * Where the target's secrets go (`repo:owner/repo`, `environment:owner/repo/name`, `org:name`);
   * written to the `creds:scope` tag. A creds user of the same target name with another scope is
   * another target's.
   */
  scope?: string;
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
  /**
   * The user as the run has just read it (its preflight): `null` when absent, `undefined` when
   * unknown. A first attempt decides from it without reading again; a user that turns out to exist
   * after all is read and handled as usual.
   */
  known?: (ctx: StepContext) => User | null | undefined;
  /**
   * An access key step follows in this run: a user made here carries its `creds:key-pending` marker
   * from the start (see accessKeyStep), so marking it costs no call of its own.
   */
  keyPending?: boolean;
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

export interface UserOwnershipOptions extends OwnerId {
  userName: string;
  /** Take over a user creds does not manage for this owner instead of refusing. */
  adopt?: boolean | undefined;
}

/** `target api of org-b/api`: the owner these options name, for messages. */
const describeOwner = (owner: OwnerId) =>
  `target ${owner.target}${owner.scope === undefined ? '' : ` of ${describeScopeValue(scopeTagValue(owner.scope))}`}`;

function notOwnedError(opts: UserOwnershipOptions, ownership: Ownership, tags: readonly Tag[]): CredsError {
  if (ownership === 'other-target') {
    return new CredsError(
      `IAM user ${opts.userName} is managed by creds for another target, ${describeOwnerTags(tags)}, not ${describeOwner(opts)}; nothing was changed`,
      {
        code: 'NOT_OWNED',
        hint: 'give this target its own iam.userName; adopt it (iam.adopt: true / --adopt) only if that other target is gone and the user should now serve this one',
      },
    );
  }
  return new CredsError(`IAM user ${opts.userName} already exists and was not created by creds; nothing was changed`, {
    code: 'NOT_OWNED',
    hint: 'pick another user name, or adopt it explicitly (adopt: true / --adopt): creds then tags it and manages its key and policies; rollback only removes its tags',
  });
}

/**
 * Reads the user and whether creds may use it for this owner: absent, this owner's (made or
 * adopted), or — only with `adopt` — someone else's. Otherwise throws NOT_OWNED naming the owner
 * its tags name. Read-only: the preflight runs it before any write, and the user step again.
 */
export async function checkUserOwnership(
  iam: IAMClient,
  opts: UserOwnershipOptions,
  read: () => Promise<User | undefined> = () => getUser(iam, opts.userName),
): Promise<{ user: User | undefined; ownership?: Ownership; adopting: boolean }> {
  const user = await read();
  if (!user) return { user: undefined, adopting: false };
  const tags = user.Tags ?? [];
  const ownership = ownershipOf(tags, opts);
  const adopting = ownership === 'foreign' || ownership === 'other-target';
  if (adopting && !opts.adopt) throw notOwnedError(opts, ownership, tags);
  return { user, ownership, adopting };
}

export function validateScope(scope: string, field = 'scope'): void {
  if (!/^(repo|environment|org):[^\x00-\x1f]+$/.test(scope)) {
    throw new ValidationError(field, `"${scope.slice(0, 80)}" must be repo:OWNER/REPO, environment:OWNER/REPO/NAME or org:NAME`);
  }
}

/** Reads the user and decides what apply would do; shared by apply and check. */
async function inspect(ctx: StepContext<AwsEnv>, opts: IamUserStepOptions, known?: User) {
  const { user, ownership, adopting } = await checkUserOwnership(ctx.env.aws.iam, opts, known ? async () => known : undefined);
  if (!user) return { user: undefined, adopting: false } as const;
  const tags = user.Tags ?? [];
  const adopted = adopting || ownership === 'adopted';
  const desired = { ...opts.tags, ...ownershipTags(opts, adopted) };
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
    () => opts.scope !== undefined && validateScope(opts.scope),
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
      const create = async () => {
        const tags = { ...opts.tags, ...ownershipTags(opts, false) };
        const marker = opts.keyPending ? { [TAGS.keyPending]: KEY_PENDING_NONE } : {};
        const out = await awsCall('iam:CreateUser', () =>
          iam.send(
            new CreateUserCommand({
              UserName: opts.userName,
              Path: opts.path,
              PermissionsBoundary: opts.permissionsBoundary,
              Tags: Object.entries({ ...tags, ...marker }).map(([Key, Value]) => ({ Key, Value })),
            }),
          ),
        );
        return output(out.User!, true, false, { set: tags, remove: [] });
      };
      const known = ctx.recorded() === undefined ? opts.known?.(ctx) : undefined;
      if (known === null) {
        // Before the first change of this run (as below): the user was not there.
        ctx.record({ userName: opts.userName, existed: false, adopting: false } satisfies IamUserNote);
        try {
          return await create();
        } catch (error) {
          // Made meanwhile by someone else: read it and decide as for any existing user.
          if ((error as { code?: string }).code !== 'ALREADY_EXISTS') throw error;
        }
      }
      const found = await inspect(ctx, opts, known ?? undefined);
      // Before the first change of this run: was the user there, and does this run take it over?
      ctx.record({ userName: opts.userName, existed: found.user !== undefined, adopting: found.adopting } satisfies IamUserNote);
      const before = ctx.recorded<IamUserNote>();
      if (!found.user) return create();
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
      if (user) await releasePrincipal(ctx, iamUser(userName), user.Tags, opts, { managedPolicyArns: opts.managedPolicyArns });
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
