import { type ActionContext, type ActionHandler, getUser, param, required } from './context.js';
import { IamFault } from './fault.js';
import { ids } from './random.js';
import { LIMITS } from './rules.js';
import type { IamState, SandboxAccessKey, SandboxUser } from './state.js';
import { paged } from './paging.js';
import { awsDate } from './xml.js';

export function findKey(state: IamState, accessKeyId: string): { user: SandboxUser; key: SandboxAccessKey } | undefined {
  for (const user of state.users) {
    const key = user.accessKeys.find((k) => k.accessKeyId === accessKeyId);
    if (key) return { user, key };
  }
  return undefined;
}

function keyUser(ctx: ActionContext): SandboxUser {
  const name = param(ctx, 'UserName') ?? ctx.caller.userName;
  if (name === undefined) throw new IamFault('ValidationError', 'Must specify userName when calling with non-User credentials');
  return getUser(ctx.state, name);
}

function keyOf(ctx: ActionContext, user: SandboxUser): SandboxAccessKey {
  const id = required(ctx, 'AccessKeyId');
  const key = user.accessKeys.find((k) => k.accessKeyId === id);
  if (!key) throw new IamFault('NoSuchEntity', `The Access Key with id ${id} cannot be found.`);
  return key;
}

/** Creates a key on a user, enforcing the 2-keys limit. Used by the API and by the control API. */
export function issueKey(state: IamState, user: SandboxUser, key: Omit<SandboxAccessKey, 'status'> & { status?: SandboxAccessKey['status'] }): SandboxAccessKey {
  if (user.accessKeys.length >= LIMITS.accessKeysPerUser) {
    throw new IamFault('LimitExceeded', `Cannot exceed quota for AccessKeysPerUser: ${LIMITS.accessKeysPerUser}`);
  }
  const created: SandboxAccessKey = { ...key, status: key.status ?? 'Active' };
  user.accessKeys.push(created);
  state.issuedSecrets.push(created.secretAccessKey);
  return created;
}

export const keyActions: Record<string, ActionHandler> = {
  CreateAccessKey: {
    write: true,
    handle(ctx) {
      const user = keyUser(ctx);
      const key = issueKey(ctx.state, user, {
        accessKeyId: ids.accessKey(ctx.random),
        secretAccessKey: ids.secret(ctx.random),
        createdAt: ctx.now,
        usableAt: ctx.now + ctx.propagationMs,
      });
      return {
        AccessKey: {
          UserName: user.userName,
          AccessKeyId: key.accessKeyId,
          Status: key.status,
          SecretAccessKey: key.secretAccessKey,
          CreateDate: awsDate(key.createdAt),
        },
      };
    },
  },
  UpdateAccessKey: {
    write: true,
    handle(ctx) {
      const user = keyUser(ctx);
      const key = keyOf(ctx, user);
      const status = required(ctx, 'Status');
      if (status !== 'Active' && status !== 'Inactive') {
        throw new IamFault(
          'ValidationError',
          `1 validation error detected: Value '${status}' at 'status' failed to satisfy constraint: Member must satisfy enum value set: [Active, Inactive]`,
        );
      }
      key.status = status;
      return undefined;
    },
  },
  DeleteAccessKey: {
    write: true,
    handle(ctx) {
      const user = keyUser(ctx);
      const key = keyOf(ctx, user);
      user.accessKeys = user.accessKeys.filter((k) => k !== key);
      return undefined;
    },
  },
  ListAccessKeys: {
    write: false,
    handle(ctx) {
      const user = keyUser(ctx);
      return paged(
        ctx,
        'AccessKeyMetadata',
        user.accessKeys.map((k) => ({ UserName: user.userName, AccessKeyId: k.accessKeyId, Status: k.status, CreateDate: awsDate(k.createdAt) })),
      );
    },
  },
  GetAccessKeyLastUsed: {
    write: false,
    handle(ctx) {
      const id = required(ctx, 'AccessKeyId');
      const found = findKey(ctx.state, id);
      if (!found) throw new IamFault('NoSuchEntity', `The Access Key with id ${id} cannot be found.`);
      const used = found.key.lastUsed;
      return {
        UserName: found.user.userName,
        AccessKeyLastUsed: used
          ? { LastUsedDate: awsDate(used.at), ServiceName: used.service, Region: used.region }
          : { ServiceName: 'N/A', Region: 'N/A' },
      };
    },
  },
};
