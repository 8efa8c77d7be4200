import { CreateUserCommand, GetUserCommand } from '@aws-sdk/client-iam';
import { afterEach, expect, it } from 'vitest';
import { optionsFromEnv, parseFaults, startIamServer } from '../src/iam/index.js';
import { clients, errorOf } from './iam-helpers.js';

const saved = { ...process.env };
afterEach(() => {
  for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
});

it('reads fault injection from the environment', async () => {
  expect(parseFaults('CreateAccessKey=ServiceFailure*2, Throttling')).toEqual([
    { action: 'CreateAccessKey', code: 'ServiceFailure', times: 2 },
    { code: 'Throttling', times: 1 },
  ]);
  expect(() => optionsFromEnv({ CREDS_SANDBOX_LATENCY_MS: 'soon' })).toThrow(/CREDS_SANDBOX_LATENCY_MS/);
  process.env['CREDS_SANDBOX_LATENCY_MS'] = '50';
  process.env['CREDS_SANDBOX_FAULTS'] = 'CreateUser=LimitExceeded';
  const sandbox = await startIamServer();
  try {
    const { iam } = clients(sandbox);
    const started = Date.now();
    expect(await errorOf(iam.send(new CreateUserCommand({ UserName: 'u' })))).toMatchObject({ name: 'LimitExceeded', status: 409 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
    await iam.send(new CreateUserCommand({ UserName: 'u' }));
    await iam.send(new GetUserCommand({ UserName: 'u' }));
    expect(sandbox.calls.byAction('writes')).toEqual({ CreateUser: 2 });
  } finally {
    await sandbox.close();
  }
});
