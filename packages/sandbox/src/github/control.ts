import { newKeyPair } from './crypto.js';
import { timestamp } from './http.js';
import type { Faults, RateLimits } from './limits.js';
import { canonicalName } from './names.js';
import { findRepo, findScope, refFromControl, repoKey } from './scopes.js';
import type { GitHubSandbox, SandboxRepoOptions, SandboxScope, SandboxTokenOptions } from './types.js';
import type { ScopeState, WorldState, WorldStore } from './world.js';

type Control = Omit<GitHubSandbox, 'url' | 'port' | 'close' | 'requests' | 'counts' | 'resetLog'>;

function freshScope(world: WorldState): ScopeState {
  return { key: newKeyPair(nextKeyId(world)), secrets: {}, variables: {} };
}

function nextKeyId(world: WorldState): string {
  // GitHub's key ids are long digit strings.
  return `568250167242549${String(world.nextKeyId++).padStart(4, '0')}`;
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

  return {
    addToken(token: SandboxTokenOptions) {
      store.mutate((world) => {
        world.tokens[token.token] = {
          token: token.token,
          login: token.login ?? 'sandbox-user',
          ...(token.scopes ? { scopes: [...token.scopes] } : {}),
          ...(token.permissions ? { permissions: { ...token.permissions } } : {}),
          ...(token.repositories ? { repositories: [...token.repositories] } : {}),
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
      limits.armSecondary(options.token, options.retryAfterSeconds);
    },
    exhaustPrimaryRateLimit(token: string, resetInSeconds?: number) {
      limits.exhaust(token, resetInSeconds);
    },
  };
}
