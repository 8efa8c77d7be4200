import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Tag } from './rules.js';

export interface SandboxAccessKey {
  accessKeyId: string;
  secretAccessKey: string;
  status: 'Active' | 'Inactive';
  /** Epoch ms. */
  createdAt: number;
  /** Epoch ms from which STS and IAM accept the key (CreateAccessKey + the propagation delay); createdAt when absent. */
  usableAt?: number;
  lastUsed?: { at: number; service: string; region: string };
}

export interface SandboxUser {
  userName: string;
  userId: string;
  path: string;
  createdAt: number;
  tags: Tag[];
  permissionsBoundary?: string;
  /** Inline policies: name → document as sent (JSON text). */
  inlinePolicies: Record<string, string>;
  attachedPolicies: string[];
  accessKeys: SandboxAccessKey[];
  /** A console password: blocks DeleteUser like it does in IAM. */
  loginProfile?: boolean;
  /** Serial numbers of MFA devices enabled for the user; each blocks DeleteUser. */
  mfaDevices?: string[];
  /** Ids of SSH public keys (for CodeCommit); each blocks DeleteUser. */
  sshPublicKeys?: string[];
  /** Names of the groups the user is in; membership blocks DeleteUser. */
  groups?: string[];
}

export interface SandboxPolicy {
  arn: string;
  policyName: string;
  policyId: string;
  path: string;
  document: string;
  createdAt: number;
}

/** A principal that is not an IAM user of this world: the sandbox's administrator and friends. */
export interface SandboxPrincipal {
  accessKeyId: string;
  secretAccessKey: string;
  arn: string;
  userId: string;
  /** Set for temporary credentials from AssumeRoleWithWebIdentity: the role they act as (no IAM calls). */
  roleName?: string;
}

export interface SandboxRole {
  roleName: string;
  roleId: string;
  path: string;
  createdAt: number;
  /** The trust policy as sent (JSON text). */
  assumeRolePolicyDocument: string;
  description?: string;
  /** Seconds, 3600-43200. */
  maxSessionDuration: number;
  permissionsBoundary?: string;
  tags: Tag[];
  inlinePolicies: Record<string, string>;
  attachedPolicies: string[];
}

export interface SandboxOidcProvider {
  /** As sent: `https://token.actions.githubusercontent.com`. */
  url: string;
  arn: string;
  clientIds: string[];
  thumbprints: string[];
  createdAt: number;
  tags: Tag[];
}

export interface IamState {
  accountId: string;
  users: SandboxUser[];
  policies: SandboxPolicy[];
  /** Optional in state files written before roles existed; read them through `rolesOf`. */
  roles?: SandboxRole[];
  oidcProviders?: SandboxOidcProvider[];
  principals: SandboxPrincipal[];
  /** Every secret access key the sandbox ever issued (tests scan output for them). */
  issuedSecrets: string[];
  /** Actions denied to callers: `iam:CreateUser` or `*`, optionally for one access key id. */
  denied: Array<{ action: string; accessKeyId?: string }>;
}

/**
 * Holds the world: in memory, or in a JSON file that is re-read before each request and written
 * atomically (temp file + rename) after each change, so processes sharing the file see one world.
 */
export class StateHolder {
  #state: IamState;
  readonly file: string | undefined;

  constructor(initial: IamState, file?: string) {
    this.file = file;
    this.#state = initial;
    if (file) {
      const loaded = this.#read();
      if (loaded) this.#state = loaded;
      else this.#write();
    }
  }

  /** Runs fn on the current state; saves it afterwards when `write` is set. Synchronous on purpose. */
  use<T>(write: boolean, fn: (state: IamState) => T): T {
    if (this.file) this.#state = this.#read() ?? this.#state;
    try {
      return fn(this.#state);
    } finally {
      if (write && this.file) this.#write();
    }
  }

  snapshot(): IamState {
    return this.use(false, (s) => structuredClone(s));
  }

  #read(): IamState | undefined {
    try {
      return JSON.parse(readFileSync(this.file!, 'utf8')) as IamState;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  #write(): void {
    const file = this.file!;
    mkdirSync(dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(this.#state, null, 2)}\n`, { mode: 0o600 });
    renameSync(tmp, file);
  }
}

export function rolesOf(state: IamState): SandboxRole[] {
  state.roles ??= [];
  return state.roles;
}

export function oidcProvidersOf(state: IamState): SandboxOidcProvider[] {
  state.oidcProviders ??= [];
  return state.oidcProviders;
}
