import { CredsError } from '@creds/core';

/** An AWS call failed. `code` is creds' stable code; `awsCode` is what AWS said. */
export class AwsError extends CredsError {
  override name = 'AwsError';
  /** The API action, e.g. `iam:CreateUser`. */
  readonly action: string;
  readonly awsCode: string;
  readonly status: number | undefined;
  readonly requestId: string | undefined;

  constructor(
    message: string,
    options: { code: string; action: string; awsCode: string; status?: number; requestId?: string; retryable?: boolean; hint?: string; cause?: unknown },
  ) {
    super(message, options);
    this.action = options.action;
    this.awsCode = options.awsCode;
    this.status = options.status;
    this.requestId = options.requestId;
  }
}

interface Rule {
  code: string;
  retryable?: boolean;
  hint?: (action: string) => string;
}

const RULES: Record<string, Rule> = {
  AccessDenied: {
    code: 'ACCESS_DENIED',
    hint: (a) => `grant ${a} to the AWS identity creds runs as (the preflight shows which one), then run again`,
  },
  NoSuchEntity: { code: 'NO_SUCH_ENTITY' },
  EntityAlreadyExists: { code: 'ALREADY_EXISTS' },
  LimitExceeded: { code: 'LIMIT_EXCEEDED', hint: () => 'remove what is no longer needed, or ask AWS to raise the quota' },
  DeleteConflict: { code: 'DELETE_CONFLICT' },
  MalformedPolicyDocument: { code: 'MALFORMED_POLICY', hint: () => 'fix the policy document (JSON, Version, Statement, Effect, Action, Resource)' },
  InvalidInput: { code: 'AWS_INVALID_INPUT' },
  ValidationError: { code: 'AWS_INVALID_INPUT' },
  ConcurrentModification: { code: 'CONCURRENT_MODIFICATION', retryable: true },
  Throttling: { code: 'THROTTLED', retryable: true },
  RequestLimitExceeded: { code: 'THROTTLED', retryable: true },
  TooManyRequestsException: { code: 'THROTTLED', retryable: true },
  ServiceFailure: { code: 'AWS_UNAVAILABLE', retryable: true },
  ServiceUnavailable: { code: 'AWS_UNAVAILABLE', retryable: true },
  InternalFailure: { code: 'AWS_UNAVAILABLE', retryable: true },
  InvalidClientTokenId: {
    code: 'INVALID_CREDENTIALS',
    hint: () => 'the AWS access key is unknown or inactive; check AWS_PROFILE / AWS_ACCESS_KEY_ID',
  },
  SignatureDoesNotMatch: { code: 'INVALID_CREDENTIALS', hint: () => 'the AWS secret access key does not match its key id' },
  ExpiredToken: { code: 'EXPIRED_CREDENTIALS', hint: () => 'the AWS session expired; log in again (e.g. aws sso login)' },
  CredentialsProviderError: {
    code: 'NO_CREDENTIALS',
    hint: () => 'configure AWS credentials: AWS_PROFILE (with aws sso login), or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY',
  },
};

const NETWORK = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'TimeoutError']);

/** Turns an SDK error into an AwsError with a stable code; leaves CredsErrors alone. */
export function mapAwsError(error: unknown, action: string): CredsError {
  if (error instanceof CredsError) return error;
  const e = (error ?? {}) as {
    name?: string;
    Code?: string;
    code?: string;
    message?: string;
    $metadata?: { httpStatusCode?: number; requestId?: string };
  };
  const awsCode = (e.Code ?? e.name ?? 'Unknown').replace(/Exception$/, '');
  const status = e.$metadata?.httpStatusCode;
  const message = e.message ?? String(error);
  const rule =
    RULES[awsCode] ??
    (NETWORK.has(e.code ?? '') || NETWORK.has(e.name ?? '')
      ? { code: 'NETWORK', retryable: true, hint: () => 'check the network connection and AWS_ENDPOINT_URL settings' }
      : status !== undefined && status >= 500
        ? { code: 'AWS_UNAVAILABLE', retryable: true }
        : { code: 'AWS_ERROR' });
  const text = rule.code === 'ACCESS_DENIED' ? `AWS refused ${action}: ${message}` : `${action} failed (${awsCode}): ${message}`;
  const hint = rule.hint?.(action);
  return new AwsError(text, {
    code: rule.code,
    action,
    awsCode,
    ...(status === undefined ? {} : { status }),
    ...(e.$metadata?.requestId ? { requestId: e.$metadata.requestId } : {}),
    retryable: rule.retryable ?? false,
    ...(hint ? { hint } : {}),
    cause: error,
  });
}

/** Runs one AWS call; failures become AwsErrors naming the action (`iam:CreateUser`). */
export async function awsCall<T>(action: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw mapAwsError(error, action);
  }
}

/** Every item of a paged IAM list, through the SDK's paginator; errors mapped like any call. */
export function awsList<Page, Item>(action: string, pages: AsyncIterable<Page>, items: (page: Page) => readonly Item[] | undefined): Promise<Item[]> {
  return awsCall(action, async () => {
    const all: Item[] = [];
    for await (const page of pages) all.push(...(items(page) ?? []));
    return all;
  });
}

/** Whether an error is AWS's `NoSuchEntity` (after mapping). */
export function isNoSuchEntity(error: unknown): boolean {
  return error instanceof AwsError && error.code === 'NO_SUCH_ENTITY';
}

/** Runs a read or delete whose `NoSuchEntity` answer means "absent": undefined instead of an error. */
export async function orAbsent<T>(run: () => Promise<T>): Promise<T | undefined> {
  try {
    return await run();
  } catch (error) {
    if (isNoSuchEntity(error)) return undefined;
    throw error;
  }
}
