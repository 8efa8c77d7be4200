import { attachedPoliciesXml, findPolicy } from './actions-policies.js';
import { type ActionContext, type ActionHandler, param, required, stringsParam, tagsParam } from './context.js';
import { IamFault } from './fault.js';
import { ids } from './random.js';
import { checkName, checkPath, checkPolicyArn, checkPolicyDocument, checkTags, LIMITS, mergeTags, policySize } from './rules.js';
import { checkDescription, checkMaxSessionDuration, checkTrustPolicy, ROLE_LIMITS } from './rules-roles.js';
import { type IamState, oidcProvidersOf, rolesOf, type SandboxRole } from './state.js';
import { paged } from './paging.js';
import { awsDate, tagsXml, type XmlNode } from './xml.js';

/** Role names are unique regardless of case, and found regardless of case. */
export function findRole(state: IamState, name: string): SandboxRole | undefined {
  const lower = name.toLowerCase();
  return rolesOf(state).find((r) => r.roleName.toLowerCase() === lower);
}

export function roleArn(state: IamState, role: SandboxRole): string {
  return `arn:aws:iam::${state.accountId}:role${role.path}${role.roleName}`;
}

function getRole(ctx: ActionContext): SandboxRole {
  const name = required(ctx, 'RoleName');
  const role = findRole(ctx.state, name);
  if (!role) throw new IamFault('NoSuchEntity', `The role with name ${name} cannot be found.`);
  return role;
}

function roleXml(state: IamState, role: SandboxRole, withTags: boolean): XmlNode {
  return {
    Path: role.path,
    RoleName: role.roleName,
    RoleId: role.roleId,
    Arn: roleArn(state, role),
    CreateDate: awsDate(role.createdAt),
    // IAM returns policy documents URL-encoded (RFC 3986); clients must decode them.
    AssumeRolePolicyDocument: encodeURIComponent(role.assumeRolePolicyDocument),
    Description: role.description,
    MaxSessionDuration: role.maxSessionDuration,
    PermissionsBoundary: role.permissionsBoundary
      ? { PermissionsBoundaryType: 'PermissionsBoundaryPolicy', PermissionsBoundaryArn: role.permissionsBoundary }
      : undefined,
    Tags: withTags && role.tags.length > 0 ? tagsXml(role.tags) : undefined,
  };
}

/** What still blocks DeleteRole, with IAM's message. */
export function roleDeleteBlocker(role: SandboxRole): string | undefined {
  if (Object.keys(role.inlinePolicies).length > 0) return 'Cannot delete entity, must delete policies first.';
  if (role.attachedPolicies.length > 0) return 'Cannot delete entity, must detach all policies first.';
  return undefined;
}

function inlineSizeWithout(policies: Record<string, string>, except: string): number {
  return Object.entries(policies)
    .filter(([name]) => name !== except)
    .reduce((sum, [, doc]) => sum + policySize(doc), 0);
}

