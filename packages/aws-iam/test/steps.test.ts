import { describe, expect, it } from 'vitest';
import {
  accessKeyStep,
  awsPreflightStep,
  iamUserStep,
  inlinePolicyStep,
  managedPoliciesStep,
  TAGS,
  verifyKeyStep,
} from '../src/index.js';
import { apply, check, POLICY, undo, world, writes } from './helpers.js';

const USER = 'ci-deployer';
const TARGET = 'octo/app';

describe('user step', () => {
  const step = () => iamUserStep({ userName: USER, target: TARGET, tags: { team: 'infra' } });

  it('creates a tagged user; a second apply writes nothing; undo twice', async () => {
    const w = await world();
    const out = await apply(w, step());
    expect(out).toMatchObject({ userName: USER, created: true, adopted: false });
    const user = w.sandbox.state().users[0]!;
    expect(user.tags).toEqual(
      expect.arrayContaining([
        { Key: 'team', Value: 'infra' },
        { Key: TAGS.managedBy, Value: 'creds' },
        { Key: TAGS.target, Value: TARGET },
      ]),
    );
    w.sandbox.calls.reset();
    expect(await apply(w, step())).toMatchObject({ created: false, tagsSet: [] });
    expect(w.sandbox.calls.writes).toBe(0);
    expect(await check(w, step())).toMatchObject({ inSync: true });
    await undo(w, step(), out);
    await undo(w, step(), out);
    expect(w.sandbox.state().users).toEqual([]);
  });

  it('reconciles changed tags with TagUser, and check reports the drift first', async () => {
    const w = await world();
    await apply(w, step());
    const changed = iamUserStep({ userName: USER, target: TARGET, tags: { team: 'platform' } });
    expect(await check(w, changed)).toMatchObject({ inSync: false, changes: [{ action: 'update', detail: 'set tags team' }] });
    w.sandbox.calls.reset();
    await apply(w, changed);
    expect(writes(w)).toEqual({ TagUser: 1 });
  });

  it('refuses a same-named user creds did not create, and says how to adopt it', async () => {
    const w = await world();
    w.sandbox.addUser({ userName: USER, tags: { owner: 'someone' } });
    const err = await apply(w, step()).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'NOT_OWNED', hint: expect.stringContaining('adopt: true') });
    expect(w.sandbox.calls.writes).toBe(0);
    // Adopted: tagged, and undo only removes creds' tags.
    const adopting = iamUserStep({ userName: USER, target: TARGET, adopt: true });
    const out = await apply(w, adopting);
    expect(out).toMatchObject({ created: false, adopted: true });
    await undo(w, adopting, out);
    expect(w.sandbox.state().users[0]?.tags).toEqual([{ Key: 'owner', Value: 'someone' }]);
  });

  it('undo names what blocks deletion (DeleteConflict)', async () => {
    const w = await world();
    const out = await apply(w, step());
    const arn = w.sandbox.addPolicy({ policyName: 'someone-elses' });
    await w.env.aws.iam.send(new (await import('@aws-sdk/client-iam')).AttachUserPolicyCommand({ UserName: USER, PolicyArn: arn }));
    const err = await undo(w, step(), out).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'DELETE_CONFLICT', message: expect.stringContaining(`managed policy ${arn}`) });
  });

  it('invalid input fails before any call', async () => {
    const w = await world();
    expect(() => iamUserStep({ userName: 'bad name', target: TARGET, tags: { 'aws:x': 'y' } })).toThrow(/userName[\s\S]*tags\.aws:x/);
    expect(() => iamUserStep({ userName: USER, target: TARGET, tags: { Team: 'a', team: 'b' } })).toThrow(/ignore case/);
    expect(w.sandbox.calls.total).toBe(0);
  });
});

