import { findKey } from './actions-keys.js';
import type { Caller } from './context.js';
import { userArn } from './context.js';
import { IamFault } from './fault.js';
import type { IamState } from './state.js';

const INVALID_TOKEN = 'The security token included in the request is invalid.';

/** Reads the access key id and scope from a SigV4 Authorization header (signature.ts checks the signature). */
export function parseAuthorization(header: string | undefined): { accessKeyId: string; region: string; service: string } {
  if (header === undefined || header === '') {
    throw new IamFault('MissingAuthenticationToken', 'Request is missing Authentication Token');
  }
  if (!header.startsWith('AWS4-HMAC-SHA256 ')) {
    throw new IamFault('IncompleteSignature', `Authorization header requires AWS4-HMAC-SHA256 signing; got '${header.split(' ')[0]}'.`);
  }
  const m = /Credential=([^/,\s]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request/.exec(header);
  if (!m || !/SignedHeaders=/.test(header) || !/Signature=[0-9a-f]+/.test(header)) {
    throw new IamFault(
      'IncompleteSignature',
      "Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' parameters.",
    );
  }
  return { accessKeyId: m[1]!, region: m[3]!, service: m[4]! };
}

/** The secret of a principal's or user's key, to check a signature with; undefined for an unknown key. */
export function secretOf(state: IamState, accessKeyId: string): string | undefined {
  return state.principals.find((p) => p.accessKeyId === accessKeyId)?.secretAccessKey ?? findKey(state, accessKeyId)?.key.secretAccessKey;
}

/**
 * Who the key belongs to: a principal (the administrator) or an IAM user of this world. Unknown
 * and inactive keys, and keys still propagating (made less than the propagation delay ago, as it
 * was when the key was made), are refused like AWS does.
 */
export function authenticate(
  state: IamState,
  header: string | undefined,
  now: number,
): Caller {
  const { accessKeyId, region } = parseAuthorization(header);
  const principal = state.principals.find((p) => p.accessKeyId === accessKeyId);
  if (principal) {
    return { accessKeyId, arn: principal.arn, userId: principal.userId, region, ...(principal.roleName ? { roleName: principal.roleName } : {}) };
  }
  const found = findKey(state, accessKeyId);
  if (found === undefined) throw new IamFault('InvalidClientTokenId', INVALID_TOKEN);
  if (found.key.status !== 'Active' || now < (found.key.usableAt ?? found.key.createdAt)) {
    throw new IamFault('InvalidClientTokenId', INVALID_TOKEN);
  }
  return { accessKeyId, arn: userArn(state, found.user), userId: found.user.userId, userName: found.user.userName, region };
}

/** IAM users and role sessions of the sandbox may only call STS; denied actions are refused for all. */
export function authorize(state: IamState, caller: Caller, service: 'iam' | 'sts', action: string): void {
  const full = `${service}:${action}`;
  const denied = state.denied.some(
    (d) => (d.action === full || d.action === '*') && (d.accessKeyId === undefined || d.accessKeyId === caller.accessKeyId),
  );
  const userCallingIam = (caller.userName !== undefined || caller.roleName !== undefined) && service === 'iam';
  if (denied || userCallingIam) {
    throw new IamFault(
      'AccessDenied',
      `User: ${caller.arn} is not authorized to perform: ${full} because no identity-based policy allows the ${full} action`,
    );
  }
}
