import type { IncomingMessage } from 'node:http';
import { HttpError } from './http.js';
import type { TokenState, WorldState } from './world.js';

/** The token of a request: `Authorization: token X` or `Bearer X`. 401 when absent or unknown. */
export function authenticate(req: IncomingMessage, world: WorldState): TokenState {
  const token = world.tokens[credential(req)];
  // An installation token past its expires_at is refused like an unknown one.
  if (!token || (token.expiresAt !== undefined && Date.now() >= token.expiresAt)) throw new HttpError(401, 'Bad credentials');
  return token;
}

/** The credential of `Authorization: token X` or `Bearer X`; 401 when there is none. */
export function credential(req: IncomingMessage): string {
  const header = req.headers.authorization;
  if (!header) throw new HttpError(401, 'Requires authentication');
  const match = /^(?:token|bearer)\s+(\S+)$/i.exec(header.trim());
  if (!match?.[1]) throw new HttpError(401, 'Bad credentials');
  return match[1];
}

/** What an endpoint needs, in both permission models. */
export interface Requirement {
  /** Any one of these classic scopes is enough. */
  scopes: string[];
  /** Fine-grained permission sets; any one set, all of its entries, is enough. */
  permissions: Array<Record<string, 'read' | 'write'>>;
}

const level = { read: 1, write: 2 } as const;

/** 403 with x-accepted-github-permissions / x-accepted-oauth-scopes when the token lacks it. */
export function authorize(token: TokenState, need: Requirement): void {
  const classicOk = token.scopes === undefined || need.scopes.some((s) => token.scopes!.includes(s));
  const fineOk =
    token.permissions === undefined ||
    need.permissions.some((set) =>
      Object.entries(set).every(([name, access]) => {
        const granted = token.permissions![name];
        return granted !== undefined && level[granted] >= level[access];
      }),
    );
  if (classicOk && fineOk) return;
  throw new HttpError(403, `Resource not accessible by ${token.installationId === undefined ? 'personal access token' : 'integration'}`, {
    'x-accepted-github-permissions': need.permissions
      .map((set) => Object.entries(set).map(([n, a]) => `${n}=${a}`).join(','))
      .join('; '),
    'x-accepted-oauth-scopes': need.scopes.join(', '),
  });
}

/**
 * Whether the token may administer a repository it sees: its user is an admin, and the token
 * carries the classic `repo` scope or the fine-grained "Administration: write".
 */
export function isAdmin(token: TokenState): boolean {
  if (token.notAdmin) return false;
  const classicOk = token.scopes === undefined || token.scopes.includes('repo');
  const fineOk = token.permissions === undefined || token.permissions['administration'] === 'write';
  return classicOk && fineOk;
}

/** 403 as GitHub answers a user without admin rights on the repository. */
export function requireAdmin(token: TokenState): void {
  if (token.notAdmin) throw new HttpError(403, 'Must have admin rights to Repository.');
}

/**
 * Fine-grained tokens limited to some repositories see the others as absent (404); an installation
 * token sees only its account's repositories.
 */
export function canSee(token: TokenState, fullName: string): boolean {
  if (token.account !== undefined && fullName.split('/')[0]!.toLowerCase() !== token.account.toLowerCase()) return false;
  return token.repositories === undefined || token.repositories.some((r) => r.toLowerCase() === fullName.toLowerCase());
}

/** An installation token reaches only its own account's organization. */
export function canSeeOrg(token: TokenState, login: string): boolean {
  return token.account === undefined || token.account.toLowerCase() === login.toLowerCase();
}
