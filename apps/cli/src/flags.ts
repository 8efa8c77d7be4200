// What the commands are given once commander has parsed and normalised their options.

/** What `--target`, `--all` normalise to: undefined means every target in the config. */
export type TargetSelection = string[] | undefined;

export interface InitFlags {
  owner?: string;
  repo?: string;
  user?: string;
  region?: string;
  store?: 'json' | 'keychain' | '1password';
  vault?: string;
  permissionsBoundary?: string;
  format: 'json' | 'yaml';
  force?: boolean;
  yes?: boolean;
}

export interface RunFlags {
  resume?: boolean;
  yes?: boolean;
  target?: string[];
  all?: boolean;
  concurrency?: number;
  targetConcurrency?: number;
  olderThan?: string;
  drainTimeout?: string;
  force?: boolean;
}

export interface MigrateFlags {
  to: 'json' | 'keychain' | '1password' | 'none';
  vault?: string;
  account?: string;
  path?: string;
  service?: string;
  yes?: boolean;
}

export interface SandboxFlags {
  port?: number;
  iamPort?: number;
  githubPort?: number;
  memory?: boolean;
  propagationDelay?: number;
}
