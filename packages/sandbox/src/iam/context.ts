import { IamFault, noSuchUser } from './fault.js';
import type { Random } from './random.js';
import type { Tag } from './rules.js';
import type { IamState, SandboxUser } from './state.js';
import type { XmlNode } from './xml.js';

/** Who signed the request. */
export interface Caller {
  accessKeyId: string;
  arn: string;
  userId: string;
  /** Set when the key belongs to an IAM user of this world. */
  userName?: string;
  /** Set for temporary credentials of a role session (AssumeRoleWithWebIdentity). */
  roleName?: string;
  region: string;
}

export interface ActionContext {
  state: IamState;
  params: URLSearchParams;
  caller: Caller;
  random: Random;
  now: number;
  /** How long a key made now stays refused, in real ms (the delay on the sandbox's clock). */
  propagationMs: number;
  /** The most items one page of a List answer holds, whatever MaxItems asks (see paging.ts). */
  pageLimit?: number;
}

export interface ActionHandler {
  /** Changes state (counted as a write). */
  write: boolean;
  /** Called without AWS credentials (STS AssumeRoleWithWebIdentity: the token is the credential). */
  anonymous?: boolean;
  handle(ctx: ActionContext): XmlNode | undefined;
}

export function param(ctx: ActionContext, name: string): string | undefined {
  return ctx.params.get(name) ?? undefined;
}

export function required(ctx: ActionContext, name: string): string {
  const value = ctx.params.get(name);
  if (value === null || value === '') throw new IamFault('ValidationError', `The parameter ${name} is required.`);
  return value;
}

/** Indexes present in a Query-protocol list (`Tags.member.1.Key`, `TagKeys.member.2`). */
function memberIndexes(params: URLSearchParams, prefix: string): number[] {
  const found = new Set<number>();
  const re = new RegExp(`^${prefix.replace(/\./g, '\\.')}\\.member\\.(\\d+)(\\.|$)`);
  for (const key of params.keys()) {
    const m = re.exec(key);
    if (m) found.add(Number(m[1]));
  }
  return [...found].sort((a, b) => a - b);
}

export function tagsParam(ctx: ActionContext, name = 'Tags'): Tag[] {
  return memberIndexes(ctx.params, name).map((i) => ({
    Key: ctx.params.get(`${name}.member.${i}.Key`) ?? '',
    Value: ctx.params.get(`${name}.member.${i}.Value`) ?? '',
  }));
}

export function stringsParam(ctx: ActionContext, name: string): string[] {
  return memberIndexes(ctx.params, name).map((i) => ctx.params.get(`${name}.member.${i}`) ?? '');
}

/** IAM names are unique regardless of case, and found regardless of case. */
export function findUser(state: IamState, name: string): SandboxUser | undefined {
  const lower = name.toLowerCase();
  return state.users.find((u) => u.userName.toLowerCase() === lower);
}

export function getUser(state: IamState, name: string): SandboxUser {
  const user = findUser(state, name);
  if (!user) throw noSuchUser(name);
  return user;
}

export function userArn(state: IamState, user: SandboxUser): string {
  return `arn:aws:iam::${state.accountId}:user${user.path}${user.userName}`;
}
