// How STS decides AssumeRoleWithWebIdentity against a role's trust policy, written from the IAM
// policy-evaluation documentation (sandbox only; the product never evaluates policies):
// - an explicit Deny in a matching statement wins; otherwise some Allow must match; else denied;
// - a statement matches when its Principal names the OIDC provider (Federated) or "*", its Action
//   covers sts:AssumeRoleWithWebIdentity, and every condition holds (operators AND, values OR);
// - condition keys are `<issuer host>:<claim>` (`token.actions.githubusercontent.com:sub`), compared
//   without regard to case; values are compared case-sensitively unless the operator says otherwise;
// - StringLike takes `*` (any run of characters) and `?` (one character).

export interface WebIdentityClaims {
  iss: string;
  aud: string | string[];
  sub: string;
  [claim: string]: unknown;
}

export interface WebIdentityRequest {
  /** ARN of the OIDC provider STS found for the token's issuer. */
  providerArn: string;
  claims: WebIdentityClaims;
  /** Default `sts:AssumeRoleWithWebIdentity`. */
  action?: string;
}

export interface TrustDecision {
  allowed: boolean;
  /** Why: the statement that allowed or denied, or what no statement matched. */
  reason: string;
}

const ACTION = 'sts:AssumeRoleWithWebIdentity';