describe('inline policy step', () => {
  it('puts the policy under the default name; second apply writes nothing; undo twice', async () => {
    const w = await world();
    await apply(w, iamUserStep({ userName: USER, target: TARGET }));
    const step = inlinePolicyStep({ userName: USER, region: 'eu-west-1', policy: POLICY });
    const out = await apply(w, step);
    expect(out).toEqual({ userName: USER, policyName: `iam-user-eu-west-1-${USER}-inline-policy`, written: true });
    w.sandbox.calls.reset();
    expect(await apply(w, step)).toMatchObject({ written: false });
    expect(w.sandbox.calls.writes).toBe(0);
    const changed = inlinePolicyStep({ userName: USER, region: 'eu-west-1', policy: { ...POLICY, Statement: [{ ...POLICY.Statement[0], Resource: '*' }] } });
    expect(await check(w, changed)).toMatchObject({ inSync: false, changes: [{ action: 'update' }] });
    await undo(w, step, out);
    await undo(w, step, out);
    expect(w.sandbox.state().users[0]?.inlinePolicies).toEqual({});
  });

  it.each([
    ['{not json', /not valid JSON/],
    [{ Statement: [] }, /Version/],
    [{ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Resource: '*' }] }, /Action and NotAction/],
    [{ Version: '2012-10-17', Statement: [{ Effect: 'Permit', Action: '*', Resource: '*' }] }, /Effect/],
    [{ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'GetObject', Resource: '*' }] }, /not an action/],
    [{ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: 'x'.repeat(2100) }] }, /2048/],
  ])('rejects %j before any write', async (policy, message) => {
    const w = await world();
    expect(() => inlinePolicyStep({ userName: USER, region: 'eu-west-1', policy })).toThrow(message);
    expect(w.sandbox.calls.total).toBe(0);
  });
});

describe('managed policies step', () => {
  it('attaches only missing ARNs and undo detaches only those', async () => {
    const w = await world();
    await apply(w, iamUserStep({ userName: USER, target: TARGET }));
    const pre = 'arn:aws:iam::aws:policy/ReadOnlyAccess';
    const mine = w.sandbox.addPolicy({ policyName: 'deploy' });
    await apply(w, managedPoliciesStep({ userName: USER, policyArns: [pre] })); // someone attached this before
    const step = managedPoliciesStep({ userName: USER, policyArns: [pre, mine] });
    const out = await apply(w, step);
    expect(out).toEqual({ userName: USER, attached: [mine], alreadyAttached: [pre] });
    w.sandbox.calls.reset();
    expect((await apply(w, step)).attached).toEqual([]);
    expect(w.sandbox.calls.writes).toBe(0);
    await undo(w, step, out);
    await undo(w, step, out);
    expect(w.sandbox.state().users[0]?.attachedPolicies).toEqual([pre]);
  });

  it('refuses to go over 10 policies before attaching any', async () => {
    const w = await world();
    await apply(w, iamUserStep({ userName: USER, target: TARGET }));
    const arns = Array.from({ length: 11 }, (_, i) => w.sandbox.addPolicy({ policyName: `p${i}` }));
    w.sandbox.calls.reset();
    await expect(apply(w, managedPoliciesStep({ userName: USER, policyArns: arns }))).rejects.toMatchObject({ code: 'LIMIT_EXCEEDED' });
    expect(w.sandbox.calls.writes).toBe(0);
  });

  it('an unknown ARN fails and leaves nothing half-attached', async () => {
    const w = await world();
    await apply(w, iamUserStep({ userName: USER, target: TARGET }));
    const ok = w.sandbox.addPolicy({ policyName: 'ok' });
    const step = managedPoliciesStep({ userName: USER, policyArns: [ok, 'arn:aws:iam::123456789012:policy/missing'] });
    await expect(apply(w, step)).rejects.toMatchObject({ code: 'NO_SUCH_ENTITY', message: expect.stringContaining('missing') });
    expect(w.sandbox.state().users[0]?.attachedPolicies).toEqual([]);
  });
});

describe('access key step', () => {
  const step = () => accessKeyStep({ userName: USER, storeName: 'octo-app', region: 'eu-west-1' });

  it('stores the secret before returning; output holds only the id; second apply writes nothing; undo twice', async () => {
    const w = await world();
    await apply(w, iamUserStep({ userName: USER, target: TARGET }));
    const out = await apply(w, step());
    const stored = w.store.entries.get('octo-app')!;
    expect(stored.accessKeyId).toBe(out.accessKeyId);
    const [secret] = w.sandbox.issuedSecrets();
    expect(stored.secretAccessKey.reveal()).toBe(secret);
    expect(JSON.stringify(out)).not.toContain(secret);
    expect(w.sandbox.state().users[0]?.tags.some((t) => t.Key === TAGS.keyPending)).toBe(false);
    w.sandbox.calls.reset();
    expect(await apply(w, step())).toMatchObject({ created: false, accessKeyId: out.accessKeyId });
    expect(w.sandbox.calls.writes).toBe(0);
    expect(await check(w, step())).toMatchObject({ inSync: true });
    w.sandbox.calls.reset();
    await undo(w, step(), out);
    expect(w.sandbox.calls.byAction('writes')).toEqual({ UpdateAccessKey: 1, DeleteAccessKey: 1 });
    await undo(w, step(), out);
    expect(w.sandbox.state().users[0]?.accessKeys).toEqual([]);
    expect(w.store.entries.size).toBe(0);
  });

  it('keeps a key someone else made, and stops with an explanation when there are 2 of them', async () => {
    const w = await world();
    await apply(w, iamUserStep({ userName: USER, target: TARGET }));
    const theirs = w.sandbox.addAccessKey(USER);
    await apply(w, step());
    expect(w.sandbox.state().users[0]?.accessKeys.map((k) => k.accessKeyId)).toContain(theirs.accessKeyId);
    w.store.entries.clear();
    w.sandbox.calls.reset();
    const err = await apply(w, step()).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'TOO_MANY_KEYS', hint: expect.stringContaining('delete-access-key') });
    expect(w.sandbox.calls.writes).toBe(0);
    expect(w.sandbox.state().users[0]?.accessKeys).toHaveLength(2);
  });

  it('a store that fails: the new key is deleted again, nothing orphaned', async () => {
    const w = await world();
    await apply(w, iamUserStep({ userName: USER, target: TARGET }));
    w.store.failPut = true;
    await expect(apply(w, step())).rejects.toMatchObject({ code: 'STORE_WRITE_FAILED' });
    expect(w.sandbox.state().users[0]?.accessKeys).toEqual([]);
  });
});

