import { ValidationError, ValidationErrors } from '@creds/core';

// Input rules from the IAM documentation, checked before any write (invariant I5). Each function
// throws a ValidationError naming the field and the rule; `validateAll` reports several at once.

const USER_NAME = /^[A-Za-z0-9+=,.@_-]{1,64}$/;
const POLICY_NAME = /^[A-Za-z0-9+=,.@_-]{1,128}$/;
const PATH = /^\/([\u0021-\u007e]*\/)?$/;
const TAG_TEXT = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
const REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}$/;
const ARN = /^arn:(aws|aws-cn|aws-us-gov|aws-iso[a-z-]*):([a-z0-9-]+):([a-z0-9-]*):(\d{12}|aws|):(.+)$/;
const POLICY_ARN = /^arn:(aws|aws-cn|aws-us-gov|aws-iso[a-z-]*):iam::(\d{12}|aws):policy\/([\u0021-\u007e]*\/)?[A-Za-z0-9+=,.@_-]{1,128}$/;
const ACTION = /^(\*|[a-z0-9-]+:[A-Za-z0-9*?]+)$/;

/** Tags per user (IAM allows 50; creds keeps room for its own ownership tags). */
export const MAX_USER_TAGS = 50;
export const RESERVED_TAGS = 4;
export const MAX_INLINE_POLICY_CHARS = 2048;
export const MAX_MANAGED_POLICIES = 10;

export function validateUserName(value: string, field = 'userName'): void {
  if (!USER_NAME.test(value)) {
    throw new ValidationError(field, `"${value}" must be 1-64 characters of letters, digits and + = , . @ _ -`);
  }
}

export function validatePolicyName(value: string, field = 'policyName'): void {
  if (!POLICY_NAME.test(value)) {
    throw new ValidationError(field, `"${value}" must be 1-128 characters of letters, digits and + = , . @ _ -`);
  }
}

export function validatePath(value: string, field = 'path'): void {
  if (value.length > 512 || !PATH.test(value)) {
    throw new ValidationError(field, `"${value}" must be "/" or start and end with "/" (printable ASCII, at most 512 characters)`);
  }
}

/** User tags: at most 50 with creds' own, keys 1-128 and values 0-256 of letters, digits, spaces and _ . : / = + - @. */
export function validateTags(tags: Record<string, string>, field = 'tags'): void {
  const keys = Object.keys(tags);
  if (keys.length > MAX_USER_TAGS - RESERVED_TAGS) {
    throw new ValidationError(field, `${keys.length} tags; at most ${MAX_USER_TAGS - RESERVED_TAGS} (IAM allows ${MAX_USER_TAGS}, creds adds its own)`);
  }
  const seen = new Map<string, string>();
  for (const [key, value] of Object.entries(tags)) {
    const f = `${field}.${key}`;
    if (key.length < 1 || key.length > 128 || !TAG_TEXT.test(key)) {
      throw new ValidationError(f, 'tag keys are 1-128 characters of letters, digits, spaces and _ . : / = + - @');
    }
    if (value.length > 256 || !TAG_TEXT.test(value)) {
      throw new ValidationError(f, 'tag values are 0-256 characters of letters, digits, spaces and _ . : / = + - @');
    }
    const lower = key.toLowerCase();
    if (lower.startsWith('aws:')) throw new ValidationError(f, 'tag keys starting with "aws:" are reserved by AWS');
    if (lower.startsWith('creds:')) throw new ValidationError(f, 'tag keys starting with "creds:" are reserved by creds');
    const clash = seen.get(lower);
    if (clash !== undefined) throw new ValidationError(f, `IAM tag keys ignore case: "${key}" and "${clash}" are the same key`);
    seen.set(lower, key);
  }
}

export function validateRegion(value: string, field = 'region'): void {
  if (!REGION.test(value)) throw new ValidationError(field, `"${value}" is not an AWS region name (like us-east-1 or eu-central-1)`);
}

