import { randomBytes } from 'node:crypto';
import type { Octokit } from '@octokit/rest';
import type { CallOptions } from './call-options.js';
import { badResponse, type CallContext, GitHubErrorCode } from './errors.js';
import { describeScope, type OrgVisibility, type SecretScope, scopeKey } from './scope.js';

export interface PublicKey {
  keyId: string;
  /** base64 Curve25519 public key. */
  key: string;
}

/** What GitHub tells about a secret: never its value. */
export interface SecretMetadata {
  name: string;
  createdAt: string;
  updatedAt: string;
  visibility?: OrgVisibility;
}

export interface VariableData {
  name: string;
  value: string;
  createdAt: string;
  updatedAt: string;
}

export interface RepoInfo {
  id: number;
  fullName: string;
  private: boolean;
  /**
   * Whether GitHub says the token may administer the repository (its `permissions.admin`, sent to
   * an authenticated caller): creating an environment needs it. Absent when GitHub did not say.
   */
  admin?: boolean;
  /**
   * The answer shows the token may write the repository's secrets: a classic token with the `repo`
   * scope (its `x-oauth-scopes`) whose user may push (`permissions.push`). Fine-grained and app
   * tokens show no scopes, so for them this is false and only a write can tell.
   */
  mayWriteSecrets: boolean;
}

/** The body of a secret write: the sealed value, its key id, and for org secrets who may use it. */
export interface SecretPayload {
  encryptedValue: string;
  keyId: string;
  visibility?: OrgVisibility;
  selectedRepositoryIds?: number[];
}

export interface GitHubApi {
  getAuthenticatedUser(options?: CallOptions): Promise<{ login: string }>;
  /** Cached per client. */
  getRepo(owner: string, repo: string, options?: CallOptions): Promise<RepoInfo>;
  /** Cached per scope (concurrent callers share one request); `fresh` refetches. */
  getPublicKey(scope: SecretScope, options?: CallOptions & { fresh?: boolean }): Promise<PublicKey>;
  /** 201 created or 204 updated, and the answer's `Date` (when GitHub wrote it, to the second, as ISO 8601). */
  putSecret(scope: SecretScope, name: string, payload: SecretPayload, options?: CallOptions): Promise<{ status: 'created' | 'updated'; at: string }>;
  /** undefined when there is no such secret. */
  getSecret(scope: SecretScope, name: string, options?: CallOptions): Promise<SecretMetadata | undefined>;
  listSecrets(scope: SecretScope, options?: CallOptions): Promise<SecretMetadata[]>;
  /** false when there was no such secret (which counts as done). */
  deleteSecret(scope: SecretScope, name: string, options?: CallOptions): Promise<boolean>;
  listSelectedRepositories(org: string, name: string, options?: CallOptions): Promise<number[]>;
  setSelectedRepositories(org: string, name: string, ids: number[], options?: CallOptions): Promise<void>;
  getVariable(scope: SecretScope, name: string, options?: CallOptions): Promise<VariableData | undefined>;
  listVariables(scope: SecretScope, options?: CallOptions): Promise<VariableData[]>;
  /** 'exists' when GitHub answered 409. */
  createVariable(scope: SecretScope, name: string, value: string, options?: CallOptions): Promise<'created' | 'exists'>;
  updateVariable(scope: SecretScope, name: string, value: string, options?: CallOptions): Promise<void>;
  deleteVariable(scope: SecretScope, name: string, options?: CallOptions): Promise<boolean>;
  /**
   * Creates an environment of a repository (`PUT /repos/{owner}/{repo}/environments/{name}` with no
   * settings). On an environment that exists the same call would update it: call it only for one
   * that is not there.
   */
  createEnvironment(owner: string, repo: string, environment: string, options?: CallOptions): Promise<void>;
  /** Deletes an environment with its secrets and variables; false when there was none. */
  deleteEnvironment(owner: string, repo: string, environment: string, options?: CallOptions): Promise<boolean>;
  /**
   * Whether the token may write secrets (and variables, when asked) of the scope's owner: a delete
   * of a name that does not exist, answered 404 when it may and 403 (naming the permission) when it
   * may not. Nothing is created or changed. Each owner is probed once per client, so a fleet of one
   * owner spends one write on it, not one a repository: a fine-grained token's permissions are the
   * same on every repository it can see (GET repository tells which it can see); a classic token's
   * user could hold a narrower role on one repository, whose secret write would then be refused.
   */
  checkWriteAccess(scope: SecretScope, options?: CallOptions & { variables?: boolean }): Promise<void>;
}

