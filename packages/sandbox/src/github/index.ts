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
  SandboxSecretInfo,
} from './types.js';
