import { createStepContext, type Step } from '@creds/core';
import { type IamSandbox, startIamServer } from '@creds/sandbox';
import { afterEach } from 'vitest';
import { type AwsEnv, createAwsClients } from '../src/index.js';
import { MemoryStore } from './memory-store.js';

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] = 'true';

export const POLICY = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: 'arn:aws:s3:::my-bucket/*' }],
};

export interface World {
  sandbox: IamSandbox;
  store: MemoryStore;
  env: AwsEnv;
}

const open: IamSandbox[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

export async function world(options: Parameters<typeof startIamServer>[0] = {}, maxAttempts = 3): Promise<World> {
  // New keys are refused for the default 10 s of sandbox time, which lasts 100 ms here.
  const sandbox = await startIamServer({ seed: 7, timeScale: 0.01, ...options });
  open.push(sandbox);
  const store = new MemoryStore();
  const aws = createAwsClients({
    region: 'eu-west-1',
    credentials: sandbox.admin,
    endpoints: { iam: sandbox.url, sts: sandbox.url },
    maxAttempts,
  });
  return { sandbox, store, env: { aws, store } };
}

export function ctxFor<Out>(env: AwsEnv, step: Step<AwsEnv, Out>, outputs: Record<string, unknown> = {}) {
  return createStepContext({ env, stepId: step.id, outputs });
}

export const apply = <Out>(w: World, step: Step<AwsEnv, Out>) => step.apply(ctxFor(w.env, step));
export const undo = <Out>(w: World, step: Step<AwsEnv, Out>, output: Out | undefined) => step.undo!(ctxFor(w.env, step), output);
export const check = <Out>(w: World, step: Step<AwsEnv, Out>) => step.check!(ctxFor(w.env, step));

/** The writes the server saw since the last reset, by action. */
export function writes(w: World): Record<string, number> {
  return w.sandbox.calls.byAction('writes');
}
