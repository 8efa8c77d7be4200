import type { Reply } from './http.js';
import { isAdmin } from './auth.js';
import type { RouteContext } from './route.js';
import { findRepo } from './scopes.js';

export function getUser(ctx: RouteContext): Reply {
  const login = ctx.token.login;
  return { status: 200, body: { login, id: idOf(login), type: 'User', name: login } };
}

export function getRepo(ctx: RouteContext): Reply {
  const repo = findRepo(ctx.store.read(), ctx.params['owner']!, ctx.params['repo']!, ctx.token);
  const admin = isAdmin(ctx.token);
  return {
    status: 200,
    body: {
      id: repo.id,
      name: repo.name,
      full_name: `${repo.owner}/${repo.name}`,
      owner: { login: repo.owner },
      private: repo.private,
      visibility: repo.private ? 'private' : 'public',
      // What the authenticated token may do here (GitHub sends this object to an authenticated caller).
      permissions: { admin, maintain: admin, push: true, triage: true, pull: true },
    },
  };
}

function idOf(login: string): number {
  let h = 7;
  for (const c of login) h = (h * 31 + c.charCodeAt(0)) % 1_000_000;
  return h;
}
