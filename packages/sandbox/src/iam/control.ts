import { issueKey } from './actions-keys.js';
import { findUser, getUser } from './context.js';
import { IamFault } from './fault.js';
import type { FaultSpec, RuntimeSettings } from './options.js';
import { ids, type Random } from './random.js';
import { checkName, checkPath, checkPolicyDocument, checkTags, LIMITS, type Tag } from './rules.js';
import type { IamState, SandboxPrincipal, StateHolder } from './state.js';

export interface AddUserInput {
  userName: string;
  path?: string;
  tags?: Tag[] | Record<string, string>;
  /** A console password, which blocks DeleteUser. */
  loginProfile?: boolean;
  /** Serial numbers of MFA devices; SSH public key ids; group names: each blocks DeleteUser. */
  mfaDevices?: string[];
  sshPublicKeys?: string[];
  groups?: string[];
  inlinePolicies?: Record<string, string>;
  attachedPolicies?: string[];
}

export interface AddKeyInput {
  status?: 'Active' | 'Inactive';
  /** Pretend the key was made this long ago (so it is past the propagation delay). */
  ageMs?: number;
}

/** Driving the sandbox from code: settings, faults and the world's contents. */
export interface IamControl {
  /** The administrator's key (allowed every action). */
  readonly admin: { accessKeyId: string; secretAccessKey: string; arn: string };
  setLatency(ms: number): void;
  setErrorRate(rate: number, codes?: string[]): void;
  /** How long keys made from now on are refused, in sandbox ms (real ms = ms × the server's time scale). */
  setPropagationDelay(ms: number): void;
  /** The propagation delay in sandbox ms and the time scale it runs on. */
  propagation(): { delayMs: number; timeScale: number };
  /** The next matching call(s) fail with this error. */
  injectFault(fault: FaultSpec): void;
  clearFaults(): void;
  /** Refuse an action (`iam:CreateUser`, `sts:GetCallerIdentity`, `*`) with AccessDenied, for all keys or one. */
  deny(action: string, accessKeyId?: string): void;
  allowAll(): void;
  addUser(input: AddUserInput): void;
  addAccessKey(userName: string, input?: AddKeyInput): { accessKeyId: string; secretAccessKey: string };
  /** What a person adds by hand to an existing user: a console password, MFA devices, SSH keys, groups, managed policies. */
  addToUser(userName: string, input: Pick<AddUserInput, 'loginProfile' | 'mfaDevices' | 'sshPublicKeys' | 'groups' | 'attachedPolicies'>): void;
  /** A customer managed policy; returns its ARN. */
  addPolicy(input: { policyName: string; document?: string; path?: string }): string;
  /** Another non-user caller (e.g. a second administrator). */
  addPrincipal(principal: SandboxPrincipal): void;
  /** A deep copy of the whole world. */
  state(): IamState;
  /** Every secret access key ever issued, for tests that scan output for leaks. */
  issuedSecrets(): string[];
}

const ANY_POLICY = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:ListBucket', Resource: '*' }] });

export function createControl(holder: StateHolder, settings: RuntimeSettings, random: Random): IamControl {
  const adminPrincipal = holder.use(false, (s) => s.principals[0]!);
  return {
    admin: { accessKeyId: adminPrincipal.accessKeyId, secretAccessKey: adminPrincipal.secretAccessKey, arn: adminPrincipal.arn },
    setLatency: (ms) => {
      settings.latencyMs = ms;
    },
    setErrorRate: (rate, codes) => {
      settings.errorRate = rate;
      if (codes) settings.errorCodes = codes;
    },
    setPropagationDelay: (ms) => {
      if (!(ms >= 0)) throw new Error(`sandbox: propagation delay ${ms} is not a non-negative number of ms`);
      settings.propagationDelayMs = ms;
    },
    propagation: () => ({ delayMs: settings.propagationDelayMs, timeScale: settings.timeScale }),
    injectFault: (fault) => {
      settings.faults.push({ ...fault, remaining: fault.times ?? 1 });
    },
    clearFaults: () => {
      settings.faults.length = 0;
    },
    deny: (action, accessKeyId) =>
      holder.use(true, (s) => {
        s.denied.push({ action, ...(accessKeyId ? { accessKeyId } : {}) });
      }),
    allowAll: () =>
      holder.use(true, (s) => {
        s.denied = [];
      }),
    addUser: (input) =>
      holder.use(true, (s) => {
        checkName(input.userName, 'userName', LIMITS.userName);
        if (findUser(s, input.userName)) throw new IamFault('EntityAlreadyExists', `User with name ${input.userName} already exists.`);
        const tags = Array.isArray(input.tags)
          ? input.tags
          : Object.entries(input.tags ?? {}).map(([Key, Value]) => ({ Key, Value }));
        checkTags(tags);
        for (const doc of Object.values(input.inlinePolicies ?? {})) checkPolicyDocument(doc);
        s.users.push({
          userName: input.userName,
          userId: ids.user(random),
          path: checkPath(input.path),
          createdAt: Date.now(),
          tags,
          inlinePolicies: { ...input.inlinePolicies },
          attachedPolicies: [...(input.attachedPolicies ?? [])],
          accessKeys: [],
          ...(input.loginProfile ? { loginProfile: true } : {}),
          ...(input.mfaDevices?.length ? { mfaDevices: [...input.mfaDevices] } : {}),
          ...(input.sshPublicKeys?.length ? { sshPublicKeys: [...input.sshPublicKeys] } : {}),
          ...(input.groups?.length ? { groups: [...input.groups] } : {}),
        });
      }),
    addToUser: (userName, input) =>
      holder.use(true, (s) => {
        const user = getUser(s, userName);
        if (input.loginProfile) user.loginProfile = true;
        if (input.mfaDevices) user.mfaDevices = [...(user.mfaDevices ?? []), ...input.mfaDevices];
        if (input.sshPublicKeys) user.sshPublicKeys = [...(user.sshPublicKeys ?? []), ...input.sshPublicKeys];
        if (input.groups) user.groups = [...(user.groups ?? []), ...input.groups];
        for (const arn of input.attachedPolicies ?? []) if (!user.attachedPolicies.includes(arn)) user.attachedPolicies.push(arn);
      }),
    addAccessKey: (userName, input = {}) =>
      holder.use(true, (s) => {
        const key = issueKey(s, getUser(s, userName), {
          accessKeyId: ids.accessKey(random),
          secretAccessKey: ids.secret(random),
          createdAt: Date.now() - (input.ageMs ?? 24 * 3600_000),
          ...(input.status ? { status: input.status } : {}),
        });
        return { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey };
      }),
    addPolicy: (input) =>
      holder.use(true, (s) => {
        const path = checkPath(input.path);
        const document = input.document ?? ANY_POLICY;
        checkPolicyDocument(document);
        const arn = `arn:aws:iam::${s.accountId}:policy${path}${input.policyName}`;
        if (!s.policies.some((p) => p.arn === arn)) {
          s.policies.push({ arn, policyName: input.policyName, policyId: ids.policy(random), path, document, createdAt: Date.now() });
        }
        return arn;
      }),
    addPrincipal: (principal) =>
      holder.use(true, (s) => {
        s.principals.push(principal);
      }),
    state: () => holder.snapshot(),
    issuedSecrets: () => holder.use(false, (s) => [...s.issuedSecrets]),
  };
}
