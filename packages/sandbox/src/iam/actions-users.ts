import { type ActionContext, type ActionHandler, findUser, getUser, param, required, stringsParam, tagsParam, userArn } from './context.js';
import { IamFault } from './fault.js';
import { ids } from './random.js';
import { checkName, checkPath, checkPolicyArn, checkTags, LIMITS, mergeTags } from './rules.js';
import type { SandboxUser } from './state.js';
import { paged } from './paging.js';
import { awsDate, tagsXml, type XmlNode } from './xml.js';

function userXml(ctx: ActionContext, user: SandboxUser): XmlNode {
  return {
    Path: user.path,
    UserName: user.userName,
    UserId: user.userId,
    Arn: userArn(ctx.state, user),
    CreateDate: awsDate(user.createdAt),
    PermissionsBoundary: user.permissionsBoundary
      ? { PermissionsBoundaryType: 'PermissionsBoundaryPolicy', PermissionsBoundaryArn: user.permissionsBoundary }
      : undefined,
    Tags: user.tags.length > 0 ? user.tags.map((t) => ({ Key: t.Key, Value: t.Value })) : undefined,
  };
}

/** What still blocks DeleteUser, in the order IAM reports it, with IAM's message. */
export function deleteBlocker(user: SandboxUser): string | undefined {
  if (user.loginProfile) return 'Cannot delete entity, must delete login profile first.';
  if (user.accessKeys.length > 0) return 'Cannot delete entity, must delete access keys first.';
  if (Object.keys(user.inlinePolicies).length > 0) return 'Cannot delete entity, must delete policies first.';
  if (user.attachedPolicies.length > 0) return 'Cannot delete entity, must detach all policies first.';
  if ((user.mfaDevices?.length ?? 0) > 0) return 'Cannot delete entity, must delete MFA device first.';
  if ((user.sshPublicKeys?.length ?? 0) > 0) return 'Cannot delete entity, must delete SSH public keys first.';
  if ((user.groups?.length ?? 0) > 0) return 'Cannot delete entity, must remove users from group first.';
  return undefined;
}

export const userActions: Record<string, ActionHandler> = {
  CreateUser: {
    write: true,
    handle(ctx) {
      const userName = checkName(param(ctx, 'UserName'), 'userName', LIMITS.userName);
      const path = checkPath(param(ctx, 'Path'));
      const tags = tagsParam(ctx);
      checkTags(tags);
      if (tags.length > LIMITS.tagsPerUser) {
        throw new IamFault('LimitExceeded', `The number of tags has reached the maximum limit of ${LIMITS.tagsPerUser}.`);
      }
      const boundary = param(ctx, 'PermissionsBoundary');
      if (boundary !== undefined) checkPolicyArn(boundary);
      if (findUser(ctx.state, userName)) {
        throw new IamFault('EntityAlreadyExists', `User with name ${userName} already exists.`);
      }
      const user: SandboxUser = {
        userName,
        userId: ids.user(ctx.random),
        path,
        createdAt: ctx.now,
        tags,
        ...(boundary === undefined ? {} : { permissionsBoundary: boundary }),
        inlinePolicies: {},
        attachedPolicies: [],
        accessKeys: [],
      };
      ctx.state.users.push(user);
      return { User: userXml(ctx, user) };
    },
  },
  GetUser: {
    write: false,
    handle(ctx) {
      const name = param(ctx, 'UserName') ?? ctx.caller.userName;
      if (name === undefined) {
        throw new IamFault('ValidationError', 'Must specify userName when calling with non-User credentials');
      }
      return { User: userXml(ctx, getUser(ctx.state, name)) };
    },
  },
  DeleteUser: {
    write: true,
    handle(ctx) {
      const user = getUser(ctx.state, required(ctx, 'UserName'));
      const blocker = deleteBlocker(user);
      if (blocker) throw new IamFault('DeleteConflict', blocker);
      ctx.state.users = ctx.state.users.filter((u) => u !== user);
      return undefined;
    },
  },
  TagUser: {
    write: true,
    handle(ctx) {
      const user = getUser(ctx.state, required(ctx, 'UserName'));
      const tags = tagsParam(ctx);
      if (tags.length === 0) throw new IamFault('ValidationError', 'The parameter Tags is required.');
      checkTags(tags);
      user.tags = mergeTags(user.tags, tags);
      return undefined;
    },
  },
  UntagUser: {
    write: true,
    handle(ctx) {
      const user = getUser(ctx.state, required(ctx, 'UserName'));
      const keys = stringsParam(ctx, 'TagKeys').map((k) => k.toLowerCase());
      if (keys.length === 0) throw new IamFault('ValidationError', 'The parameter TagKeys is required.');
      user.tags = user.tags.filter((t) => !keys.includes(t.Key.toLowerCase()));
      return undefined;
    },
  },
  ListUserTags: {
    write: false,
    handle(ctx) {
      const user = getUser(ctx.state, required(ctx, 'UserName'));
      return paged(ctx, 'Tags', tagsXml(user.tags));
    },
  },
  PutUserPermissionsBoundary: {
    write: true,
    handle(ctx) {
      const user = getUser(ctx.state, required(ctx, 'UserName'));
      user.permissionsBoundary = checkPolicyArn(required(ctx, 'PermissionsBoundary'));
      return undefined;
    },
  },
  ListMFADevices: {
    write: false,
    handle(ctx) {
      const user = getUser(ctx.state, required(ctx, 'UserName'));
      const devices = (user.mfaDevices ?? []).map((serial) => ({ UserName: user.userName, SerialNumber: serial, EnableDate: awsDate(user.createdAt) }));
      return { MFADevices: devices, IsTruncated: false };
    },
  },
  ListSSHPublicKeys: {
    write: false,
    handle(ctx) {
      const user = getUser(ctx.state, required(ctx, 'UserName'));
      const keys = (user.sshPublicKeys ?? []).map((id) => ({ UserName: user.userName, SSHPublicKeyId: id, Status: 'Active', UploadDate: awsDate(user.createdAt) }));
      return { SSHPublicKeys: keys, IsTruncated: false };
    },
  },
  ListGroupsForUser: {
    write: false,
    handle(ctx) {
      const user = getUser(ctx.state, required(ctx, 'UserName'));
      const groups = (user.groups ?? []).map((name) => ({
        Path: '/',
        GroupName: name,
        GroupId: `AGPA${name.toUpperCase().replace(/[^A-Z0-9]/g, '').padEnd(17, 'X').slice(0, 17)}`,
        Arn: `arn:aws:iam::${ctx.state.accountId}:group/${name}`,
        CreateDate: awsDate(user.createdAt),
      }));
      return { Groups: groups, IsTruncated: false };
    },
  },
  GetLoginProfile: {
    write: false,
    handle(ctx) {
      const user = getUser(ctx.state, required(ctx, 'UserName'));
      if (!user.loginProfile) throw new IamFault('NoSuchEntity', `Login Profile for User ${user.userName} cannot be found.`);
      return { LoginProfile: { UserName: user.userName, CreateDate: awsDate(user.createdAt), PasswordResetRequired: false } };
    },
  },
};
