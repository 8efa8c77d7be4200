/** Where a secret or variable lives. Org scopes may carry who can use the secret. */
export type SecretScope = RepoScope | EnvironmentScope | OrgScope;

export interface RepoScope {
  kind: 'repo';
  owner: string;
  repo: string;
}

export interface EnvironmentScope {
  kind: 'environment';
  owner: string;
  repo: string;
  /** As GitHub shows it; Octokit URL-encodes it (`/` becomes `%2F`). */
  environment: string;
}

export type OrgVisibility = 'all' | 'private' | 'selected';

export interface OrgScope {
  kind: 'org';
  org: string;
  /** Who may use the secret; `private` (private and internal repositories) by default. */
  visibility?: OrgVisibility;
  /** With `visibility: 'selected'`: repository ids … */
  selectedRepositoryIds?: number[];
  /** … and/or `owner/name`s, resolved to ids when the step runs. */
  repositories?: string[];
}

/** The scope without an org secret's access settings: what the journal records. */
export type ScopeRef =
  | { kind: 'repo'; owner: string; repo: string }
  | { kind: 'environment'; owner: string; repo: string; environment: string }
  | { kind: 'org'; org: string };

export function scopeRef(scope: SecretScope): ScopeRef {
  switch (scope.kind) {
    case 'repo':
      return { kind: 'repo', owner: scope.owner, repo: scope.repo };
    case 'environment':
      return { kind: 'environment', owner: scope.owner, repo: scope.repo, environment: scope.environment };
    case 'org':
      return { kind: 'org', org: scope.org };
  }
}

/** For people: `octo/app`, `octo/app (environment prod)`, `organization octo`. */
export function describeScope(scope: SecretScope | ScopeRef): string {
  switch (scope.kind) {
    case 'repo':
      return `${scope.owner}/${scope.repo}`;
    case 'environment':
      return `${scope.owner}/${scope.repo} (environment ${scope.environment})`;
    case 'org':
      return `organization ${scope.org}`;
  }
}

/** A stable key for caches and step ids: `repo:octo/app`, `env:octo/app:prod`, `org:octo`. */
export function scopeKey(scope: SecretScope | ScopeRef): string {
  switch (scope.kind) {
    case 'repo':
      return `repo:${scope.owner}/${scope.repo}`.toLowerCase();
    case 'environment':
      return `env:${scope.owner.toLowerCase()}/${scope.repo.toLowerCase()}:${scope.environment}`;
    case 'org':
      return `org:${scope.org}`.toLowerCase();
  }
}

export function sameScope(a: SecretScope | ScopeRef, b: SecretScope | ScopeRef): boolean {
  return scopeKey(a) === scopeKey(b);
}
