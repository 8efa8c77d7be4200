import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CreateAccessKeyCommand, CreateUserCommand, GetAccessKeyLastUsedCommand } from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_PROPAGATION_DELAY_MS, type IamSandbox, startIamServer } from '../src/iam/index.js';
import { clients, errorOf } from './iam-helpers.js';

// AWS refuses a new access key for a while after CreateAccessKey (commonly 10-15 s), and
// GetAccessKeyLastUsed reports a key's latest use. The sandbox does both by default, on its clock.

const servers: IamSandbox[] = [];
const saved = { ...process.env };
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
  for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
});

async function start(options: Parameters<typeof startIamServer>[0] = {}): Promise<IamSandbox> {
  const sandbox = await startIamServer(options);
  servers.push(sandbox);
  return sandbox;
}

async function newKey(sandbox: IamSandbox, userName = 'u') {
  const { iam } = clients(sandbox);
  await iam.send(new CreateUserCommand({ UserName: userName }));
  const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: userName }));
  return { accessKeyId: AccessKey!.AccessKeyId!, secretAccessKey: AccessKey!.SecretAccessKey! };
}

/** Calls GetCallerIdentity with the key until it answers; returns how long that took (real ms). */
async function acceptedAfter(sandbox: IamSandbox, key: { accessKeyId: string; secretAccessKey: string }, started: number) {
  const { sts } = clients(sandbox, key);
  let refused = 0;
  for (;;) {
    try {
      await sts.send(new GetCallerIdentityCommand({}));
      return { ms: Date.now() - started, refused };
    } catch (error) {
      expect((error as { name: string }).name).toBe('InvalidClientTokenId');
      refused += 1;
      await sleep(10);
    }
  }
}

describe('IAM sandbox: a new key propagates like AWS', () => {
  it('refuses a new key with InvalidClientTokenId for 10 s of sandbox time by default', async () => {
    // A window of a real second, so the first call lands inside it even on a busy machine.
    const sandbox = await start({ timeScale: 0.1 });
    expect(sandbox.propagation()).toEqual({ delayMs: DEFAULT_PROPAGATION_DELAY_MS, timeScale: 0.1 });
    expect(DEFAULT_PROPAGATION_DELAY_MS).toBe(10_000);
    const started = Date.now();
    const key = await newKey(sandbox);
    const asUser = clients(sandbox, key);
    expect(await errorOf(asUser.sts.send(new GetCallerIdentityCommand({})))).toMatchObject({ name: 'InvalidClientTokenId', status: 403 });
    const { ms, refused } = await acceptedAfter(sandbox, key, started);
    // 10 s × 0.1 = 1 real second.
    expect(ms).toBeGreaterThanOrEqual(995);
    expect(refused).toBeGreaterThan(0);
  });

  it('the delay is set by option, by the control API and by CREDS_SANDBOX_PROPAGATION_MS / CREDS_SANDBOX_TIME_SCALE', async () => {
    const none = await start({ propagationDelayMs: 0 });
    const key = await newKey(none);
    await expect(clients(none, key).sts.send(new GetCallerIdentityCommand({}))).resolves.toMatchObject({ Arn: 'arn:aws:iam::123456789012:user/u' });

    none.setPropagationDelay(60_000);
    const later = await newKey(none, 'v');
    expect((await errorOf(clients(none, later).sts.send(new GetCallerIdentityCommand({})))).name).toBe('InvalidClientTokenId');
    // Keys already past the delay stay usable.
    await expect(clients(none, key).sts.send(new GetCallerIdentityCommand({}))).resolves.toBeDefined();
    expect(() => none.setPropagationDelay(-1)).toThrow(/non-negative/);

    process.env['CREDS_SANDBOX_PROPAGATION_MS'] = '5000';
    process.env['CREDS_SANDBOX_TIME_SCALE'] = '0.01';
    const fromEnv = await start();
    expect(fromEnv.propagation()).toEqual({ delayMs: 5000, timeScale: 0.01 });
    const started = Date.now();
    const envKey = await newKey(fromEnv);
    expect((await acceptedAfter(fromEnv, envKey, started)).ms).toBeGreaterThanOrEqual(45);
    await expect(startIamServer({ timeScale: 0 })).rejects.toThrow(/timeScale/);
  });
});

describe('IAM sandbox: GetAccessKeyLastUsed reflects calls made with a key', () => {
  it('N/A until the key is used; then the date, the service and the region of its latest use', async () => {
    const sandbox = await start({ propagationDelayMs: 20_000, timeScale: 0.05 }); // a real second
    const key = await newKey(sandbox);
    const { iam } = clients(sandbox);
    const lastUsed = async () => (await iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: key.accessKeyId }))).AccessKeyLastUsed;
    expect(await lastUsed()).toEqual({ ServiceName: 'N/A', Region: 'N/A' });
    // Refused calls during propagation are not uses.
    await errorOf(clients(sandbox, key).sts.send(new GetCallerIdentityCommand({})));
    expect((await lastUsed())?.LastUsedDate).toBeUndefined();
    await sleep(1100);
    const before = Math.floor(Date.now() / 1000) * 1000;
    const inEu = new STSClient({ region: 'eu-west-1', endpoint: sandbox.url, credentials: key, maxAttempts: 1 });
    await inEu.send(new GetCallerIdentityCommand({}));
    const used = await lastUsed();
    expect(used).toMatchObject({ ServiceName: 'sts', Region: 'eu-west-1' });
    expect(used?.LastUsedDate?.getTime()).toBeGreaterThanOrEqual(before);
    expect(used?.LastUsedDate?.getTime()).toBeLessThanOrEqual(Date.now());
    // An AccessDenied call was still made with the key: it counts.
    await errorOf(clients(sandbox, key).iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: key.accessKeyId })));
    expect(await lastUsed()).toMatchObject({ ServiceName: 'iam', Region: 'us-east-1' });
    const unknown = await errorOf(iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: 'AKIAUNKNOWN000000000' })));
    expect(unknown.name).toBe('NoSuchEntity');
  });

  it('keeps the last use in the state file, so another server (process) reports it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'creds-iam-used-'));
    try {
      const stateFile = join(dir, 'iam.json');
      const a = await start({ stateFile, propagationDelayMs: 0 });
      const b = await start({ stateFile, propagationDelayMs: 0 });
      const key = await newKey(a);
      await clients(a, key).sts.send(new GetCallerIdentityCommand({}));
      const seen = await clients(b).iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: key.accessKeyId }));
      expect(seen.AccessKeyLastUsed).toMatchObject({ ServiceName: 'sts', Region: 'us-east-1' });
      expect(seen.AccessKeyLastUsed?.LastUsedDate).toBeInstanceOf(Date);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
