import { ValidationError } from '@creds/core';
import { policySize, validateAll } from './validate.js';

// The keyless route's pure half: which `sub` claims a role trusts, and the trust policy that says so.
// GitHub's OIDC token: issuer https://token.actions.githubusercontent.com, audience sts.amazonaws.com,
// sub `repo:OWNER/REPO:ref:refs/heads/BRANCH` | `…:ref:refs/tags/TAG` | `…:environment:NAME` |
// `…:pull_request`. STS compares the sub case-sensitively (owner included).

export const GITHUB_OIDC_ISSUER = 'https://token.actions.githubusercontent.com';
export const GITHUB_OIDC_AUDIENCE = 'sts.amazonaws.com';
export const DEFAULT_OIDC_SUBJECTS: readonly string[] = ['ref:refs/heads/main'];
/** IAM's default quota for a role's trust policy, whitespace not counted. */
export const MAX_TRUST_POLICY_CHARS = 2048;
export const MIN_SESSION_SECONDS = 3600;
export const MAX_SESSION_SECONDS = 43200;

const ROLE_NAME = /^[A-Za-z0-9+=,.@_-]{1,64}$/;
const WILDCARD = /[*?]/;
const KINDS = 'ref:refs/heads/BRANCH, ref:refs/tags/TAG, environment:NAME or pull_request';

