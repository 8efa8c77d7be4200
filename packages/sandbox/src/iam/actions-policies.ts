import { type ActionHandler, getUser, param, required } from './context.js';
import { IamFault } from './fault.js';
import { ids } from './random.js';
import { checkName, checkPath, checkPolicyArn, checkPolicyDocument, LIMITS, policySize } from './rules.js';
import type { IamState, SandboxPolicy } from './state.js';
import { paged } from './paging.js';
import { awsDate, type XmlNode } from './xml.js';

/** Managed policies attached to a user or role, as ListAttached…Policies lists them. */
export function attachedPoliciesXml(state: IamState, arns: readonly string[]): XmlNode[] {
  return arns.map((arn) => ({ PolicyName: findPolicy(state, arn)?.policyName ?? arn.split('/').pop(), PolicyArn: arn }));
}

export function findPolicy(state: IamState, arn: string): SandboxPolicy | undefined {
  return state.policies.find((p) => p.arn === arn);
}

function policyXml(state: IamState, policy: SandboxPolicy): XmlNode {
  return {
    PolicyName: policy.policyName,
    PolicyId: policy.policyId,
    Arn: policy.arn,
    Path: policy.path,
    DefaultVersionId: 'v1',
    AttachmentCount: state.users.filter((u) => u.attachedPolicies.includes(policy.arn)).length,
    PermissionsBoundaryUsageCount: 0,
    IsAttachable: true,
    CreateDate: awsDate(policy.createdAt),
    UpdateDate: awsDate(policy.createdAt),
  };
}

function inlineSizeWithout(policies: Record<string, string>, except: string): number {
  return Object.entries(policies)
    .filter(([name]) => name !== except)
    .reduce((sum, [, doc]) => sum + policySize(doc), 0);
}

export const policyActions: Record<string, ActionHandler> = {
  PutUserPolicy: {
    write: true,
    handle(ctx) {
      const user = getUser(ctx.state, required(ctx, 'UserName'));
      const name = checkName(param(ctx, 'PolicyName'), 'policyName', LIMITS.policyName);
      const document = param(ctx, 'PolicyDocument');
      checkPolicyDocument(document);
      const total = inlineSizeWithout(user.inlinePolicies, name) + policySize(document!);
      if (total > LIMITS.inlinePolicyChars) {
        throw new IamFault('LimitExceeded', `Maximum policy size of ${LIMITS.inlinePolicyChars} bytes exceeded for user ${user.userName}`);
      }
      user.inlinePolicies[name] = document!;
      return undefined;
    },
  },
  GetUserPolicy: {
    write: false,
    handle(ctx) {
      const user = getUser(ctx.state, required(ctx, 'UserName'));
      const name = required(ctx, 'PolicyName');
      const document = user.inlinePolicies[name];
      if (document === undefined) throw new IamFault('NoSuchEntity', `The user policy with name ${name} cannot be found.`);
      // IAM returns the document URL-encoded (RFC 3986); clients must decode it.
      return { UserName: user.userName, PolicyName: name, PolicyDocument: encodeURIComponent(document) };
    },
  },
  DeleteUserPolicy: {
    write: true,
    handle(ctx) {
      const user = getUser(ctx.state, required(ctx, 'UserName'));
      const name = required(ctx, 'PolicyName');
      if (user.inlinePolicies[name] === undefined) {
        throw new IamFault('NoSuchEntity', `The user policy with name ${name} cannot be found.`);
      }
      delete user.inlinePolicies[name];
      return undefined;
    },
  },
  ListUserPolicies: {
    write: false,
    handle(ctx) {
      const user = getUser(ctx.state, required(ctx, 'UserName'));
      return paged(ctx, 'PolicyNames', Object.keys(user.inlinePolicies));
    },
  },
  AttachUserPolicy: {
    write: true,
    handle(ctx) {
      const user = getUser(ctx.state, required(ctx, 'UserName'));
      const arn = checkPolicyArn(param(ctx, 'PolicyArn'));
      if (!findPolicy(ctx.state, arn)) throw new IamFault('NoSuchEntity', `Policy ${arn} does not exist or is not attachable.`);
      if (user.attachedPolicies.includes(arn)) return undefined;
      if (user.attachedPolicies.length >= LIMITS.managedPoliciesPerUser) {
        throw new IamFault('LimitExceeded', `Cannot exceed quota for PoliciesPerUser: ${LIMITS.managedPoliciesPerUser}`);
      }
      user.attachedPolicies.push(arn);
      return undefined;
    },
  },
  DetachUserPolicy: {
    write: true,
    handle(ctx) {
      const user = getUser(ctx.state, required(ctx, 'UserName'));
      const arn = checkPolicyArn(param(ctx, 'PolicyArn'));
      if (!user.attachedPolicies.includes(arn)) {
        throw new IamFault('NoSuchEntity', `Policy ${arn} was not found.`);
      }
      user.attachedPolicies = user.attachedPolicies.filter((a) => a !== arn);
      return undefined;
    },
  },
  ListAttachedUserPolicies: {
    write: false,
    handle(ctx) {
      const user = getUser(ctx.state, required(ctx, 'UserName'));
      return paged(ctx, 'AttachedPolicies', attachedPoliciesXml(ctx.state, user.attachedPolicies));
    },
  },
  CreatePolicy: {
    write: true,
    handle(ctx) {
      const name = checkName(param(ctx, 'PolicyName'), 'policyName', LIMITS.policyName);
      const path = checkPath(param(ctx, 'Path'));
      const document = param(ctx, 'PolicyDocument');
      checkPolicyDocument(document);
      if (policySize(document!) > LIMITS.managedPolicyChars) {
        throw new IamFault('LimitExceeded', `Cannot exceed quota for PolicySize: ${LIMITS.managedPolicyChars}`);
      }
      const arn = `arn:aws:iam::${ctx.state.accountId}:policy${path}${name}`;
      if (ctx.state.policies.some((p) => p.arn.toLowerCase() === arn.toLowerCase())) {
        throw new IamFault('EntityAlreadyExists', `A policy called ${name} already exists. Duplicate names are not allowed.`);
      }
      const policy = { arn, policyName: name, policyId: ids.policy(ctx.random), path, document: document!, createdAt: ctx.now };
      ctx.state.policies.push(policy);
      return { Policy: policyXml(ctx.state, policy) };
    },
  },
  GetPolicy: {
    write: false,
    handle(ctx) {
      const arn = checkPolicyArn(param(ctx, 'PolicyArn'));
      const policy = findPolicy(ctx.state, arn);
      if (!policy) throw new IamFault('NoSuchEntity', `Policy ${arn} was not found.`);
      return { Policy: policyXml(ctx.state, policy) };
    },
  },
};
