export type { GitHubApi, PublicKey, RepoInfo, SecretMetadata, SecretPayload, VariableData } from './api.js';
export { createGitHubAppAuth } from './app.js';
export type { GitHubAppAuth, GitHubAppAuthOptions, GitHubAppCredentials, InstallationAccess, InstallationTarget } from './app.js';
export { permissionLabel } from './app-permissions.js';
export { createGitHubClient } from './client.js';
export type { CallOptions, RateLimitWait } from './call-options.js';
export type { GitHubClient, GitHubClientAuth, GitHubClientOptions } from './client.js';
export { encryptSecretValue } from './encrypt.js';
export type { GitHubEnv } from './env.js';
export { GitHubError, GitHubErrorCode, grantHint, scrub, toGitHubError } from './errors.js';
export type { CallContext, GitHubErrorOptions } from './errors.js';
export {
  canonicalSecretName,
  MAX_SECRET_VALUE_BYTES,
  MAX_SECRETS_PER_SCOPE,
  validateSecretName,
  validateSecretNames,
  validateSecretValue,
} from './names.js';
export { describeScope, scopeKey, scopeRef } from './scope.js';
export { githubStepId } from './step-id.js';
export type { EnvironmentScope, OrgScope, OrgVisibility, RepoScope, ScopeRef, SecretScope } from './scope.js';
export { githubPreflightStep } from './steps/preflight-step.js';
export type { GitHubPreflightOptions, GitHubPreflightOutput, MissingEnvironment } from './steps/preflight-step.js';
export { secretStep } from './steps/secret-step.js';
export { orgAccess } from './steps/shared.js';
export type { SecretStepOptions, SecretStepOutput } from './steps/secret-step.js';
export { variableStep } from './steps/variable-step.js';
export type { VariableStepOptions, VariableStepOutput } from './steps/variable-step.js';
export { resolveGitHubToken } from './token.js';
export type { ResolvedGitHubToken, ResolveGitHubTokenOptions } from './token.js';
export { writeSecret } from './write-secret.js';
export type { OrgAccess, WriteSecretResult } from './write-secret.js';
export { getRun, LIVE_RUN_STATUSES, listLiveRuns, listOrgRepositories, listRunsFinishedSince } from './runs.js';
export type { WorkflowRunInfo } from './runs.js';
export { deleteEnvironmentStep, environmentExists, environmentStep, environmentStepId } from './steps/environment-step.js';
export type { EnvironmentStepOptions, EnvironmentStepOutput } from './steps/environment-step.js';