type Call = <T>(context: CallContext, fn: (request: Record<string, unknown>) => Promise<T>, options?: CallOptions) => Promise<T>;

/** The URL prefix and parameters of a scope's secrets and variables. */
function endpoint(scope: SecretScope): { prefix: string; params: Record<string, string> } {
  switch (scope.kind) {
    case 'repo':
      return { prefix: '/repos/{owner}/{repo}/actions', params: { owner: scope.owner, repo: scope.repo } };
    case 'environment':
      return {
        prefix: '/repos/{owner}/{repo}/environments/{environment_name}',
        params: { owner: scope.owner, repo: scope.repo, environment_name: scope.environment },
      };
    case 'org':
      return { prefix: '/orgs/{org}/actions', params: { org: scope.org } };
  }
}

const isString = (v: unknown): v is string => typeof v === 'string';

function record(data: unknown, action: string): Record<string, unknown> {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw badResponse(action, 'the body is not a JSON object');
  }
  return data as Record<string, unknown>;
}

function secretMetadata(data: unknown, action: string): SecretMetadata {
  const d = record(data, action);
  if (!isString(d['name']) || !isString(d['created_at']) || !isString(d['updated_at'])) {
    throw badResponse(action, 'name, created_at or updated_at is missing');
  }
  const visibility = d['visibility'];
  return {
    name: d['name'],
    createdAt: d['created_at'],
    updatedAt: d['updated_at'],
    ...(visibility === 'all' || visibility === 'private' || visibility === 'selected' ? { visibility } : {}),
  };
}

function variableData(data: unknown, action: string): VariableData {
  const d = record(data, action);
  if (!isString(d['name']) || !isString(d['value'])) throw badResponse(action, 'name or value is missing');
  return { name: d['name'], value: d['value'], createdAt: String(d['created_at'] ?? ''), updatedAt: String(d['updated_at'] ?? '') };
}