export const roleActions: Record<string, ActionHandler> = {
  CreateRole: {
    write: true,
    handle(ctx) {
      const roleName = checkName(param(ctx, 'RoleName'), 'roleName', ROLE_LIMITS.roleName);
      const path = checkPath(param(ctx, 'Path'));
      const document = checkTrustPolicy(ctx.state, param(ctx, 'AssumeRolePolicyDocument'), oidcProvidersOf(ctx.state));
      const description = checkDescription(param(ctx, 'Description'));
      const maxSession = checkMaxSessionDuration(param(ctx, 'MaxSessionDuration'));
      const boundary = param(ctx, 'PermissionsBoundary');
      if (boundary !== undefined) checkPolicyArn(boundary);
      const tags = tagsParam(ctx);
      checkTags(tags);
      if (tags.length > ROLE_LIMITS.tagsPerRole) {
        throw new IamFault('LimitExceeded', `The number of tags has reached the maximum limit of ${ROLE_LIMITS.tagsPerRole}.`);
      }
      if (findRole(ctx.state, roleName)) throw new IamFault('EntityAlreadyExists', `Role with name ${roleName} already exists.`);
      const role: SandboxRole = {
        roleName,
        roleId: ids.role(ctx.random),
        path,
        createdAt: ctx.now,
        assumeRolePolicyDocument: document,
        ...(description === undefined ? {} : { description }),
        maxSessionDuration: maxSession ?? ROLE_LIMITS.minSessionSeconds,
        ...(boundary === undefined ? {} : { permissionsBoundary: boundary }),
        tags,
        inlinePolicies: {},
        attachedPolicies: [],
      };
      rolesOf(ctx.state).push(role);
      return { Role: roleXml(ctx.state, role, true) };
    },
  },
  GetRole: {
    write: false,
    handle(ctx) {
      const role = getRole(ctx);
      return { Role: { ...roleXml(ctx.state, role, true), RoleLastUsed: {} } };
    },
  },
  ListRoles: {
    write: false,
    handle(ctx) {
      const prefix = param(ctx, 'PathPrefix') ?? '/';
      const roles = rolesOf(ctx.state).filter((r) => r.path.startsWith(prefix));
      return paged(ctx, 'Roles', roles.map((r) => roleXml(ctx.state, r, false)));
    },
  },
  DeleteRole: {
    write: true,
    handle(ctx) {
      const role = getRole(ctx);
      const blocker = roleDeleteBlocker(role);
      if (blocker) throw new IamFault('DeleteConflict', blocker);
      ctx.state.roles = rolesOf(ctx.state).filter((r) => r !== role);
      return undefined;
    },
  },
  UpdateAssumeRolePolicy: {
    write: true,
    handle(ctx) {
      const role = getRole(ctx);
      role.assumeRolePolicyDocument = checkTrustPolicy(ctx.state, param(ctx, 'PolicyDocument'), oidcProvidersOf(ctx.state));
      return undefined;
    },
  },
  UpdateRole: {
    write: true,
    handle(ctx) {
      const role = getRole(ctx);
      const description = checkDescription(param(ctx, 'Description'));
      const maxSession = checkMaxSessionDuration(param(ctx, 'MaxSessionDuration'));
      if (description !== undefined) role.description = description;
      if (maxSession !== undefined) role.maxSessionDuration = maxSession;
      return {};
    },
  },
  TagRole: {
    write: true,
    handle(ctx) {
      const role = getRole(ctx);
      const tags = tagsParam(ctx);
      if (tags.length === 0) throw new IamFault('ValidationError', 'The parameter Tags is required.');
      checkTags(tags);
      role.tags = mergeTags(role.tags, tags);
      return undefined;
    },
  },
  UntagRole: {
    write: true,
    handle(ctx) {
      const role = getRole(ctx);
      const keys = stringsParam(ctx, 'TagKeys').map((k) => k.toLowerCase());
      if (keys.length === 0) throw new IamFault('ValidationError', 'The parameter TagKeys is required.');
      role.tags = role.tags.filter((t) => !keys.includes(t.Key.toLowerCase()));
      return undefined;
    },
  },
  ListRoleTags: {
    write: false,
    handle(ctx) {
      return paged(ctx, 'Tags', tagsXml(getRole(ctx).tags));
    },
  },
  PutRolePolicy: {
    write: true,
    handle(ctx) {
      const role = getRole(ctx);
      const name = checkName(param(ctx, 'PolicyName'), 'policyName', LIMITS.policyName);
      const document = param(ctx, 'PolicyDocument');
      checkPolicyDocument(document);
      if (inlineSizeWithout(role.inlinePolicies, name) + policySize(document!) > ROLE_LIMITS.inlinePolicyChars) {
        throw new IamFault('LimitExceeded', `Maximum policy size of ${ROLE_LIMITS.inlinePolicyChars} bytes exceeded for role ${role.roleName}`);
      }
      role.inlinePolicies[name] = document!;
      return undefined;
    },
  },
  GetRolePolicy: {
    write: false,
    handle(ctx) {
      const role = getRole(ctx);
      const name = required(ctx, 'PolicyName');
      const document = role.inlinePolicies[name];
      if (document === undefined) throw new IamFault('NoSuchEntity', `The role policy with name ${name} cannot be found.`);
      return { RoleName: role.roleName, PolicyName: name, PolicyDocument: encodeURIComponent(document) };
    },
  },
  DeleteRolePolicy: {
    write: true,
    handle(ctx) {
      const role = getRole(ctx);
      const name = required(ctx, 'PolicyName');
      if (role.inlinePolicies[name] === undefined) throw new IamFault('NoSuchEntity', `The role policy with name ${name} cannot be found.`);
      delete role.inlinePolicies[name];
      return undefined;
    },
  },
  ListRolePolicies: {
    write: false,
    handle(ctx) {
      return paged(ctx, 'PolicyNames', Object.keys(getRole(ctx).inlinePolicies));
    },
  },
  AttachRolePolicy: {
    write: true,
    handle(ctx) {
      const role = getRole(ctx);
      const arn = checkPolicyArn(param(ctx, 'PolicyArn'));
      if (!findPolicy(ctx.state, arn)) throw new IamFault('NoSuchEntity', `Policy ${arn} does not exist or is not attachable.`);
      if (role.attachedPolicies.includes(arn)) return undefined;
      if (role.attachedPolicies.length >= ROLE_LIMITS.managedPoliciesPerRole) {
        throw new IamFault('LimitExceeded', `Cannot exceed quota for PoliciesPerRole: ${ROLE_LIMITS.managedPoliciesPerRole}`);
      }
      role.attachedPolicies.push(arn);
      return undefined;
    },
  },
  DetachRolePolicy: {
    write: true,
    handle(ctx) {
      const role = getRole(ctx);
      const arn = checkPolicyArn(param(ctx, 'PolicyArn'));
      if (!role.attachedPolicies.includes(arn)) throw new IamFault('NoSuchEntity', `Policy ${arn} was not found.`);
      role.attachedPolicies = role.attachedPolicies.filter((a) => a !== arn);
      return undefined;
    },
  },
  ListAttachedRolePolicies: {
    write: false,
    handle(ctx) {
      const role = getRole(ctx);
      return paged(ctx, 'AttachedPolicies', attachedPoliciesXml(ctx.state, role.attachedPolicies));
    },
  },
};
