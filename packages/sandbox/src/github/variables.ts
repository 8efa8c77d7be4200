import { HttpError, jsonBody, notFound, type Reply, timestamp, unprocessable } from './http.js';
import { canonicalName, MAX_VALUE_BYTES, nameProblem } from './names.js';
import { pageWithLinks, type RouteContext } from './route.js';
import { findScope, guard, repositoryIds, type ScopeRef, visibilityOf } from './scopes.js';
import { scopeOf } from './secrets.js';
import type { VariableRecord, WorldState } from './world.js';

function variableJson(ref: ScopeRef, v: VariableRecord): Record<string, unknown> {
  const base = { name: v.name, value: v.value, created_at: v.createdAt, updated_at: v.updatedAt };
  return ref.kind === 'org' ? { ...base, visibility: v.visibility ?? 'private' } : base;
}

function valueIn(body: Record<string, unknown>, required: boolean): string | undefined {
  const value = body['value'];
  if (value === undefined && !required) return undefined;
  if (typeof value !== 'string') throw unprocessable('Invalid request.\n\n"value" must be a string.');
  if (Buffer.byteLength(value) > MAX_VALUE_BYTES) throw unprocessable('Variable value is too large; the limit is 48 KB.');
  return value;
}

function orgFields(world: WorldState, ref: ScopeRef, body: Record<string, unknown>, required: boolean): Partial<VariableRecord> {
  if (ref.kind !== 'org') return {};
  const visibility = visibilityOf(body['visibility'], required);
  if (visibility === undefined) return {};
  return { visibility, selectedRepositoryIds: repositoryIds(world, body['selected_repository_ids']) };
}

export function listVariables(ctx: RouteContext): Reply {
  const ref = scopeOf(ctx.params);
  const world = ctx.store.read();
  guard(world, ref, ctx.token, 'variables', 'read');
  const all = Object.values(findScope(world, ref, ctx.token).variables).sort((a, b) => a.name.localeCompare(b.name));
  const { items, headers } = pageWithLinks(all, ctx);
  return { status: 200, headers, body: { total_count: all.length, variables: items.map((v) => variableJson(ref, v)) } };
}

export function getVariable(ctx: RouteContext): Reply {
  const ref = scopeOf(ctx.params);
  const world = ctx.store.read();
  guard(world, ref, ctx.token, 'variables', 'read');
  const variable = findScope(world, ref, ctx.token).variables[canonicalName(ctx.params['name']!)];
  if (!variable) throw notFound();
  return { status: 200, body: variableJson(ref, variable) };
}

export function createVariable(ctx: RouteContext): Reply {
  const ref = scopeOf(ctx.params);
  const body = jsonBody(ctx.body);
  return ctx.store.mutate((world) => {
    guard(world, ref, ctx.token, 'variables', 'write');
    const scope = findScope(world, ref, ctx.token);
    const rawName = body['name'];
    if (typeof rawName !== 'string') throw unprocessable('Invalid request.\n\n"name" is required.');
    const problem = nameProblem(rawName);
    if (problem) throw unprocessable(`Failed to create variable. ${problem}`);
    const value = valueIn(body, true)!;
    const name = canonicalName(rawName);
    if (scope.variables[name]) throw new HttpError(409, 'Already exists - Variable already exists');
    const now = timestamp();
    scope.variables[name] = { name, value, createdAt: now, updatedAt: now, ...orgFields(world, ref, body, true) };
    return { status: 201, body: {} };
  });
}

export function updateVariable(ctx: RouteContext): Reply {
  const ref = scopeOf(ctx.params);
  const body = jsonBody(ctx.body);
  return ctx.store.mutate((world) => {
    guard(world, ref, ctx.token, 'variables', 'write');
    const scope = findScope(world, ref, ctx.token);
    const name = canonicalName(ctx.params['name']!);
    const variable = scope.variables[name];
    if (!variable) throw notFound();
    const value = valueIn(body, false);
    let newName = name;
    if (typeof body['name'] === 'string') {
      const problem = nameProblem(body['name']);
      if (problem) throw unprocessable(`Failed to update variable. ${problem}`);
      newName = canonicalName(body['name']);
      if (newName !== name && scope.variables[newName]) throw new HttpError(409, 'Already exists - Variable already exists');
    }
    Object.assign(variable, { name: newName, updatedAt: timestamp() }, value === undefined ? {} : { value }, orgFields(world, ref, body, false));
    if (newName !== name) {
      delete scope.variables[name];
      scope.variables[newName] = variable;
    }
    return { status: 204 };
  });
}

export function deleteVariable(ctx: RouteContext): Reply {
  const ref = scopeOf(ctx.params);
  return ctx.store.mutate((world) => {
    guard(world, ref, ctx.token, 'variables', 'write');
    const scope = findScope(world, ref, ctx.token);
    const name = canonicalName(ctx.params['name']!);
    if (!scope.variables[name]) throw notFound();
    delete scope.variables[name];
    return { status: 204 };
  });
}