/** The `Date` of an answer as GitHub writes times (`2026-01-10T14:59:22Z`); now when it has none. */
function answeredAt(headers: Record<string, unknown>): string {
  const parsed = Date.parse(String(headers['date'] ?? ''));
  return new Date(Number.isNaN(parsed) ? Date.now() : parsed).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const absent = (error: unknown): boolean => (error as { code?: string }).code === GitHubErrorCode.notFound;

export function createApi(octokit: Octokit, call: Call, unpaced: () => Octokit = () => octokit): GitHubApi {
  const keys = new Map<string, Promise<PublicKey>>();
  const repos = new Map<string, Promise<RepoInfo>>();
  const writable = new Map<string, Promise<void>>();
  const req = (route: string, params: Record<string, unknown>) => octokit.request(route, params);

  /** Every item of a paged list, through octokit.paginate (which follows GitHub's Link header). */
  async function pages<T>(route: string, params: Record<string, unknown>, field: string, parse: (item: unknown) => T, request: Record<string, unknown>, action: string): Promise<T[]> {
    const items: T[] = [];
    for await (const response of octokit.paginate.iterator<unknown>(route, { ...params, per_page: 100, request })) {
      // paginate puts the list of a `{ total_count, <field>: [...] }` answer in data; a garbled answer has none.
      if (!Array.isArray(response.data)) throw badResponse(action, `${field} is missing`);
      items.push(...response.data.map(parse));
    }
    return items;
  }

  const api: GitHubApi = {
    getAuthenticatedUser(options) {
      const action = 'read the authenticated user (GET /user)';
      return call({ action, family: 'metadata' }, async (request) => {
        const d = record((await req('GET /user', { request })).data, action);
        if (!isString(d['login'])) throw badResponse(action, 'login is missing');
        return { login: d['login'] };
      }, options);
    },

    getRepo(owner, repo, options) {
      const key = `${owner}/${repo}`.toLowerCase();
      let pending = repos.get(key);
      if (!pending) {
        const action = `read repository ${owner}/${repo}`;
        pending = call({ action, scope: { kind: 'repo', owner, repo }, family: 'metadata' }, async (request) => {
          const res = await req('GET /repos/{owner}/{repo}', { owner, repo, request });
          const d = record(res.data, action);
          if (typeof d['id'] !== 'number' || !isString(d['full_name'])) throw badResponse(action, 'id or full_name is missing');
          const permissions = d['permissions'] as { admin?: unknown; push?: unknown } | undefined;
          const admin = typeof permissions?.admin === 'boolean' ? { admin: permissions.admin } : {};
          const scopes = String(res.headers['x-oauth-scopes'] ?? '').split(',').map((x) => x.trim());
          const mayWriteSecrets = scopes.includes('repo') && (permissions?.push === true || permissions?.admin === true);
          return { id: d['id'], fullName: d['full_name'], private: d['private'] === true, ...admin, mayWriteSecrets };
        }, options);
        repos.set(key, pending);
        pending.catch(() => repos.delete(key));
      }
      return pending;
    },

    getPublicKey(scope, options = {}) {
      const key = scopeKey(scope);
      const cached = keys.get(key);
      if (cached && !options.fresh) return cached;
      const { prefix, params } = endpoint(scope);
      const action = `read the Actions public key of ${describeScope(scope)}`;
      const pending = call({ action, scope, family: 'secrets' }, async (request) => {
        const d = record((await req(`GET ${prefix}/secrets/public-key`, { ...params, request })).data, action);
        if (!isString(d['key_id']) || !isString(d['key'])) throw badResponse(action, 'key_id or key is missing');
        return { keyId: d['key_id'], key: d['key'] };
      }, options);
      keys.set(key, pending);
      pending.catch(() => {
        if (keys.get(key) === pending) keys.delete(key);
      });
      return pending;
    },

    putSecret(scope, name, payload, options) {
      const { prefix, params } = endpoint(scope);
      const action = `write secret ${name} to ${describeScope(scope)}`;
      return call({ action, scope, family: 'secrets' }, async (request) => {
        const body: Record<string, unknown> = { encrypted_value: payload.encryptedValue, key_id: payload.keyId };
        if (scope.kind === 'org') {
          body['visibility'] = payload.visibility ?? 'private';
          if (payload.visibility === 'selected') body['selected_repository_ids'] = payload.selectedRepositoryIds ?? [];
        }
        const put = options?.unpaced ? unpaced().request : octokit.request;
        const res = await put(`PUT ${prefix}/secrets/{secret_name}`, { ...params, secret_name: name, ...body, request });
        return { status: res.status === 201 ? ('created' as const) : ('updated' as const), at: answeredAt(res.headers) };
      }, options);
    },

    async getSecret(scope, name, options) {
      const { prefix, params } = endpoint(scope);
      const action = `read secret ${name} of ${describeScope(scope)}`;
      try {
        return await call({ action, scope, family: 'secrets' }, async (request) =>
          secretMetadata((await req(`GET ${prefix}/secrets/{secret_name}`, { ...params, secret_name: name, request })).data, action), options);
      } catch (error) {
        if (absent(error)) return undefined;
        throw error;
      }
    },

    listSecrets(scope, options) {
      const { prefix, params } = endpoint(scope);
      const action = `list the secrets of ${describeScope(scope)}`;
      return call({ action, scope, family: 'secrets' }, (request) =>
        pages(`GET ${prefix}/secrets`, params, 'secrets', (s) => secretMetadata(s, action), request, action), options);
    },

    async deleteSecret(scope, name, options) {
      const { prefix, params } = endpoint(scope);
      const action = `delete secret ${name} from ${describeScope(scope)}`;
      try {
        await call({ action, scope, family: 'secrets' }, (request) => req(`DELETE ${prefix}/secrets/{secret_name}`, { ...params, secret_name: name, request }), options);
        return true;
      } catch (error) {
        if (absent(error)) return false;
        throw error;
      }
    },

    listSelectedRepositories(org, name, options) {
      const action = `list the repositories that may use organization secret ${name} of ${org}`;
      return call({ action, scope: { kind: 'org', org }, family: 'secrets' }, async (request) => {
        const repos = await pages('GET /orgs/{org}/actions/secrets/{secret_name}/repositories', { org, secret_name: name }, 'repositories', (r) => (r as { id: number }).id, request, action);
        return repos.sort((a, b) => a - b);
      }, options);
    },

    async setSelectedRepositories(org, name, ids, options) {
      const action = `set the repositories that may use organization secret ${name} of ${org}`;
      await call({ action, scope: { kind: 'org', org }, family: 'secrets' }, (request) =>
        req('PUT /orgs/{org}/actions/secrets/{secret_name}/repositories', { org, secret_name: name, selected_repository_ids: ids, request }), options);
    },

    async getVariable(scope, name, options) {
      const { prefix, params } = endpoint(scope);
      const action = `read variable ${name} of ${describeScope(scope)}`;
      try {
        return await call({ action, scope, family: 'variables' }, async (request) =>
          variableData((await req(`GET ${prefix}/variables/{name}`, { ...params, name, request })).data, action), options);
      } catch (error) {
        if (absent(error)) return undefined;
        throw error;
      }
    },

    listVariables(scope, options) {
      const { prefix, params } = endpoint(scope);
      const action = `list the variables of ${describeScope(scope)}`;
      return call({ action, scope, family: 'variables' }, (request) =>
        pages(`GET ${prefix}/variables`, params, 'variables', (v) => variableData(v, action), request, action), options);
    },

    async createVariable(scope, name, value, options) {
      const { prefix, params } = endpoint(scope);
      const action = `create variable ${name} in ${describeScope(scope)}`;
      try {
        await call({ action, scope, family: 'variables' }, (request) =>
          req(`POST ${prefix}/variables`, { ...params, name, value, ...(scope.kind === 'org' ? { visibility: scope.visibility ?? 'private' } : {}), request }), options);
        return 'created';
      } catch (error) {
        if ((error as { code?: string }).code === GitHubErrorCode.conflict) return 'exists';
        throw error;
      }
    },

    async updateVariable(scope, name, value, options) {
      const { prefix, params } = endpoint(scope);
      const action = `update variable ${name} in ${describeScope(scope)}`;
      await call({ action, scope, family: 'variables' }, (request) => req(`PATCH ${prefix}/variables/{name}`, { ...params, name, value, request }), options);
    },

    async deleteVariable(scope, name, options) {
      const { prefix, params } = endpoint(scope);
      const action = `delete variable ${name} from ${describeScope(scope)}`;
      try {
        await call({ action, scope, family: 'variables' }, (request) => req(`DELETE ${prefix}/variables/{name}`, { ...params, name, request }), options);
        return true;
      } catch (error) {
        if (absent(error)) return false;
        throw error;
      }
    },

    async createEnvironment(owner, repo, environment, options) {
      const scope = { kind: 'environment', owner, repo, environment } as const;
      const action = `create environment ${environment} in ${owner}/${repo}`;
      await call({ action, scope, family: 'administration' }, (request) =>
        req('PUT /repos/{owner}/{repo}/environments/{environment_name}', { owner, repo, environment_name: environment, request }), options);
    },

    async deleteEnvironment(owner, repo, environment, options) {
      const scope = { kind: 'environment', owner, repo, environment } as const;
      const action = `delete environment ${environment} from ${owner}/${repo}`;
      try {
        await call({ action, scope, family: 'administration' }, (request) =>
          req('DELETE /repos/{owner}/{repo}/environments/{environment_name}', { owner, repo, environment_name: environment, request }), options);
        return true;
      } catch (error) {
        if (absent(error)) return false;
        throw error;
      }
    },

    checkWriteAccess(scope, options = {}) {
      const owner = (scope.kind === 'org' ? scope.org : scope.owner).toLowerCase();
      const key = `${owner}:${options.variables ? 'variables' : 'secrets'}`;
      let pending = writable.get(key);
      if (!pending) {
        const probe = `CREDS_WRITE_CHECK_${randomBytes(4).toString('hex').toUpperCase()}`;
        pending = (async () => {
          await api.deleteSecret(scope, probe, options);
          if (options.variables) await api.deleteVariable(scope, probe, options);
        })();
        writable.set(key, pending);
        pending.catch(() => writable.delete(key));
      }
      return pending;
    },
  };
  return api;
}
