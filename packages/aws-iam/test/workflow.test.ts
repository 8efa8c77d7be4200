import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRunner, createWorkflow } from '@creds/core';
import { afterEach, expect, it } from 'vitest';
import {
  accessKeyStep,
  awsPreflightStep,
  iamUserStep,
  inlinePolicyStep,
  managedPoliciesStep,
  verifyKeyStep,
} from '../src/index.js';
import { POLICY, world } from './helpers.js';

const READ_ONLY = 'arn:aws:iam::aws:policy/ReadOnlyAccess';
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const setup = () =>
  createWorkflow('setup', [
    awsPreflightStep(),
    iamUserStep({
      userName: 'ci-deployer',
      target: 'octo/app',
      tags: { team: 'infra' },
      dependsOn: ['aws-preflight'],
      // What creds attaches from the config: undo of the user detaches these before deleting it,
      // so rolling back a re-run (which attached nothing itself) still removes the user.
      managedPolicyArns: [READ_ONLY],
    }),
    inlinePolicyStep({ userName: 'ci-deployer', region: 'eu-west-1', policy: POLICY, dependsOn: ['iam-user'] }),
    managedPoliciesStep({ userName: 'ci-deployer', policyArns: [READ_ONLY], dependsOn: ['iam-user'] }),
    accessKeyStep({ userName: 'ci-deployer', storeName: 'octo-app', region: 'eu-west-1', dependsOn: ['iam-user'] }),
    verifyKeyStep({ storeName: 'octo-app', userName: 'ci-deployer', timeoutMs: 10_000, minDelayMs: 200, maxDelayMs: 1_000, dependsOn: ['iam-access-key'] }),
  ]);

it('full setup, re-run (writes nothing), plan in sync, rollback of each (the re-run\'s removes nothing) — with the IAM calls counted', async () => {
  const w = await world({ propagationDelayMs: 1_000 });
  const dir = mkdtempSync(join(tmpdir(), 'creds-wf-'));
  dirs.push(dir);
  const runner = createRunner<typeof w.env>({ journalPath: join(dir, 'journal.jsonl'), concurrency: 1 });

  await runner.run(setup(), w.env);
  const first = { total: w.sandbox.calls.total, writes: w.sandbox.calls.byAction('writes'), reads: w.sandbox.calls.byAction('reads') };
  w.sandbox.calls.reset();

  await runner.run(setup(), w.env);
  const second = { total: w.sandbox.calls.total, writes: w.sandbox.calls.byAction('writes'), reads: w.sandbox.calls.byAction('reads') };
  w.sandbox.calls.reset();

  const plan = await runner.plan(setup(), w.env);
  expect(plan.inSync).toBe(true);

  console.log(`IAM/STS calls, full setup: ${JSON.stringify(first)}`);
  console.log(`IAM/STS calls, re-run:     ${JSON.stringify(second)}`);
  expect(first.writes).toEqual({ CreateUser: 1, PutUserPolicy: 1, AttachUserPolicy: 1, TagUser: 1, CreateAccessKey: 1, UntagUser: 1 });
  expect(second.writes).toEqual({});

  for (const secret of w.sandbox.issuedSecrets()) {
    expect(readFileSync(join(dir, 'journal.jsonl'), 'utf8')).not.toContain(secret);
    expect(JSON.stringify(plan)).not.toContain(secret);
  }

  // Rollback undoes the re-run, which changed nothing: nothing is removed. Then the first run; the world is empty after.
  await runner.rollback(setup(), w.env);
  expect(w.sandbox.calls.byAction('writes')).toEqual({});
  expect(w.sandbox.state().users).toHaveLength(1);
  expect(w.store.entries.size).toBe(1);
  await runner.rollback(setup(), w.env);
  expect(w.sandbox.state().users).toEqual([]);
  expect(w.store.entries.size).toBe(0);
}, 30_000);
