import { openSealedBox } from './crypto.js';
import { HttpError, jsonBody, notFound, type Reply, timestamp, unprocessable } from './http.js';
import { canonicalName, MAX_SECRETS, MAX_VALUE_BYTES, nameProblem } from './names.js';
import { pageWithLinks, type RouteContext } from './route.js';
import { findOrg, findScope, guard, repositoryIds, type ScopeRef, visibilityOf } from './scopes.js';
import type { SecretRecord, WorldState } from './world.js';

/** The scope a secrets route names: /repos/{o}/{r}/actions, /repos/{o}/{r}/environments/{e}, /orgs/{org}/actions. */
export function scopeOf(params: Record<string, string>): ScopeRef {
  if (params['org'] !== undefined) return { kind: 'org', org: params['org'] };
  const owner = params['owner']!;
  const repo = params['repo']!;
  return params['environment'] !== undefined ? { kind: 'environment', owner, repo, environment: params['environment'] } : { kind: 'repo', owner, repo };
}

function secretJson(ref: ScopeRef, s: SecretRecord): Record<string, unknown> {
  const base = { name: s.name, created_at: s.createdAt, updated_at: s.updatedAt };
  if (ref.kind !== 'org') return base;
  return {
    ...base,
    visibility: s.visibility ?? 'private',
    ...(s.visibility === 'selected' ? { selected_repositories_url: `/orgs/${ref.org}/actions/secrets/${s.name}/repositories` } : {}),
  };
}

export function getPublicKey(ctx: RouteContext): Reply {
  const ref = scopeOf(ctx.params);
  const world = ctx.store.read();
  guard(world, ref, ctx.token, 'secrets', 'read');
  const { key } = findScope(world, ref, ctx.token);
  return { status: 200, body: { key_id: key.keyId, key: key.publicKey } };
}

export function listSecrets(ctx: RouteContext): Reply {
  const ref = scopeOf(ctx.params);
  const world = ctx.store.read();
  guard(world, ref, ctx.token, 'secrets', 'read');
  const all = Object.values(findScope(world, ref, ctx.token).secrets).sort((a, b) => a.name.localeCompare(b.name));
  const { items, headers } = pageWithLinks(all, ctx);
  return { status: 200, headers, body: { total_count: all.length, secrets: items.map((s) => secretJson(ref, s)) } };
}

export function getSecret(ctx: RouteContext): Reply {
  const ref = scopeOf(ctx.params);
  const world = ctx.store.read();
  guard(world, ref, ctx.token, 'secrets', 'read');
  const secret = findScope(world, ref, ctx.token).secrets[canonicalName(ctx.params['name']!)];
  if (!secret) throw notFound();
  return { status: 200, body: secretJson(ref, secret) };
}

export function putSecret(ctx: RouteContext): Reply {
  const ref = scopeOf(ctx.params);
  const body = jsonBody(ctx.body);
  return ctx.store.mutate((world) => {
    guard(world, ref, ctx.token, 'secrets', 'write');
    const scope = findScope(world, ref, ctx.token);
    const rawName = ctx.params['name']!;
    const problem = nameProblem(rawName);
    if (problem) throw unprocessable(`Failed to add secret. ${problem}`);
    const { encrypted_value: encrypted, key_id: keyId } = body;
    if (typeof keyId !== 'string' || keyId === '') throw unprocessable('Invalid request.\n\n"key_id" is required when "encrypted_value" is set.');
    if (typeof encrypted !== 'string' || encrypted === '') throw unprocessable('Invalid request.\n\n"encrypted_value" is required.');
    if (keyId !== scope.key.keyId) throw unprocessable('Bad request: key_id does not match the current public key of this scope.');
    const opened = openSealedBox(encrypted, scope.key);
    if (!opened) throw unprocessable('Bad request: encrypted_value could not be decrypted with the public key identified by key_id.');
    if (opened.byteLength > MAX_VALUE_BYTES) throw unprocessable(`Secret value is too large: ${opened.byteLength} bytes, the limit is 48 KB.`);
    const value = decodeUtf8(opened);
    const orgFields = ref.kind === 'org' ? orgSelection(world, body, true) : {};
    const name = canonicalName(rawName);
    const now = timestamp();
    const existing = scope.secrets[name];
    if (existing) {
      Object.assign(existing, { value, updatedAt: now }, orgFields);
      return { status: 204 };
    }
    if (Object.keys(scope.secrets).length >= MAX_SECRETS[ref.kind]) {
      throw unprocessable(`Failed to add secret. You can have up to ${MAX_SECRETS[ref.kind]} secrets here.`);
    }
    scope.secrets[name] = { name, value, createdAt: now, updatedAt: now, ...orgFields };
    return { status: 201, body: {} };
  });
}

