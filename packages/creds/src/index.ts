export type {
  AwsOptions,
  BlockedTarget,
  LockedBy,
  UnlockResult,
  Creds,
  CredsEvent,
  CredsOptions,
  DoctorCheck,
  GitHubAppOptions,
  GitHubOptions,
  KeyStatus,
  OidcStatus,
  MigrationReport,
  PlannedChange,
  RollbackPlan,
  RunOptions,
  RunRefusal,
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
export type { ConfigFile, GitHubAppConfig, OidcConfig, StoreConfig, TargetConfig } from './config/schema.js';
export { createCreds } from './creds.js';
export { parseDuration } from './durations.js';
export { APP_ENV, resolveGitHubApp } from './github-auth.js';
export { oidcSubjects } from './config/oidc.js';
export { migrateToOidc, migrateToOidcWorkflow } from './workflows/migrate-to-oidc.js';
export type { BuildInput, WorkflowEntry, WorkflowModule, WorkflowOptions, WorkflowRegistry } from './workflows/module.js';
export { OIDC_STEPS, oidc, oidcSteps, oidcWorkflow, workflowSnippet } from './workflows/oidc.js';
export { PREFLIGHT, PREFLIGHT_STEPS, preflightSteps } from './workflows/preflight.js';
export { workflowNames, workflowRegistry } from './workflows/registry.js';
export { ROTATE_STEPS, rotate, rotateWorkflow } from './workflows/rotate.js';
export { secretSteps } from './workflows/secrets.js';
export { attachedByCreds, SETUP_STEPS, setup, setupSteps, setupWorkflow } from './workflows/setup.js';
export { TEARDOWN_STEPS, teardown, teardownSteps, teardownWorkflow } from './workflows/teardown.js';
export { SetupGitHubRepo } from './setup-github-repo.js';
export type { SetupGitHubRepoParams } from './setup-github-repo.js';
export { ensureStateDir, STATE_DIR, statePaths } from './state.js';
export { createStore } from './stores.js';
