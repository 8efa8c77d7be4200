import { freshScope } from './control.js';
import { authorize, requireAdmin } from './auth.js';
import { jsonBody, notFound, type Reply, timestamp, unprocessable } from './http.js';
import { pageWithLinks, type RouteContext } from './route.js';
import { findRepo } from './scopes.js';
import type { EnvironmentState, RepoState, WorldState } from './world.js';

// GitHub's REST reference: creating, updating and deleting an environment needs the classic `repo`
// scope or the fine-grained "Administration: write"; reading them, `repo` or "Actions: read".
const WRITE = { scopes: ['repo'], permissions: [{ administration: 'write' as const }] };
const READ = { scopes: ['repo'], permissions: [{ actions: 'read' as const }] };

function environmentJson(repo: RepoState, name: string, env: EnvironmentState): Record<string, unknown> {
  const url = `/repos/${repo.owner}/${repo.name}/environments/${encodeURIComponent(name)}`;
  return {
    id: env.id ?? 0,
    node_id: `EN_${env.id ?? 0}`,
    name,
    url,
    html_url: `https://github.com/${repo.owner}/${repo.name}/deployments/activity_log?environments_filter=${encodeURIComponent(name)}`,
    created_at: env.createdAt ?? '1970-01-01T00:00:00Z',
    updated_at: env.updatedAt ?? '1970-01-01T00:00:00Z',
    can_admins_bypass: true,
    protection_rules: [],
    deployment_branch_policy: null,
  };
}

function repoOf(world: WorldState, ctx: RouteContext): RepoState {
  return findRepo(world, ctx.params['owner']!, ctx.params['repo']!, ctx.token);
}

/** The environment's name as GitHub takes it: 1–255 characters, no control characters. */
function nameProblem(name: string): string | undefined {
  if (name.length === 0 || name.length > 255) return 'Name must be between 1 and 255 characters';
  if (/[\u0000-\u001f]/.test(name)) return 'Name contains invalid characters';
  return undefined;
}

/** PUT: creates the environment (200 with it) or updates an existing one (200, same id). */
export function putEnvironment(ctx: RouteContext): Reply {
  const name = ctx.params['environment']!;
  jsonBody(ctx.body);
  return ctx.store.mutate((world) => {
    const repo = repoOf(world, ctx);
    authorize(ctx.token, WRITE);
    requireAdmin(ctx.token);
    const problem = nameProblem(name);
    if (problem) throw unprocessable(`Validation Failed: ${problem}`);
    const now = timestamp();
    const existing = repo.environments[name];
    if (existing) {
      existing.id ??= world.nextId++;
      existing.createdAt ??= now;
      existing.updatedAt = now;
    } else {
      repo.environments[name] = { ...freshScope(world), id: world.nextId++, createdAt: now, updatedAt: now };
    }
    return { status: 200, body: environmentJson(repo, name, repo.environments[name]!) };
  });
}

export function getEnvironment(ctx: RouteContext): Reply {
  const world = ctx.store.read();
  const repo = repoOf(world, ctx);
  authorize(ctx.token, READ);
  const name = ctx.params['environment']!;
  const env = repo.environments[name];
  if (!env) throw notFound();
  return { status: 200, body: environmentJson(repo, name, env) };
}

export function listEnvironments(ctx: RouteContext): Reply {
  const world = ctx.store.read();
  const repo = repoOf(world, ctx);
  authorize(ctx.token, READ);
  const all = Object.keys(repo.environments).sort((a, b) => a.localeCompare(b));
  const { items, headers } = pageWithLinks(all, ctx);
  return { status: 200, headers, body: { total_count: all.length, environments: items.map((name) => environmentJson(repo, name, repo.environments[name]!)) } };
}

/** DELETE: 204; the environment's secrets and variables go with it. 404 when there is none. */
export function deleteEnvironment(ctx: RouteContext): Reply {
  return ctx.store.mutate((world) => {
    const repo = repoOf(world, ctx);
    authorize(ctx.token, WRITE);
    requireAdmin(ctx.token);
    const name = ctx.params['environment']!;
    if (!repo.environments[name]) throw notFound();
    delete repo.environments[name];
    return { status: 204 };
  });
}
