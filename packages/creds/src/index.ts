export type {
  AwsOptions,
  BlockedTarget,
  Creds,
  CredsEvent,
  CredsOptions,
  DoctorCheck,
  GitHubOptions,
  KeyStatus,
  MigrationReport,
  PlannedChange,
  RunSummary,
  SecretStatus,
  TargetPlan,
  TargetResult,
  TargetStatus,
  WorkflowName,
} from './api.js';
export { CONFIG_FILE_NAMES, ConfigError, findConfig, loadConfig, resolveConfig } from './config/load.js';
export type { LoadedConfig } from './config/load.js';
export { configJsonSchema, configReference } from './config/reference.js';
export { configSchema } from './config/schema.js';
export type { ConfigFile, OidcConfig, StoreConfig, TargetConfig } from './config/schema.js';
export { createCreds } from './creds.js';
export { oidcSubjects } from './config/oidc.js';
export { migrateToOidcWorkflow, oidcSteps, oidcWorkflow, workflowSnippet } from './workflows/oidc.js';
export { SetupGitHubRepo } from './setup-github-repo.js';
export type { SetupGitHubRepoParams } from './setup-github-repo.js';
export { ensureStateDir, STATE_DIR, statePaths } from './state.js';
export { createStore } from './stores.js';