/** The host part of an issuer URL: the prefix of the trust policy's condition keys. */
export function issuerHost(issuer: string = GITHUB_OIDC_ISSUER): string {
  return issuer.replace(/^https:\/\//, '').replace(/\/$/, '');
}

/** `arn:PARTITION:iam::ACCOUNT:oidc-provider/token.actions.githubusercontent.com`. */
export function oidcProviderArn(accountId: string, options: { partition?: string; issuer?: string } = {}): string {
  return `arn:${options.partition ?? 'aws'}:iam::${accountId}:oidc-provider/${issuerHost(options.issuer)}`;
}

export function validateRoleName(value: string, field = 'roleName'): void {
  if (!ROLE_NAME.test(value)) throw new ValidationError(field, `"${value}" must be 1-64 characters of letters, digits and + = , . @ _ -`);
}

export function validateMaxSessionDuration(value: number, field = 'maxSessionDuration'): void {
  if (!Number.isInteger(value) || value < MIN_SESSION_SECONDS || value > MAX_SESSION_SECONDS) {
    throw new ValidationError(field, `${value} must be whole seconds from ${MIN_SESSION_SECONDS} (1 hour) to ${MAX_SESSION_SECONDS} (12 hours)`);
  }
}

export interface SubjectOptions {
  /** The repository owner exactly as GitHub spells it: the `sub` claim is compared case-sensitively. */
  owner: string;
  repo: string;
  /** Short (`ref:refs/heads/main`) or full (`repo:OWNER/REPO:ref:refs/heads/main`) patterns. */
  subjects: readonly string[];
  /** Allow patterns that trust every ref of the repository (`*`, `ref:*`). */
  allowAnyRef?: boolean;
}

const REF_CHARS = /^[^\s\x00-\x1f\x7f~^:\\[]+$/;

function guess(subject: string): string | undefined {
  if (/^refs\//.test(subject)) return `ref:${subject}`;
  if (/^(branch|heads?):/.test(subject)) return `ref:refs/heads/${subject.replace(/^[^:]+:/, '')}`;
  if (/^tags?:/.test(subject)) return `ref:refs/tags/${subject.replace(/^[^:]+:/, '')}`;
  if (/^(env|environments?):/.test(subject)) return `environment:${subject.replace(/^[^:]+:/, '')}`;
  if (/^(pr|pull-request|pull_requests?)$/i.test(subject)) return 'pull_request';
  if (/^[A-Za-z0-9._/-]+$/.test(subject)) return `ref:refs/heads/${subject}`;
  return undefined;
}

/** Checks the part after `repo:OWNER/REPO:`; throws a ValidationError naming the rule. */
function checkShort(rest: string, field: string, allowAnyRef: boolean): void {
  const anyRef = (what: string) =>
    new ValidationError(field, `"${rest}" trusts ${what} of the repository`, {
      hint: 'name the branches, tags or environments that may deploy, or set oidc.allowAnyRef (--allow-any-ref) if every ref really may',
    });
  if (rest === '') throw new ValidationError(field, 'is empty');
  if (/^\*+$/.test(rest)) {
    if (!allowAnyRef) throw anyRef('every ref, environment and pull request');
    return;
  }
  if (rest === 'pull_request') return;
  if (rest.startsWith('ref:')) {
    const ref = rest.slice(4);
    if (/^(\*+|refs\/\*+)$/.test(ref)) {
      if (!allowAnyRef) throw anyRef('every ref');
      return;
    }
    if (ref.startsWith('refs/pull/')) {
      throw new ValidationError(field, `"${rest}" never matches: GitHub sends "pull_request" as the subject of pull request runs`, {
        hint: 'use "pull_request"',
      });
    }
    const m = /^refs\/(heads|tags)\/(.+)$/.exec(ref);
    if (!m) throw new ValidationError(field, `"${rest}" is not a ref GitHub puts in the sub claim`, { hint: `use ${KINDS}` });
    const name = m[2]!;
    if (!REF_CHARS.test(name) || name.includes('..') || name.endsWith('/') || name.endsWith('.lock')) {
      throw new ValidationError(field, `"${name}" is not a valid git ref name (no spaces, ~ ^ : \\ [ or "..")`);
    }
    return;
  }
  if (rest.startsWith('environment:')) {
    const env = rest.slice('environment:'.length);
    if (env === '' || env.length > 255 || /[\x00-\x1f\x7f]/.test(env)) throw new ValidationError(field, `"${env}" is not an environment name (1-255 printable characters)`);
    return;
  }
  const suggestion = guess(rest);
  throw new ValidationError(field, `"${rest}" is not a subject GitHub sends`, {
    hint: suggestion ? `did you mean "${suggestion}"? Subjects are ${KINDS}` : `subjects are ${KINDS}`,
  });
}

/** One subject as the full `sub` pattern (`repo:OWNER/REPO:…`); throws a ValidationError. */
export function subjectPattern(subject: string, options: Omit<SubjectOptions, 'subjects'>, field = 'subjects'): string {
  const { owner, repo } = options;
  const allowAnyRef = options.allowAnyRef ?? false;
  let rest = subject;
  if (subject.startsWith('repo:')) {
    const m = /^repo:([^/:]*)\/([^:]*)(?::(.*))?$/s.exec(subject);
    if (!m) throw new ValidationError(field, `"${subject}" is not repo:OWNER/REPO:…`);
    const [, o, r, tail] = m as unknown as [string, string, string, string | undefined];
    if (WILDCARD.test(o) || WILDCARD.test(r)) {
      throw new ValidationError(field, `"${subject}" would trust other repositories than ${owner}/${repo}`, {
        hint: 'a role made by creds trusts one repository; make one target (and role) per repository',
      });
    }
    if (`${o}/${r}` !== `${owner}/${repo}`) {
      if (`${o}/${r}`.toLowerCase() === `${owner}/${repo}`.toLowerCase()) {
        throw new ValidationError(field, `"${subject}" spells the repository ${o}/${r}, the config says ${owner}/${repo}`, {
          hint: 'STS compares the sub claim case-sensitively: write the owner and repository exactly as GitHub shows them',
        });
      }
      throw new ValidationError(field, `"${subject}" names ${o}/${r}, not this target's repository ${owner}/${repo}`);
    }
    if (tail === undefined) throw new ValidationError(field, `"${subject}" needs a part after the repository`, { hint: `append :${KINDS}` });
    rest = tail;
  }
  checkShort(rest, field, allowAnyRef);
  return `repo:${owner}/${repo}:${rest}`;
}

/**
 * Checks every subject (before any write) and returns the full `sub` patterns, without duplicates.
 * Throws one ValidationError, or ValidationErrors listing each bad subject.
 */
export function validateSubjects(options: SubjectOptions, field = 'subjects'): string[] {
  if (options.subjects.length === 0) {
    throw new ValidationError(field, 'must hold at least one subject', { hint: `e.g. ["ref:refs/heads/main"]; subjects are ${KINDS}` });
  }
  const out: string[] = [];
  validateAll(
    options.subjects.map((s, i) => () => {
      const full = subjectPattern(s, options, `${field}[${i}]`);
      if (!out.includes(full)) out.push(full);
    }),
  );
  return out;
}

export interface TrustPolicyOptions extends SubjectOptions {
  /** The account's GitHub OIDC provider (see oidcProviderArn). */
  providerArn: string;
  /** Default sts.amazonaws.com. */
  audience?: string;
  /** Default https://token.actions.githubusercontent.com. */
  issuer?: string;
}

export interface TrustPolicyDocument {
  Version: '2012-10-17';
  Statement: Array<{
    Sid: string;
    Effect: 'Allow';
    Principal: { Federated: string };
    Action: 'sts:AssumeRoleWithWebIdentity';
    Condition: Record<string, Record<string, string | string[]>>;
  }>;
}

/**
 * The role's trust policy: the GitHub OIDC provider may assume it for this repository's subjects,
 * with the sts.amazonaws.com audience. Exact subjects use StringEquals; any wildcard makes it
 * StringLike (condition operators are ANDed, so the two cannot be mixed for one key).
 */
export function buildTrustPolicy(options: TrustPolicyOptions): TrustPolicyDocument {
  const subs = validateSubjects(options);
  const host = issuerHost(options.issuer);
  const operator = subs.some((s) => WILDCARD.test(s)) ? 'StringLike' : 'StringEquals';
  const sub = subs.length === 1 ? subs[0]! : subs;
  const aud = { [`${host}:aud`]: options.audience ?? GITHUB_OIDC_AUDIENCE };
  const condition: Record<string, Record<string, string | string[]>> =
    operator === 'StringEquals' ? { StringEquals: { ...aud, [`${host}:sub`]: sub } } : { StringEquals: aud, StringLike: { [`${host}:sub`]: sub } };
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'GitHubActionsOidc',
        Effect: 'Allow',
        Principal: { Federated: options.providerArn },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: condition,
      },
    ],
  };
}

/** The trust policy's JSON text, refused when it is over IAM's size quota. */
export function trustPolicyText(options: TrustPolicyOptions, field = 'subjects'): string {
  const text = JSON.stringify(buildTrustPolicy(options));
  const size = policySize(text);
  if (size > MAX_TRUST_POLICY_CHARS) {
    throw new ValidationError(field, `the trust policy would be ${size} characters; IAM allows ${MAX_TRUST_POLICY_CHARS}`, {
      hint: 'use fewer subjects, or one wildcard pattern (ref:refs/heads/release-*)',
    });
  }
  return text;
}
