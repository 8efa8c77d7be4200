import { type Requirement, authorize, canSee, canSeeOrg } from './auth.js';
import { HttpError, notFound } from './http.js';
import type { SandboxScope } from './types.js';
import type { OrgState, RepoState, ScopeState, TokenState, WorldState } from './world.js';

export type ScopeKind = 'repo' | 'environment' | 'org';

/** A scope named by a request path or by the control API. */
export type ScopeRef =
  | { kind: 'repo'; owner: string; repo: string }
  | { kind: 'environment'; owner: string; repo: string; environment: string }
  | { kind: 'org'; org: string };

export function refFromControl(scope: SandboxScope): ScopeRef {
  if ('org' in scope) return { kind: 'org', org: scope.org };
  return scope.environment === undefined
    ? { kind: 'repo', owner: scope.owner, repo: scope.repo }
    : { kind: 'environment', owner: scope.owner, repo: scope.repo, environment: scope.environment };
}

export const repoKey = (owner: string, repo: string): string => `${owner}/${repo}`.toLowerCase();

export function findRepo(world: WorldState, owner: string, repo: string, token?: TokenState): RepoState {
  const found = world.repos[repoKey(owner, repo)];
  if (!found || (token && !canSee(token, `${found.owner}/${found.name}`))) throw notFound();
  return found;
}

export function findOrg(world: WorldState, org: string, token?: TokenState): OrgState {
  const found = world.orgs[org.toLowerCase()];
  if (!found || (token && !canSeeOrg(token, found.login))) throw notFound();
  return found;
}

/** The scope's state; 404 when the repository, environment or organization is unknown. */
export function findScope(world: WorldState, ref: ScopeRef, token?: TokenState): ScopeState {
  if (ref.kind === 'org') return findOrg(world, ref.org, token);
  const repo = findRepo(world, ref.owner, ref.repo, token);
  if (ref.kind === 'repo') return repo;
  const env = repo.environments[ref.environment];
  if (!env) throw notFound();
  return env;
}

/** What managing secrets or variables at a scope needs (classic scopes; fine-grained permission sets). */
export function requirement(kind: ScopeKind, what: 'secrets' | 'variables', access: 'read' | 'write'): Requirement {
  if (kind === 'org') {
    return { scopes: ['admin:org'], permissions: [{ [`organization_${what}`]: access }] };
  }
  if (kind === 'environment') {
    return { scopes: ['repo'], permissions: [{ environments: access }] };
  }
  return { scopes: ['repo'], permissions: [{ [what]: access }] };
}

/** 404 for an unknown scope first (as GitHub hides what a token cannot see), then 403. */
export function guard(world: WorldState, ref: ScopeRef, token: TokenState, what: 'secrets' | 'variables', access: 'read' | 'write'): void {
  findScope(world, ref, token);
  authorize(token, requirement(ref.kind, what, access));
}

export function visibilityOf(value: unknown, required: boolean): 'all' | 'private' | 'selected' | undefined {
  if (value === undefined && !required) return undefined;
  if (value === 'all' || value === 'private' || value === 'selected') return value;
  throw new HttpError(422, 'Invalid request.\n\nvisibility must be one of: all, private, selected.');
}

export function repositoryIds(world: WorldState, value: unknown): number[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((v) => Number.isInteger(v))) {
    throw new HttpError(422, 'Invalid request.\n\nselected_repository_ids must be an array of integers.');
  }
  const known = new Set(Object.values(world.repos).map((r) => r.id));
  const unknown = (value as number[]).filter((id) => !known.has(id));
  if (unknown.length > 0) throw new HttpError(422, `Invalid request.\n\nunknown repository ids: ${unknown.join(', ')}`);
  return [...new Set(value as number[])];
}
