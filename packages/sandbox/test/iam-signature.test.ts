import { createHash, createHmac } from 'node:crypto';
import { CreateAccessKeyCommand, CreateUserCommand, ListUsersCommand } from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { afterEach, describe, expect, it } from 'vitest';
import { type IamSandbox, startIamServer } from '../src/iam/index.js';
import { clients, errorOf } from './iam-helpers.js';

// AWS checks every request's SigV4 signature against the key's secret: a key id sent with another
// key's secret, or a body changed after signing, is refused with SignatureDoesNotMatch.

const servers: IamSandbox[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function start(): Promise<IamSandbox> {
  const sandbox = await startIamServer({ propagationDelayMs: 0 });
  servers.push(sandbox);
  return sandbox;
}

async function twoKeys(sandbox: IamSandbox) {
  const { iam } = clients(sandbox);
  await iam.send(new CreateUserCommand({ UserName: 'u' }));
  const made = [];
  for (let i = 0; i < 2; i++) {
    const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: 'u' }));
    made.push({ accessKeyId: AccessKey!.AccessKeyId!, secretAccessKey: AccessKey!.SecretAccessKey! });
  }
  return made as [(typeof made)[0], (typeof made)[0]];
}

/** A GetCallerIdentity signed by hand, as a client that does not sign the payload hash header does. */
function signedByHand(url: string, key: { accessKeyId: string; secretAccessKey: string }, body: string, sentBody = body) {
  const host = new URL(url).host;
  const amzDate = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  const day = amzDate.slice(0, 8);
  const headers = { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8', host, 'x-amz-date': amzDate };
  const names = Object.keys(headers).sort();
  const hex = (s: string) => createHash('sha256').update(s).digest('hex');
  const canonical = ['POST', '/', '', ...names.map((n) => `${n}:${headers[n as keyof typeof headers]}`), '', names.join(';'), hex(body)].join('\n');
  const scope = `${day}/us-east-1/sts/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, hex(canonical)].join('\n');
  let k: Buffer = createHmac('sha256', `AWS4${key.secretAccessKey}`).update(day).digest();
  for (const part of ['us-east-1', 'sts', 'aws4_request']) k = createHmac('sha256', k).update(part).digest();
  const signature = createHmac('sha256', k).update(toSign).digest('hex');
  const authorization = `AWS4-HMAC-SHA256 Credential=${key.accessKeyId}/${scope}, SignedHeaders=${names.join(';')}, Signature=${signature}`;
  return fetch(url, { method: 'POST', headers: { ...headers, authorization }, body: sentBody });
}

const BODY = 'Action=GetCallerIdentity&Version=2011-06-15';

describe('IAM sandbox: SigV4 signatures are checked', () => {
  it('refuses a key id sent with another key of the same user’s secret (a mixed pair)', async () => {
    const sandbox = await start();
    const [a, b] = await twoKeys(sandbox);
    const { sts } = clients(sandbox, { accessKeyId: a.accessKeyId, secretAccessKey: b.secretAccessKey });
    const error = await errorOf(sts.send(new GetCallerIdentityCommand({})));
    expect(error).toMatchObject({ name: 'SignatureDoesNotMatch', status: 403 });
    expect(error.message).toMatch(/signature we calculated does not match/);
    // Each key with its own secret is accepted.
    for (const key of [a, b]) expect((await clients(sandbox, key).sts.send(new GetCallerIdentityCommand({}))).Arn).toMatch(/:user\/u$/);
  });

  it('refuses the administrator key with a wrong secret, for IAM calls too', async () => {
    const sandbox = await start();
    const { iam } = clients(sandbox, { accessKeyId: sandbox.admin.accessKeyId, secretAccessKey: 'not-the-secret' });
    expect(await errorOf(iam.send(new ListUsersCommand({})))).toMatchObject({ name: 'SignatureDoesNotMatch', status: 403 });
  });

  it('accepts a request that does not sign the payload hash header, and refuses one whose body changed after signing', async () => {
    const sandbox = await start();
    const [key] = await twoKeys(sandbox);
    const ok = await signedByHand(sandbox.url, key, BODY);
    expect(ok.status, await ok.clone().text()).toBe(200);
    expect(await ok.text()).toContain('<Arn>arn:aws:iam::');
    const changed = await signedByHand(sandbox.url, key, BODY, `${BODY}&Extra=1`);
    expect(changed.status).toBe(403);
    expect(await changed.text()).toContain('<Code>SignatureDoesNotMatch</Code>');
  });
});
