import { IamFault } from './fault.js';
import type { IamState } from './state.js';
import { parsePolicyDocument, policySize } from './rules.js';

// Rules for roles and OpenID Connect providers, written from the IAM API reference and the IAM
// quotas page (not from the product): the sandbox must be able to disagree with creds.

export const ROLE_LIMITS = {
  roleName: 64,
  description: 1000,
  /** "Role trust policy length": 2,048 characters by default (whitespace not counted). */
  trustPolicyChars: 2048,
  /** All inline policies of one role together. */
  inlinePolicyChars: 10240,
  managedPoliciesPerRole: 10,
  tagsPerRole: 50,
  minSessionSeconds: 3600,
  maxSessionSeconds: 43200,
  providerUrl: 255,
  clientId: 255,
  clientIdsPerProvider: 100,
  thumbprintsPerProvider: 5,
} as const;

const DESCRIPTION = /^[\u0009\u000A\u000D\u0020-\u007E\u00A1-\u00FF]*$/;
const THUMBPRINT = /^[0-9A-Fa-f]{40}$/;
const OIDC_ARN = /^arn:aws[a-z-]*:iam::(\d{12}):oidc-provider\/(.+)$/;

function constraint(value: string, member: string, rule: string): IamFault {
  return new IamFault('ValidationError', `1 validation error detected: Value '${value}' at '${member}' failed to satisfy constraint: ${rule}`);
}

export function checkDescription(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (value.length > ROLE_LIMITS.description) {
    throw constraint(value, 'description', `Member must have length less than or equal to ${ROLE_LIMITS.description}`);
  }
  if (!DESCRIPTION.test(value)) {
    throw constraint(value, 'description', 'Member must satisfy regular expression pattern: [\\u0009\\u000A\\u000D\\u0020-\\u007E\\u00A1-\\u00FF]*');
  }
  return value;
}

export function checkMaxSessionDuration(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n)) throw new IamFault('ValidationError', `Invalid value for MaxSessionDuration: ${value}`);
  if (n < ROLE_LIMITS.minSessionSeconds) {
    throw constraint(value, 'maxSessionDuration', `Member must have value greater than or equal to ${ROLE_LIMITS.minSessionSeconds}`);
  }
  if (n > ROLE_LIMITS.maxSessionSeconds) {
    throw constraint(value, 'maxSessionDuration', `Member must have value less than or equal to ${ROLE_LIMITS.maxSessionSeconds}`);
  }
  return n;
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [value];
}

/** The Federated principals a statement names (strings only). */
export function federatedPrincipals(principal: unknown): string[] {
  if (typeof principal !== 'object' || principal === null) return [];
  const federated = (principal as Record<string, unknown>)['Federated'];
  return federated === undefined ? [] : list(federated).filter((p): p is string => typeof p === 'string');
}

/**
 * A role's trust policy, checked the way IAM does on CreateRole / UpdateAssumeRolePolicy: JSON with
 * a Statement; each statement has Effect, Principal and Action, and no Resource; an OpenID Connect
 * provider named as Federated principal must exist in this account; at most 2,048 characters.
 */
export function checkTrustPolicy(state: IamState, document: string | undefined, providers: readonly { arn: string }[]): string {
  const { doc, text } = parsePolicyDocument(document, 'AssumeRolePolicyDocument', 'This policy contains invalid Json');
  if (doc['Statement'] === undefined) throw new IamFault('MalformedPolicyDocument', 'Missing required field Statement');
  const statements = list(doc['Statement']);
  if (statements.length === 0) throw new IamFault('MalformedPolicyDocument', 'Missing required field Statement');
  for (const s of statements) {
    if (typeof s !== 'object' || s === null || Array.isArray(s)) throw new IamFault('MalformedPolicyDocument', 'Syntax errors in policy.');
    const st = s as Record<string, unknown>;
    if (st['Effect'] !== 'Allow' && st['Effect'] !== 'Deny') throw new IamFault('MalformedPolicyDocument', 'Invalid effect: must be Allow or Deny');
    if (st['Principal'] === undefined && st['NotPrincipal'] === undefined) {
      throw new IamFault('MalformedPolicyDocument', 'Missing required field Principal');
    }
    if (st['Action'] === undefined && st['NotAction'] === undefined) {
      throw new IamFault('MalformedPolicyDocument', 'Missing required field Action');
    }
    if (st['Resource'] !== undefined || st['NotResource'] !== undefined) {
      throw new IamFault('MalformedPolicyDocument', 'Has prohibited field Resource');
    }
    for (const arn of federatedPrincipals(st['Principal'])) {
      const m = OIDC_ARN.exec(arn);
      if (m && m[1] === state.accountId && !providers.some((p) => p.arn === arn)) {
        throw new IamFault('MalformedPolicyDocument', `Invalid principal in policy: "Federated":"${arn}"`);
      }
    }
  }
  if (policySize(text) > ROLE_LIMITS.trustPolicyChars) {
    throw new IamFault('LimitExceeded', `Cannot exceed quota for ACLSizePerRole: ${ROLE_LIMITS.trustPolicyChars}`);
  }
  return text;
}

/** An OpenID Connect provider URL: https, a host, at most 255 characters. */
export function checkProviderUrl(url: string | undefined): string {
  if (url === undefined || url === '') throw new IamFault('ValidationError', 'The parameter Url is required.');
  if (url.length > ROLE_LIMITS.providerUrl) {
    throw constraint(url, 'url', `Member must have length less than or equal to ${ROLE_LIMITS.providerUrl}`);
  }
  if (!/^https:\/\/[^\s/?#]+(\/[^\s?#]*)?$/.test(url)) throw new IamFault('InvalidInput', `Invalid Url: ${url}. The URL must begin with https://`);
  return url;
}

export function checkClientIds(ids: string[]): string[] {
  if (ids.length > ROLE_LIMITS.clientIdsPerProvider) {
    throw new IamFault('LimitExceeded', `Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: ${ROLE_LIMITS.clientIdsPerProvider}`);
  }
  for (const [i, id] of ids.entries()) {
    if (id.length < 1 || id.length > ROLE_LIMITS.clientId) {
      throw constraint(id, `clientIDList.${i + 1}.member`, `Member must have length between 1 and ${ROLE_LIMITS.clientId}`);
    }
  }
  return [...new Set(ids)];
}

export function checkThumbprints(prints: string[]): string[] {
  if (prints.length > ROLE_LIMITS.thumbprintsPerProvider) {
    throw new IamFault('LimitExceeded', `Cannot exceed quota for ThumbprintsPerOpenIdConnectProvider: ${ROLE_LIMITS.thumbprintsPerProvider}`);
  }
  for (const [i, t] of prints.entries()) {
    if (!THUMBPRINT.test(t)) throw constraint(t, `thumbprintList.${i + 1}.member`, 'Member must have length greater than or equal to 40');
  }
  return prints;
}

/** An OIDC provider ARN in this account's shape; anything else is InvalidInput, like IAM. */
export function checkProviderArn(arn: string | undefined): string {
  if (arn === undefined || arn === '') throw new IamFault('ValidationError', 'The parameter OpenIDConnectProviderArn is required.');
  if (arn.length < 20 || arn.length > 2048 || !OIDC_ARN.test(arn)) throw new IamFault('InvalidInput', `ARN ${arn} is not valid.`);
  return arn;
}

/** `arn:aws:iam::ACCOUNT:oidc-provider/` + the URL without its scheme. */
export function providerArnFor(accountId: string, url: string): string {
  return `arn:aws:iam::${accountId}:oidc-provider/${url.replace(/^https:\/\//, '')}`;
}
