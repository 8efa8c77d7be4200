import { generateKeyPairSync } from 'node:crypto';
import { newKeyPair } from './crypto.js';
import { timestamp } from './http.js';
import type { Faults, RateLimits } from './limits.js';
import { canonicalName } from './names.js';
import { RUN_CONCLUSIONS, RUN_STATUSES, runsOf, secretsVisibleTo } from './runs.js';
import { findRepo, findScope, refFromControl, repoKey } from './scopes.js';
import type { GitHubSandbox, SandboxPermissions, SandboxRepoOptions, SandboxRun, SandboxScope, SandboxTokenOptions } from './types.js';
import type { AppState, InstallationState, RepoState, RunRecord, ScopeState, WorldState, WorldStore } from './world.js';

type Control = Omit<GitHubSandbox, 'url' | 'port' | 'close' | 'requests' | 'counts' | 'resetLog'>;

/** A new secret scope with its own key pair (a repository, an environment or an organization). */
export function freshScope(world: WorldState): ScopeState {
  return { key: newKeyPair(nextKeyId(world)), secrets: {}, variables: {} };
}

function nextKeyId(world: WorldState): string {
  // GitHub's key ids are long digit strings.
  return `568250167242549${String(world.nextKeyId++).padStart(4, '0')}`;
}

const ACCESS = new Set(['read', 'write']);

/** Permissions as given, checked, with `metadata: read` (every app has it). */
function permissionsOf(given: SandboxPermissions | undefined, what: string): Record<string, 'read' | 'write'> {
  const out: Record<string, 'read' | 'write'> = { metadata: 'read' };
  for (const [name, access] of Object.entries(given ?? {})) {
    if (!ACCESS.has(access)) throw new Error(`sandbox: ${what} permission ${name} must be read or write, got ${String(access)}`);
    out[name] = access;
  }
  return out;
}

function lifetimeOf(seconds: number): number {
  if (!(seconds > 0)) throw new Error(`sandbox: token lifetime must be a positive number of seconds, got ${seconds}`);
  return seconds;
}

function runView(run: RunRecord): SandboxRun {
  return structuredClone(run);
}