describe('verify and preflight', () => {
  it('waits out the propagation delay, bounded', async () => {
    const w = await world({ propagationDelayMs: 1_200, timeScale: 1 });
    await apply(w, iamUserStep({ userName: USER, target: TARGET }));
    await apply(w, accessKeyStep({ userName: USER, storeName: 'octo-app' }));
    const progress: string[] = [];
    const step = verifyKeyStep({ storeName: 'octo-app', userName: USER, timeoutMs: 10_000, minDelayMs: 200, maxDelayMs: 500 });
    const { createStepContext } = await import('@creds/core');
    const out = await step.apply(createStepContext({ env: w.env, onProgress: (m) => progress.push(m) }));
    expect(out.arn).toBe(`arn:aws:iam::123456789012:user/${USER}`);
    expect(out.attempts).toBeGreaterThan(1);
    expect(out.waitedMs).toBeGreaterThanOrEqual(1_000);
    expect(progress[0]).toMatch(/waiting for IAM to propagate/);
  });

  it('gives up with a clear error after the bound', async () => {
    const w = await world({ propagationDelayMs: 60_000, timeScale: 1 });
    await apply(w, iamUserStep({ userName: USER, target: TARGET }));
    await apply(w, accessKeyStep({ userName: USER, storeName: 'octo-app' }));
    const started = Date.now();
    const step = verifyKeyStep({ storeName: 'octo-app', timeoutMs: 800, minDelayMs: 100, maxDelayMs: 200 });
    await expect(apply(w, step)).rejects.toMatchObject({ code: 'KEY_NOT_PROPAGATED', hint: expect.stringContaining('--resume') });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('preflight reports the account and principal', async () => {
    const w = await world();
    expect(await apply(w, awsPreflightStep())).toEqual({
      account: '123456789012',
      arn: 'arn:aws:iam::123456789012:user/sandbox-admin',
      userId: expect.any(String),
    });
    await expect(apply(w, awsPreflightStep({ expectAccountId: '999999999999' }))).rejects.toMatchObject({ code: 'ACCOUNT_MISMATCH' });
  });
});

describe('errors and retries', () => {
  it('throttling is retried (SDK retry strategy) and the step succeeds', async () => {
    const w = await world();
    w.sandbox.injectFault({ action: 'CreateUser', code: 'Throttling', times: 2 });
    await expect(apply(w, iamUserStep({ userName: USER, target: TARGET }))).resolves.toMatchObject({ created: true });
    expect(w.sandbox.calls.count('CreateUser')).toBe(3);
  });

  it('5xx beyond the bound surfaces as a retryable AWS_UNAVAILABLE', async () => {
    const w = await world({}, 2);
    w.sandbox.injectFault({ action: 'CreateUser', code: 'ServiceFailure', times: 5 });
    await expect(apply(w, iamUserStep({ userName: USER, target: TARGET }))).rejects.toMatchObject({ code: 'AWS_UNAVAILABLE', retryable: true });
    expect(w.sandbox.calls.count('CreateUser')).toBe(2);
  });

  it('AccessDenied fails at once, naming the action', async () => {
    const w = await world();
    w.sandbox.deny('iam:CreateUser');
    const err = await apply(w, iamUserStep({ userName: USER, target: TARGET })).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ACCESS_DENIED', retryable: false, hint: expect.stringContaining('iam:CreateUser') });
    expect(w.sandbox.calls.count('CreateUser')).toBe(1);
  });
});
