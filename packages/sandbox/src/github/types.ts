/** A token the sandbox accepts. With neither `scopes` nor `permissions` it may do anything. */
export interface SandboxTokenOptions {
  token: string;
  /** The user the token belongs to (`GET /user`); `sandbox-user` by default. */
  login?: string;
  /** Classic token scopes: `repo` (repository and environment secrets), `admin:org` (org secrets). */
  scopes?: string[];
  /**
   * Fine-grained permissions: `secrets`, `environments`, `variables`, `actions`, `administration`
   * (creating and deleting environments), `organization_secrets`, `organization_variables`, each
   * `read` or `write`.
   */
  permissions?: Record<string, 'read' | 'write'>;
  /** Fine-grained tokens may be limited to some repositories (`owner/name`). */
  repositories?: string[];
  /**
   * The token's user is an admin of the repositories it sees (true by default); with `false` it has
   * write access only: GitHub refuses it what needs admin rights (creating an environment).
   */
  admin?: boolean;
}

export type SandboxPermissions = Record<string, 'read' | 'write'>;

/** A GitHub App (`addApp`). */
export interface SandboxAppOptions {
  /** The app's name (`GET /app`); its slug is the name lower-cased with dashes. `creds-sandbox-app-N` by default. */
  name?: string;
  /** The account that owns the app; `sandbox-user` by default. */
  owner?: string;
  /** What the app asks for; an installation gets these unless it names its own. `metadata: read` is always added. */
  permissions?: SandboxPermissions;
  /**
   * Lifetime of the app's installation tokens in (scaled) seconds: GitHub gives 3600. With the
   * server's `timeScale` of 0.01 that is 36 real seconds; a short one tests refresh.
   */
  tokenLifetimeSeconds?: number;
}

export interface SandboxApp {
  appId: number;
  /** GitHub accepts the client id (`Iv23…`) as the JWT's `iss` too. */
  clientId: string;
  slug: string;
  /** The app's private key as GitHub hands it out: PKCS#1 PEM (`-----BEGIN RSA PRIVATE KEY-----`). */
  privateKeyPem: string;
}

/** An installation of an app on a user or organization account (`addInstallation`). */
export interface SandboxInstallationOptions {
  appId: number;
  /** The user's or organization's login; an organization must have been added (`addOrg`) to count as one. */
  account: string;
  /** What the installation was granted; the app's permissions by default. `metadata: read` is always added. */
  permissions?: SandboxPermissions;
  /** `owner/name` of the repositories it may use ("Only select repositories"); all of the account's when absent. */
  repositories?: string[];
}

export interface SandboxRepoOptions {
  owner: string;
  name: string;
  private?: boolean;
  environments?: string[];
}

export interface SandboxRateLimitOptions {
  /** Primary limit per token and hour (GitHub: 5,000). */
  limit?: number;
  /** Content-creating requests (POST/PUT/PATCH/DELETE) per token and minute before the secondary limit (GitHub: about 80). */
  writesPerMinute?: number;
  /** Status of a secondary-limit answer: GitHub uses both. 403 by default. */
  secondaryStatus?: 403 | 429;
  /** `retry-after` of a secondary-limit answer, in (scaled) seconds; 60 by default. */
  secondaryRetryAfterSeconds?: number;
}

export interface GitHubSandboxOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** 127.0.0.1 by default. */
  host?: string;
  /** Keep the world in this JSON file (atomic writes, shared by processes). In memory otherwise. */
  stateFile?: string;
  tokens?: SandboxTokenOptions[];
  repos?: SandboxRepoOptions[];
  /** Organizations by login. */
  orgs?: string[];
  /** Delay before every answer; default from CREDS_SANDBOX_LATENCY_MS, else 0. */
  latencyMs?: number;
  /** Share of requests answered with a 5xx; default from CREDS_SANDBOX_ERROR_RATE, else 0. */
  errorRate?: number;
  /**
   * Real milliseconds per sandbox millisecond for rate-limit windows and retry-after waits:
   * 0.01 makes GitHub's 60 s wait last 600 ms. Default from CREDS_SANDBOX_TIME_SCALE, else 1.
   */
  timeScale?: number;
  rateLimit?: SandboxRateLimitOptions;
  /** Random source for the error rate (tests pass a deterministic one). */
  random?: () => number;
}

/** A secret scope as the control API names it. */
export type SandboxScope = { owner: string; repo: string; environment?: string } | { org: string };

export interface SandboxRequestLogEntry {
  at: string;
  method: string;
  /** Path and query, as received. */
  path: string;
  status: number;
  /** POST, PUT, PATCH and DELETE count as writes. */
  write: boolean;
  durationMs: number;
  /** When the request arrived and when its answer was sent: epoch ms, sub-millisecond resolution. */
  start: number;
  end: number;
  /** Login of the token's user, when the token was known. Never the token. */
  login?: string;
}

export interface SandboxCounts {
  total: number;
  reads: number;
  writes: number;
  byStatus: Record<number, number>;
}