export function validateArn(value: string, field = 'arn'): void {
  if (value.length > 2048 || !ARN.test(value)) {
    throw new ValidationError(field, `"${value}" is not an ARN (arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE)`);
  }
}

export function validatePolicyArn(value: string, field = 'policyArn'): void {
  if (!POLICY_ARN.test(value)) {
    throw new ValidationError(field, `"${value}" is not an IAM policy ARN (arn:aws:iam::ACCOUNT-or-aws:policy/NAME)`);
  }
}

/** Characters of a policy that count toward IAM's size limits: whitespace does not. */
export function policySize(document: string): number {
  return document.replace(/\s/g, '').length;
}

function asList(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [value];
}

/**
 * Checks an identity policy before it is sent: JSON, Version, Statement, Effect, Action/NotAction,
 * Resource/NotResource, no Principal, and the inline size limit. Returns the JSON text to send.
 */
export function validatePolicyDocument(policy: string | object, field = 'policy', maxChars = MAX_INLINE_POLICY_CHARS): string {
  let text: string;
  let doc: unknown;
  if (typeof policy === 'string') {
    text = policy;
    try {
      doc = JSON.parse(policy);
    } catch (error) {
      throw new ValidationError(field, `is not valid JSON (${(error as Error).message})`);
    }
  } else {
    doc = policy;
    text = JSON.stringify(policy);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new ValidationError(field, 'must be a JSON object');
  const d = doc as Record<string, unknown>;
  if (d['Version'] !== '2012-10-17' && d['Version'] !== '2008-10-17') {
    throw new ValidationError(`${field}.Version`, 'must be "2012-10-17"', { hint: 'add "Version": "2012-10-17" to the policy' });
  }
  if (d['Statement'] === undefined) throw new ValidationError(`${field}.Statement`, 'is missing');
  const statements = asList(d['Statement']);
  if (statements.length === 0) throw new ValidationError(`${field}.Statement`, 'must hold at least one statement');
  statements.forEach((s, i) => {
    const f = `${field}.Statement[${i}]`;
    if (typeof s !== 'object' || s === null || Array.isArray(s)) throw new ValidationError(f, 'must be an object');
    const st = s as Record<string, unknown>;
    if (st['Effect'] !== 'Allow' && st['Effect'] !== 'Deny') throw new ValidationError(`${f}.Effect`, 'must be "Allow" or "Deny"');
    if ((st['Action'] === undefined) === (st['NotAction'] === undefined)) {
      throw new ValidationError(f, 'must have exactly one of Action and NotAction');
    }
    for (const action of asList(st['Action'] ?? st['NotAction'])) {
      if (typeof action !== 'string' || !ACTION.test(action)) {
        throw new ValidationError(`${f}.Action`, `${JSON.stringify(action)} is not an action like "s3:GetObject" or "*"`);
      }
    }
    if ((st['Resource'] === undefined) === (st['NotResource'] === undefined)) {
      throw new ValidationError(f, 'must have exactly one of Resource and NotResource');
    }
    for (const resource of asList(st['Resource'] ?? st['NotResource'])) {
      if (typeof resource !== 'string' || resource === '') throw new ValidationError(`${f}.Resource`, 'must be "*" or ARN strings');
    }
    if (st['Principal'] !== undefined || st['NotPrincipal'] !== undefined) {
      throw new ValidationError(f, 'an identity policy must not name a Principal');
    }
  });
  const size = policySize(text);
  if (size > maxChars) {
    throw new ValidationError(field, `is ${size} characters without whitespace; IAM allows ${maxChars} for a user's inline policies`, {
      hint: 'move statements into a managed policy and attach it instead',
    });
  }
  return text;
}

/** Runs several checks and throws every failure together (or the single one). */
export function validateAll(checks: Array<() => void>): void {
  const issues: ValidationError[] = [];
  for (const check of checks) {
    try {
      check();
    } catch (error) {
      if (error instanceof ValidationError) issues.push(error);
      else throw error;
    }
  }
  if (issues.length === 1) throw issues[0]!;
  if (issues.length > 1) throw new ValidationErrors(issues);
}
