import { IamFault } from './fault.js';

// IAM's documented rules, written here from the API reference on purpose: the sandbox shares no
// code with the product, so a mistake in the product's checks cannot be agreed with by the fake.

const NAME = /^[\w+=,.@-]+$/;
const TAG_CHARS = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
const PATH = /^(\/|\/[\u0021-\u007e]+\/)$/;

export const LIMITS = {
  userName: 64,
  policyName: 128,
  path: 512,
  tagsPerUser: 50,
  tagKey: 128,
  tagValue: 256,
  accessKeysPerUser: 2,
  managedPoliciesPerUser: 10,
  inlinePolicyChars: 2048,
  managedPolicyChars: 6144,
} as const;

function constraint(value: string, member: string, rule: string): IamFault {
  return new IamFault(
    'ValidationError',
    `1 validation error detected: Value '${value}' at '${member}' failed to satisfy constraint: ${rule}`,
  );
}

export function checkName(value: string | undefined, member: string, max: number): string {
  if (value === undefined || value === '') throw new IamFault('ValidationError', `The parameter ${member} is required.`);
  if (value.length > max) throw constraint(value, member, `Member must have length less than or equal to ${max}`);
  if (!NAME.test(value)) throw constraint(value, member, 'Member must satisfy regular expression pattern: [\\w+=,.@-]+');
  return value;
}

export function checkPath(value: string | undefined): string {
  if (value === undefined) return '/';
  if (value.length > LIMITS.path) throw constraint(value, 'path', `Member must have length less than or equal to ${LIMITS.path}`);
  if (!PATH.test(value)) {
    throw constraint(value, 'path', 'Member must satisfy regular expression pattern: (\\u002F)|(\\u002F[\\u0021-\\u007F]+\\u002F)');
  }
  return value;
}

export interface Tag {
  Key: string;
  Value: string;
}

export function checkTags(tags: Tag[]): void {
  const seen = new Set<string>();
  for (const [i, tag] of tags.entries()) {
    const member = `tags.${i + 1}.member`;
    if (tag.Key.length < 1 || tag.Key.length > LIMITS.tagKey) {
      throw constraint(tag.Key, `${member}.key`, `Member must have length between 1 and ${LIMITS.tagKey}`);
    }
    if (tag.Value.length > LIMITS.tagValue) {
      throw constraint(tag.Value, `${member}.value`, `Member must have length less than or equal to ${LIMITS.tagValue}`);
    }
    if (!TAG_CHARS.test(tag.Key)) throw constraint(tag.Key, `${member}.key`, 'Member must satisfy regular expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+');
    if (!TAG_CHARS.test(tag.Value)) throw constraint(tag.Value, `${member}.value`, 'Member must satisfy regular expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*');
    if (tag.Key.toLowerCase().startsWith('aws:')) {
      throw new IamFault('InvalidInput', 'User tag keys beginning with aws: are reserved for AWS use.');
    }
    const lower = tag.Key.toLowerCase();
    if (seen.has(lower)) throw new IamFault('InvalidInput', `Duplicate tag keys found: ${tag.Key}. Tag keys are case insensitive.`);
    seen.add(lower);
  }
}

/** Merges tags case-insensitively: a new `department` replaces an old `Department`. */
export function mergeTags(existing: Tag[], incoming: Tag[]): Tag[] {
  const out = existing.filter((t) => !incoming.some((n) => n.Key.toLowerCase() === t.Key.toLowerCase()));
  out.push(...incoming.map((t) => ({ ...t })));
  if (out.length > LIMITS.tagsPerUser) {
    throw new IamFault('LimitExceeded', `The number of tags has reached the maximum limit of ${LIMITS.tagsPerUser}.`);
  }
  return out;
}

/** Characters of a policy document that count towards its size: whitespace is not counted. */
export function policySize(document: string): number {
  return document.replace(/\s/g, '').length;
}

/**
 * The checks every policy document meets first: given, a JSON object, a known Version. IAM words
 * the JSON error differently for identity policies and trust policies, so the caller names it.
 */
export function parsePolicyDocument(document: string | undefined, parameter: string, invalidJson: string): { doc: Record<string, unknown>; text: string } {
  if (document === undefined || document === '') throw new IamFault('ValidationError', `The parameter ${parameter} is required.`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(document);
  } catch {
    throw new IamFault('MalformedPolicyDocument', invalidJson);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new IamFault('MalformedPolicyDocument', invalidJson);
  const doc = parsed as Record<string, unknown>;
  if (doc['Version'] !== undefined && doc['Version'] !== '2012-10-17' && doc['Version'] !== '2008-10-17') {
    throw new IamFault('MalformedPolicyDocument', 'The policy failed legacy parsing');
  }
  return { doc, text: document };
}

/** Parses and checks a policy document the way IAM does for identity policies. */
export function checkPolicyDocument(document: string | undefined): void {
  const { doc } = parsePolicyDocument(document, 'PolicyDocument', 'Syntax errors in policy.');
  const statements = Array.isArray(doc['Statement']) ? doc['Statement'] : doc['Statement'] === undefined ? undefined : [doc['Statement']];
  if (!statements || statements.length === 0) throw new IamFault('MalformedPolicyDocument', 'Missing required field Statement');
  for (const s of statements) {
    if (typeof s !== 'object' || s === null) throw new IamFault('MalformedPolicyDocument', 'Syntax errors in policy.');
    const st = s as Record<string, unknown>;
    if (st['Effect'] !== 'Allow' && st['Effect'] !== 'Deny') {
      throw new IamFault('MalformedPolicyDocument', 'Invalid effect: must be Allow or Deny');
    }
    if (st['Action'] === undefined && st['NotAction'] === undefined) {
      throw new IamFault('MalformedPolicyDocument', 'Policy statement must contain actions.');
    }
    if (st['Resource'] === undefined && st['NotResource'] === undefined) {
      throw new IamFault('MalformedPolicyDocument', 'Policy statement must contain resources.');
    }
    if (st['Principal'] !== undefined || st['NotPrincipal'] !== undefined) {
      throw new IamFault('MalformedPolicyDocument', 'Policy document should not specify a principal.');
    }
  }
}

const POLICY_ARN = /^arn:aws[a-z-]*:iam::(\d{12}|aws):policy\/(.+\/)?[\w+=,.@-]+$/;

export function checkPolicyArn(arn: string | undefined): string {
  if (arn === undefined || arn === '') throw new IamFault('ValidationError', 'The parameter PolicyArn is required.');
  if (arn.length < 20 || arn.length > 2048 || !POLICY_ARN.test(arn)) {
    throw new IamFault('InvalidInput', `ARN ${arn} is not valid.`);
  }
  return arn;
}