export interface FailNextOptions {
  /** How many matching requests fail (default 1). */
  count?: number;
  /** 500 by default. */
  status?: number;
  method?: string;
  /** Only requests whose path matches. */
  path?: RegExp;
}

export interface SandboxSecretInfo {
  name: string;
  createdAt: string;
  updatedAt: string;
  visibility?: 'all' | 'private' | 'selected';
  selectedRepositoryIds?: number[];
}

export type SandboxRunStatus = 'requested' | 'queued' | 'pending' | 'waiting' | 'in_progress' | 'completed';
export type SandboxRunConclusion = 'success' | 'failure' | 'cancelled' | 'neutral' | 'skipped' | 'stale' | 'timed_out' | 'action_required';

export interface StartRunOptions {
  /** The workflow's name; `CI` by default. */
  name?: string;
  /** `in_progress` by default; a run that is not yet `in_progress` has no secrets yet. */
  status?: Exclude<SandboxRunStatus, 'completed'>;
  event?: string;
  branch?: string;
  /** The run's job uses this environment (its secrets win over the repository's). */
  environment?: string;
  /** Epoch ms of creation (now by default), for runs made "earlier". */
  createdAt?: number;
}

/** A workflow run as the control API shows it. */
export interface SandboxRun {
  id: number;
  runNumber: number;
  name: string;
  status: SandboxRunStatus;
  conclusion: SandboxRunConclusion | null;
  createdAt: string;
  updatedAt: string;
  runStartedAt?: string;
  /**
   * The secret values the run was given when it started (GitHub hands a run its secrets then, and
   * it keeps them to its end). Absent while it waits in the queue. Sandbox only.
   */
  secrets?: Record<string, string>;
}

export interface GitHubSandbox {
  /** Base URL for Octokit's `baseUrl` and GITHUB_API_URL, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;

  /** Every request answered so far, oldest first. */
  readonly requests: readonly SandboxRequestLogEntry[];
  counts(): SandboxCounts;
  /** Forget the request log and counters. */
  resetLog(): void;

  addToken(token: SandboxTokenOptions): void;
  /** Registers a GitHub App with a fresh RSA key pair. */
  addApp(options?: SandboxAppOptions): SandboxApp;
  addInstallation(options: SandboxInstallationOptions): { installationId: number };
  /** Change an installation's permissions or repositories (as its owner would in the settings); tokens minted before keep what they had. */
  updateInstallation(installationId: number, change: { permissions?: SandboxPermissions; repositories?: string[] | 'all' }): void;
  /** Change how long the app's installation tokens live from now on, in (scaled) seconds. */
  setTokenLifetime(appId: number, seconds: number): void;
  /** Installation tokens minted so far for the installation (`ghs_…`), oldest first, with when they expire. */
  installationTokens(installationId: number): Array<{ token: string; expiresAt: string }>;
  addRepo(repo: SandboxRepoOptions): { id: number };
  addOrg(login: string): { id: number };
  addEnvironment(owner: string, repo: string, environment: string): void;
  repoId(owner: string, repo: string): number | undefined;

  /** Replace the scope's key pair; its `key_id` changes. Returns the new key id. */
  rotatePublicKey(scope: SandboxScope): string;
  publicKeyId(scope: SandboxScope): string;
  /** The decrypted value of a secret, or undefined. Sandbox only: GitHub never returns values. */
  secretValue(scope: SandboxScope, name: string): string | undefined;
  secret(scope: SandboxScope, name: string): SandboxSecretInfo | undefined;
  secretNames(scope: SandboxScope): string[];
  /** Change (or create) a secret behind creds' back; its updated_at moves forward by at least 1 s. */
  setSecretValue(scope: SandboxScope, name: string, value: string): void;
  deleteSecretDirectly(scope: SandboxScope, name: string): void;
  variable(scope: SandboxScope, name: string): { name: string; value: string; createdAt: string; updatedAt: string } | undefined;

  /** A workflow run of the repository, in progress (with its secrets read now) unless `status` says otherwise. */
  startRun(owner: string, repo: string, options?: StartRunOptions): SandboxRun;
  /** Moves a run on: `in_progress` (it reads its secrets now, if it had not) or `completed`. */
  setRunStatus(owner: string, repo: string, runId: number, status: SandboxRunStatus, conclusion?: SandboxRunConclusion): SandboxRun;
  /** Completes a run (`success` by default). */
  finishRun(owner: string, repo: string, runId: number, conclusion?: SandboxRunConclusion): SandboxRun;
  run(owner: string, repo: string, runId: number): SandboxRun | undefined;
  /** The repository's runs, oldest first. */
  runs(owner: string, repo: string): SandboxRun[];

  setLatency(ms: number): void;
  setErrorRate(rate: number): void;
  /** The next matching request(s) get a 5xx. */
  failNext(options?: FailNextOptions): void;
  /** The next write of the token (every token when omitted) hits the secondary limit. */
  triggerSecondaryRateLimit(options?: { token?: string; retryAfterSeconds?: number }): void;
  /** Spend the token's primary limit; it resets after `resetInSeconds` (scaled; 3600 by default). */
  exhaustPrimaryRateLimit(token: string, resetInSeconds?: number): void;
}