function list(value: unknown): unknown[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

function wildcard(pattern: string, caseInsensitive: boolean): RegExp {
  const body = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`, caseInsensitive ? 'si' : 's');
}

function principalMatches(principal: unknown, providerArn: string): boolean {
  if (principal === '*') return true;
  if (typeof principal !== 'object' || principal === null) return false;
  const p = principal as Record<string, unknown>;
  if (list(p['AWS']).includes('*')) return true;
  return list(p['Federated']).some((f) => f === providerArn);
}

function actionMatches(actions: unknown, action: string): boolean {
  return list(actions).some((a) => typeof a === 'string' && wildcard(a, true).test(action));
}

type Compare = (have: string, want: string) => boolean;
const COMPARE: Record<string, { test: Compare; negated: boolean }> = {
  StringEquals: { test: (h, w) => h === w, negated: false },
  StringNotEquals: { test: (h, w) => h === w, negated: true },
  StringEqualsIgnoreCase: { test: (h, w) => h.toLowerCase() === w.toLowerCase(), negated: false },
  StringNotEqualsIgnoreCase: { test: (h, w) => h.toLowerCase() === w.toLowerCase(), negated: true },
  StringLike: { test: (h, w) => wildcard(w, false).test(h), negated: false },
  StringNotLike: { test: (h, w) => wildcard(w, false).test(h), negated: true },
};

/** The request's values for a condition key, or undefined when the token has no such claim. */
function contextValues(key: string, claims: WebIdentityClaims): string[] | undefined {
  const host = claims.iss.replace(/^https:\/\//, '').replace(/\/$/, '').toLowerCase();
  const lower = key.toLowerCase();
  if (!lower.startsWith(`${host}:`)) return undefined;
  const claim = key.slice(host.length + 1);
  const found = Object.entries(claims).find(([name]) => name.toLowerCase() === claim.toLowerCase());
  if (!found || found[1] === undefined || found[1] === null) return undefined;
  return list(found[1]).map(String);
}

/** Evaluates one condition block; returns the first failing test for people, or undefined when all hold. */
function failingCondition(condition: unknown, claims: WebIdentityClaims): string | undefined {
  if (condition === undefined) return undefined;
  if (typeof condition !== 'object' || condition === null) return 'the Condition block is not an object';
  for (const [operator, tests] of Object.entries(condition as Record<string, unknown>)) {
    const m = /^(ForAnyValue:|ForAllValues:)?(\w+?)(IfExists)?$/.exec(operator);
    const compare = m ? COMPARE[m[2]!] : undefined;
    if (!m || !compare) return `unsupported condition operator ${operator}`;
    const set = m[1];
    const ifExists = m[3] !== undefined;
    for (const [key, wanted] of Object.entries((tests ?? {}) as Record<string, unknown>)) {
      const wants = list(wanted).map(String);
      const have = contextValues(key, claims);
      const shown = `${operator} ${key}: ${have === undefined ? 'the token has no such claim' : JSON.stringify(have.length === 1 ? have[0] : have)}`;
      let holds: boolean;
      if (have === undefined || have.length === 0) {
        holds = set === 'ForAllValues:' || compare.negated || ifExists;
      } else {
        const one = (v: string) => wants.some((w) => compare.test(v, w));
        const matched = set === 'ForAllValues:' ? have.every(one) : have.some(one);
        holds = compare.negated ? !matched : matched;
      }
      if (!holds) return `${shown} ${compare.negated ? 'matches' : 'matches none of'} ${JSON.stringify(wants)}`;
    }
  }
  return undefined;
}

/**
 * Whether a role's trust policy lets a web identity token (its claims) assume the role, the way
 * STS decides AssumeRoleWithWebIdentity. Sandbox only: tests use it to show which `sub` claims a
 * trust policy admits.
 */
export function evaluateTrustPolicy(policy: string | object, request: WebIdentityRequest): TrustDecision {
  let doc: unknown;
  try {
    doc = typeof policy === 'string' ? JSON.parse(policy) : policy;
  } catch {
    return { allowed: false, reason: 'the trust policy is not valid JSON' };
  }
  const action = request.action ?? ACTION;
  const statements = list((doc as Record<string, unknown> | null)?.['Statement']);
  let allowedBy: string | undefined;
  const misses: string[] = [];
  for (const [i, s] of statements.entries()) {
    if (typeof s !== 'object' || s === null) continue;
    const st = s as Record<string, unknown>;
    const name = typeof st['Sid'] === 'string' ? `statement ${st['Sid']}` : `statement ${i + 1}`;
    const principalOk =
      st['NotPrincipal'] !== undefined ? !principalMatches(st['NotPrincipal'], request.providerArn) : principalMatches(st['Principal'], request.providerArn);
    if (!principalOk) {
      misses.push(`${name}: its principal is not ${request.providerArn}`);
      continue;
    }
    const actionOk = st['NotAction'] !== undefined ? !actionMatches(st['NotAction'], action) : actionMatches(st['Action'], action);
    if (!actionOk) {
      misses.push(`${name}: its action does not cover ${action}`);
      continue;
    }
    const failed = failingCondition(st['Condition'], request.claims);
    if (failed) {
      misses.push(`${name}: ${failed}`);
      continue;
    }
    if (st['Effect'] === 'Deny') return { allowed: false, reason: `${name} denies it explicitly` };
    if (st['Effect'] === 'Allow') allowedBy ??= name;
  }
  if (allowedBy) return { allowed: true, reason: `${allowedBy} allows it` };
  return { allowed: false, reason: misses.length > 0 ? misses.join('; ') : 'the trust policy has no statement' };
}

const base64url = (text: string) => Buffer.from(text, 'utf8').toString('base64url');

/**
 * A JWT-shaped web identity token with these claims and no signature (`alg: none`), for the
 * sandbox's AssumeRoleWithWebIdentity, which reads the claims and does not check signatures.
 */
export function unsignedWebIdentityToken(claims: WebIdentityClaims & { exp?: number; iat?: number }): string {
  const now = Math.floor(Date.now() / 1000);
  const payload = { iat: now, exp: now + 300, ...claims };
  return `${base64url(JSON.stringify({ alg: 'none', typ: 'JWT' }))}.${base64url(JSON.stringify(payload))}.`;
}

/** The claims of a JWT-shaped token, or undefined when it is not one. Signatures are not checked. */
export function readWebIdentityToken(token: string): (WebIdentityClaims & { exp?: number }) | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const payload = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
    if (typeof payload['iss'] !== 'string' || typeof payload['sub'] !== 'string') return undefined;
    if (typeof payload['aud'] !== 'string' && !Array.isArray(payload['aud'])) return undefined;
    return payload as WebIdentityClaims & { exp?: number };
  } catch {
    return undefined;
  }
}
