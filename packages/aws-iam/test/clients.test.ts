import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { GetUserCommand } from '@aws-sdk/client-iam';
import { afterEach, expect, it } from 'vitest';
import { createAwsClients, mapAwsError } from '../src/index.js';
import { world } from './helpers.js';

const saved = { ...process.env };
afterEach(() => {
  for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
  Object.assign(process.env, saved);
});

it('follows AWS_ENDPOINT_URL_IAM / _STS and the default credential chain (env)', async () => {
  const w = await world();
  Object.assign(process.env, w.sandbox.env());
  const aws = createAwsClients();
  const me = await aws.sts.send(new GetCallerIdentityCommand({}));
  expect(me.Arn).toBe(w.sandbox.admin.arn);
  await expect(aws.iam.send(new GetUserCommand({ UserName: 'nobody' }))).rejects.toMatchObject({ name: 'NoSuchEntityException' });
  expect(w.sandbox.calls.byAction()).toEqual({ GetCallerIdentity: 1, GetUser: 1 });
});

it('follows AWS_ENDPOINT_URL for both services', async () => {
  const w = await world();
  const { AWS_ENDPOINT_URL_IAM, AWS_ENDPOINT_URL_STS, ...rest } = w.sandbox.env();
  Object.assign(process.env, rest, { AWS_ENDPOINT_URL: AWS_ENDPOINT_URL_IAM });
  expect(AWS_ENDPOINT_URL_STS).toBe(AWS_ENDPOINT_URL_IAM);
  await createAwsClients().sts.send(new GetCallerIdentityCommand({}));
  expect(w.sandbox.calls.total).toBe(1);
});

it.each([
  [{ name: 'AccessDenied', Code: 'AccessDenied', message: 'no', $metadata: { httpStatusCode: 403 } }, 'ACCESS_DENIED', false],
  [{ name: 'NoSuchEntityException', Code: 'NoSuchEntity', message: 'gone' }, 'NO_SUCH_ENTITY', false],
  [{ name: 'Throttling', Code: 'Throttling', message: 'slow down' }, 'THROTTLED', true],
  [{ name: 'X', Code: 'Weird', message: 'boom', $metadata: { httpStatusCode: 503 } }, 'AWS_UNAVAILABLE', true],
  [{ name: 'DeleteConflictException', Code: 'DeleteConflict', message: 'keys' }, 'DELETE_CONFLICT', false],
  [{ name: 'LimitExceededException', Code: 'LimitExceeded', message: 'quota' }, 'LIMIT_EXCEEDED', false],
  [Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), 'NETWORK', true],
  [{ name: 'CredentialsProviderError', message: 'Could not load credentials' }, 'NO_CREDENTIALS', false],
])('maps %o to %s', (error, code, retryable) => {
  const mapped = mapAwsError(error, 'iam:CreateUser');
  expect(mapped).toMatchObject({ code, retryable });
  if (code === 'ACCESS_DENIED') expect(mapped.message).toContain('iam:CreateUser');
});
