export { startGitHubServer } from './server.js';
export type {
  FailNextOptions,
  GitHubSandbox,
  GitHubSandboxOptions,
  SandboxCounts,
  SandboxRateLimitOptions,
  SandboxRepoOptions,
  SandboxRequestLogEntry,
  SandboxScope,
  SandboxTokenOptions,
  SandboxRun,
  SandboxRunConclusion,
  SandboxRunStatus,
  SandboxSecretInfo,
  StartRunOptions,
} from './types.js';
