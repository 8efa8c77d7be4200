import type { GitHubClient } from './client.js';

/**
 * What the GitHub steps need from a workflow's Env. A front-end's Env may carry more (AWS clients,
 * the key store); the steps read only these fields.
 */
export interface GitHubEnv {
  github: GitHubClient;
  /**
   * The output a step recorded in an earlier, finished run of the same target, by step id. With
   * it, a re-run skips writing a secret whose value is unchanged, `check` reports drift (a secret
   * changed outside creds), and undo knows what it replaced. Front-ends build it from the journal
   * (the runner's history()); without it every run writes every secret again.
   */
  priorOutput?: (stepId: string) => unknown;
}