function decodeUtf8(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw unprocessable('Bad request: the decrypted secret value is not UTF-8.');
  }
}

function orgSelection(world: WorldState, body: Record<string, unknown>, required: boolean): Pick<SecretRecord, 'visibility' | 'selectedRepositoryIds'> {
  const visibility = visibilityOf(body['visibility'], required);
  if (visibility === undefined) return {};
  const ids = repositoryIds(world, body['selected_repository_ids']);
  if (visibility !== 'selected' && ids.length > 0) {
    throw unprocessable('Invalid request.\n\nselected_repository_ids can only be used with visibility "selected".');
  }
  return { visibility, selectedRepositoryIds: ids };
}

export function deleteSecret(ctx: RouteContext): Reply {
  const ref = scopeOf(ctx.params);
  return ctx.store.mutate((world) => {
    guard(world, ref, ctx.token, 'secrets', 'write');
    const scope = findScope(world, ref, ctx.token);
    const name = canonicalName(ctx.params['name']!);
    if (!scope.secrets[name]) throw notFound();
    delete scope.secrets[name];
    return { status: 204 };
  });
}

/** The org secret with `visibility: selected`, or 404 / 409. */
function selectedOrgSecret(world: WorldState, ctx: RouteContext, access: 'read' | 'write'): SecretRecord {
  const ref = scopeOf(ctx.params);
  guard(world, ref, ctx.token, 'secrets', access);
  const secret = findOrg(world, ctx.params['org']!).secrets[canonicalName(ctx.params['name']!)];
  if (!secret) throw notFound();
  if (secret.visibility !== 'selected') {
    throw new HttpError(409, "Conflict: the secret's visibility is not 'selected'; set it to 'selected' first.");
  }
  return secret;
}

export function listSelectedRepos(ctx: RouteContext): Reply {
  const world = ctx.store.read();
  const secret = selectedOrgSecret(world, ctx, 'read');
  const ids = secret.selectedRepositoryIds ?? [];
  const repos = Object.values(world.repos)
    .filter((r) => ids.includes(r.id))
    .map((r) => ({ id: r.id, name: r.name, full_name: `${r.owner}/${r.name}`, private: r.private }));
  const { items, headers } = pageWithLinks(repos, ctx);
  return { status: 200, headers, body: { total_count: repos.length, repositories: items } };
}

export function setSelectedRepos(ctx: RouteContext): Reply {
  const body = jsonBody(ctx.body);
  return ctx.store.mutate((world) => {
    const secret = selectedOrgSecret(world, ctx, 'write');
    if (body['selected_repository_ids'] === undefined) throw unprocessable('Invalid request.\n\n"selected_repository_ids" is required.');
    secret.selectedRepositoryIds = repositoryIds(world, body['selected_repository_ids']);
    return { status: 204 };
  });
}

export function addSelectedRepo(ctx: RouteContext): Reply {
  return ctx.store.mutate((world) => {
    const secret = selectedOrgSecret(world, ctx, 'write');
    const [id] = repositoryIds(world, [Number(ctx.params['repositoryId'])]);
    const ids = new Set(secret.selectedRepositoryIds ?? []);
    ids.add(id!);
    secret.selectedRepositoryIds = [...ids];
    return { status: 204 };
  });
}

export function removeSelectedRepo(ctx: RouteContext): Reply {
  return ctx.store.mutate((world) => {
    const secret = selectedOrgSecret(world, ctx, 'write');
    const id = Number(ctx.params['repositoryId']);
    secret.selectedRepositoryIds = (secret.selectedRepositoryIds ?? []).filter((r) => r !== id);
    return { status: 204 };
  });
}