/** The sandbox-only control API: set up the world, look behind GitHub's back, inject faults. */
export function createControl(store: WorldStore, limits: RateLimits, faults: Faults): Control {
  const scopeIn = (world: WorldState, scope: SandboxScope): ScopeState => {
    try {
      return findScope(world, refFromControl(scope));
    } catch {
      throw new Error(`sandbox: no such scope ${JSON.stringify(scope)}; add it first`);
    }
  };

  const repoIn = (world: WorldState, owner: string, repo: string): RepoState => {
    try {
      return findRepo(world, owner, repo);
    } catch {
      throw new Error(`sandbox: no such repository ${owner}/${repo}; add it first`);
    }
  };
  const runIn = (world: WorldState, owner: string, repo: string, runId: number): { repo: RepoState; run: RunRecord } => {
    const state = repoIn(world, owner, repo);
    const run = runsOf(state).find((r) => r.id === runId);
    if (!run) throw new Error(`sandbox: ${owner}/${repo} has no run ${runId}`);
    return { repo: state, run };
  };
  /** A run reads its secrets once, when it leaves the queue. */
  const begin = (world: WorldState, repo: RepoState, run: RunRecord, at: string) => {
    run.runStartedAt = at;
    run.secrets = secretsVisibleTo(world, repo, run.environment);
  };
  const setRunStatus: Control['setRunStatus'] = (owner, repo, runId, status, conclusion) =>
    store.mutate((world) => {
      if (!RUN_STATUSES.includes(status)) throw new Error(`sandbox: run status ${status} is not one of ${RUN_STATUSES.join(', ')}`);
      if (conclusion !== undefined && !RUN_CONCLUSIONS.includes(conclusion)) throw new Error(`sandbox: run conclusion ${conclusion} is unknown`);
      const found = runIn(world, owner, repo, runId);
      const { run } = found;
      if (run.status === 'completed') throw new Error(`sandbox: run ${runId} of ${owner}/${repo} is already completed`);
      const at = timestamp();
      if (status === 'in_progress' && run.secrets === undefined) begin(world, found.repo, run, at);
      run.status = status;
      run.conclusion = status === 'completed' ? (conclusion ?? 'success') : null;
      run.updatedAt = at;
      return runView(run);
    });

  /** Rate limits count an installation's tokens together (as the server keys them). */
  const limitKey = (token: string): string => {
    const id = store.read().tokens[token]?.installationId;
    return id === undefined ? token : `installation:${id}`;
  };
  const appIn = (world: WorldState, appId: number): AppState => {
    const app = world.apps?.[String(appId)];
    if (!app) throw new Error(`sandbox: no app ${appId}; add it first (addApp)`);
    return app;
  };
  const installationIn = (world: WorldState, installationId: number): InstallationState => {
    const inst = world.installations?.[String(installationId)];
    if (!inst) throw new Error(`sandbox: no installation ${installationId}; add it first (addInstallation)`);
    return inst;
  };
  /** Selected repositories must be the account's and known. */
  const selection = (world: WorldState, account: string, repositories: string[]): string[] =>
    repositories.map((full) => {
      const [owner, name] = full.split('/');
      if (!owner || !name || owner.toLowerCase() !== account.toLowerCase()) {
        throw new Error(`sandbox: repository ${full} is not one of ${account}'s (owner/name)`);
      }
      const repo = repoIn(world, owner, name);
      return `${repo.owner}/${repo.name}`;
    });

  return {
    addApp(options = {}) {
      const { privateKey, publicKey } = generateKeyPairSync('rsa', {
        modulusLength: 2048,
        publicKeyEncoding: { type: 'spki', format: 'pem' },
        // GitHub's downloaded keys are PKCS#1 ("BEGIN RSA PRIVATE KEY").
        privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
      });
      return store.mutate((world) => {
        world.apps ??= {};
        const id = world.nextId++;
        const name = options.name ?? `creds-sandbox-app-${id}`;
        const app: AppState = {
          id,
          clientId: `Iv23li${id.toString(36).padStart(14, '0')}`,
          slug: name.toLowerCase().replace(/[^a-z0-9]+/g, '-'),
          name,
          owner: options.owner ?? 'sandbox-user',
          publicKeyPem: publicKey,
          permissions: permissionsOf(options.permissions, 'app'),
          tokenLifetimeSeconds: lifetimeOf(options.tokenLifetimeSeconds ?? 3600),
          createdAt: timestamp(),
        };
        world.apps[String(id)] = app;
        return { appId: id, clientId: app.clientId, slug: app.slug, privateKeyPem: privateKey };
      });
    },
    addInstallation(options) {
      return store.mutate((world) => {
        const app = appIn(world, options.appId);
        if (!options.account) throw new Error('sandbox: an installation needs an account (user or organization login)');
        const org = world.orgs[options.account.toLowerCase()];
        const taken = Object.values(world.installations ?? {}).some((i) => i.appId === app.id && i.account.toLowerCase() === options.account.toLowerCase());
        if (taken) throw new Error(`sandbox: app ${app.id} is already installed on ${options.account}`);
        const at = timestamp();
        const inst: InstallationState = {
          id: world.nextId++,
          appId: app.id,
          account: org?.login ?? options.account,
          accountType: org ? 'Organization' : 'User',
          permissions: options.permissions ? permissionsOf(options.permissions, 'installation') : { ...app.permissions },
          ...(options.repositories ? { repositories: selection(world, options.account, options.repositories) } : {}),
          createdAt: at,
          updatedAt: at,
        };
        world.installations ??= {};
        world.installations[String(inst.id)] = inst;
        return { installationId: inst.id };
      });
    },
    updateInstallation(installationId, change) {
      store.mutate((world) => {
        const inst = installationIn(world, installationId);
        if (change.permissions) inst.permissions = permissionsOf(change.permissions, 'installation');
        if (change.repositories === 'all') delete inst.repositories;
        else if (change.repositories) inst.repositories = selection(world, inst.account, change.repositories);
        inst.updatedAt = timestamp();
      });
    },
    setTokenLifetime(appId, seconds) {
      store.mutate((world) => {
        appIn(world, appId).tokenLifetimeSeconds = lifetimeOf(seconds);
      });
    },
    installationTokens(installationId) {
      const world = store.read();
      installationIn(world, installationId);
      return Object.values(world.tokens)
        .filter((t) => t.installationId === installationId)
        .sort((a, b) => a.expiresAt! - b.expiresAt!)
        .map((t) => ({ token: t.token, expiresAt: new Date(t.expiresAt!).toISOString() }));
    },
    startRun(owner, repo, options = {}) {
      return store.mutate((world) => {
        const state = repoIn(world, owner, repo);
        const status = options.status ?? 'in_progress';
        if (!RUN_STATUSES.includes(status) || (status as string) === 'completed') throw new Error(`sandbox: a run cannot start as ${status}`);
        if (options.environment !== undefined && !state.environments[options.environment]) {
          throw new Error(`sandbox: ${owner}/${repo} has no environment ${options.environment}`);
        }
        const runs = runsOf(state);
        const at = timestamp(options.createdAt ?? Date.now());
        const run: RunRecord = {
          id: world.nextId++,
          runNumber: runs.length + 1,
          name: options.name ?? 'CI',
          event: options.event ?? 'push',
          headBranch: options.branch ?? 'main',
          status,
          conclusion: null,
          createdAt: at,
          updatedAt: at,
          ...(options.environment !== undefined ? { environment: options.environment } : {}),
        };
        if (status === 'in_progress') begin(world, state, run, at);
        runs.push(run);
        return runView(run);
      });
    },
    setRunStatus,
    finishRun: (owner, repo, runId, conclusion = 'success') => setRunStatus(owner, repo, runId, 'completed', conclusion),
    run(owner, repo, runId) {
      const run = runsOf(repoIn(store.read(), owner, repo)).find((r) => r.id === runId);
      return run ? runView(run) : undefined;
    },
    runs(owner, repo) {
      return runsOf(repoIn(store.read(), owner, repo)).map(runView);
    },
    addToken(token: SandboxTokenOptions) {
      store.mutate((world) => {
        world.tokens[token.token] = {
          token: token.token,
          login: token.login ?? 'sandbox-user',
          ...(token.scopes ? { scopes: [...token.scopes] } : {}),
          ...(token.permissions ? { permissions: { ...token.permissions } } : {}),
          ...(token.repositories ? { repositories: [...token.repositories] } : {}),
          ...(token.admin === false ? { notAdmin: true } : {}),
        };
      });
    },
    addRepo(repo: SandboxRepoOptions) {
      return store.mutate((world) => {
        const key = repoKey(repo.owner, repo.name);
        let state = world.repos[key];
        if (!state) {
          state = { id: world.nextId++, owner: repo.owner, name: repo.name, private: repo.private ?? true, environments: {}, ...freshScope(world) };
          world.repos[key] = state;
        }
        for (const env of repo.environments ?? []) state.environments[env] ??= freshScope(world);
        return { id: state.id };
      });
    },
    addOrg(login: string) {
      return store.mutate((world) => {
        const key = login.toLowerCase();
        world.orgs[key] ??= { id: world.nextId++, login, ...freshScope(world) };
        return { id: world.orgs[key].id };
      });
    },
    addEnvironment(owner: string, repo: string, environment: string) {
      store.mutate((world) => {
        findRepo(world, owner, repo).environments[environment] ??= freshScope(world);
      });
    },
    repoId(owner: string, repo: string) {
      return store.read().repos[repoKey(owner, repo)]?.id;
    },
    rotatePublicKey(scope: SandboxScope) {
      return store.mutate((world) => {
        const state = scopeIn(world, scope);
        state.key = newKeyPair(nextKeyId(world));
        return state.key.keyId;
      });
    },
    publicKeyId(scope: SandboxScope) {
      return scopeIn(store.read(), scope).key.keyId;
    },
    secretValue(scope: SandboxScope, name: string) {
      return scopeIn(store.read(), scope).secrets[canonicalName(name)]?.value;
    },
    secret(scope: SandboxScope, name: string) {
      const s = scopeIn(store.read(), scope).secrets[canonicalName(name)];
      if (!s) return undefined;
      return {
        name: s.name,
        createdAt: s.createdAt,
        updatedAt: s.updatedAt,
        ...(s.visibility ? { visibility: s.visibility } : {}),
        ...(s.selectedRepositoryIds ? { selectedRepositoryIds: [...s.selectedRepositoryIds] } : {}),
      };
    },
    secretNames(scope: SandboxScope) {
      return Object.keys(scopeIn(store.read(), scope).secrets).sort();
    },
    setSecretValue(scope: SandboxScope, name: string, value: string) {
      store.mutate((world) => {
        const state = scopeIn(world, scope);
        const key = canonicalName(name);
        const existing = state.secrets[key];
        // Timestamps have one-second resolution; move past the last write so drift is visible.
        const at = timestamp(Math.max(Date.now(), existing ? Date.parse(existing.updatedAt) + 1000 : 0));
        if (existing) Object.assign(existing, { value, updatedAt: at });
        else state.secrets[key] = { name: key, value, createdAt: at, updatedAt: at, ...('org' in scope ? { visibility: 'private' as const } : {}) };
      });
    },
    deleteSecretDirectly(scope: SandboxScope, name: string) {
      store.mutate((world) => {
        delete scopeIn(world, scope).secrets[canonicalName(name)];
      });
    },
    variable(scope: SandboxScope, name: string) {
      const v = scopeIn(store.read(), scope).variables[canonicalName(name)];
      return v ? { name: v.name, value: v.value, createdAt: v.createdAt, updatedAt: v.updatedAt } : undefined;
    },
    setLatency(ms: number) {
      faults.latencyMs = ms;
    },
    setErrorRate(rate: number) {
      faults.errorRate = rate;
    },
    failNext(options = {}) {
      faults.failNext(options);
    },
    triggerSecondaryRateLimit(options = {}) {
      limits.armSecondary(options.token === undefined ? undefined : limitKey(options.token), options.retryAfterSeconds);
    },
    exhaustPrimaryRateLimit(token: string, resetInSeconds?: number) {
      limits.exhaust(limitKey(token), resetInSeconds);
    },
  };
}
