import type { AwsClients } from '@creds/aws-iam';
import type { KeyStore, RunRecord, Workflow } from '@creds/core';
import type { GitHubClient } from '@creds/github-secrets';
import type { CredsOptions } from './api.js';
import type { LoadedConfig } from './config/load.js';
import type { TargetConfig } from './config/schema.js';
import type { TargetEnv } from './env.js';
import type { WorkflowModule } from './workflows/module.js';

/** What the parts of the library share, built once per Creds by createInternals (creds.ts). */
export interface CredsInternals {
  config: LoadedConfig;
  options: CredsOptions;
  targets: TargetConfig[];
  store: () => Promise<KeyStore>;
  aws: (target: TargetConfig) => AwsClients;
  /** The GitHub client of a target (with a GitHub App, its owner's installation). */
  github: (target?: TargetConfig) => Promise<GitHubClient>;
  /** Which GitHub auth a target uses, without secrets. */
  githubAuth: (target?: TargetConfig) => Promise<string>;
  env: (target: TargetConfig, runs: readonly RunRecord[]) => Promise<TargetEnv>;
  /** The registry's module of workflow `name`; an unknown name is an error naming the known ones. */
  module: (name: string) => Promise<WorkflowModule>;
  /** Workflow `name` built for a target; `run` is the run being resumed or rolled back, if any. */
  workflow: (request: WorkflowRequest) => Promise<Workflow<TargetEnv>>;
  /** The targets that share `target`'s IAM user and key, as the configuration names them now. */
  followersOf: (target: TargetConfig) => TargetConfig[];
  /** The workflow of a recorded run, built from the configuration the run journaled (rollback). */
  recordedWorkflow: (target: TargetConfig, runs: readonly RunRecord[], run: RunRecord) => Promise<{ workflow: Workflow<TargetEnv>; env: TargetEnv }>;
}

/** What reading one target needs (plan, status): where its journal is, its env and its workflows. */
export type TargetReader = Pick<CredsInternals, 'config' | 'options' | 'env' | 'workflow' | 'githubAuth'>;

/** What doctor needs: a target reader, the configured targets, and the clients and store it checks. */
export type DoctorParts = TargetReader & Pick<CredsInternals, 'targets' | 'aws' | 'github' | 'githubAuth' | 'store'>;

/** What SetupGitHubRepo's operations need: the one target, its env, the store and the options. */
export type RepoOperationParts = Pick<CredsInternals, 'targets' | 'env' | 'store' | 'options'>;

export interface WorkflowRequest {
  name: string;
  target: TargetConfig;
  env: TargetEnv;
  runs: readonly RunRecord[];
  run?: RunRecord;
  /** The targets sharing this target's key; by default those the configuration names now. */
  followers?: readonly TargetConfig[];
  /** Rotate: the drain bound in ms (0: no drain) and whether to retire an old key that was used after it. */
  drainTimeoutMs?: number;
  force?: boolean;
}
