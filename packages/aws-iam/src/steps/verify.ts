import { setTimeout as sleep } from 'node:timers/promises';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { CredsError, type Secret, type Step, type StepContext } from '@creds/core';
import type { AwsEnv } from '../env.js';
import { AwsError, awsCall } from '../errors.js';

export interface VerifyKeyStepOptions {
  /** Step id (default `iam-verify-key`). */
  id?: string;
  dependsOn?: readonly string[];
  storeName: string;
  /** When set, the key must answer as this user. */
  userName?: string;
  /** How long to wait for IAM to propagate the key (default 60 s). */
  timeoutMs?: number;
  /** Backoff between attempts: first delay and cap (default 1 s and 2 s), with jitter. A lower cap
   * answers sooner once AWS accepts the key (a GetCallerIdentity a second or two costs nothing). */
  minDelayMs?: number;
  maxDelayMs?: number;
  /**
   * An earlier verification that still stands (say, of the same key, still Active): returned
   * without asking STS again. The stored key is checked against it.
   */
  verifiedBefore?: (ctx: StepContext) => VerifyKeyOutput | undefined;
}

export interface VerifyKeyOutput {
  accessKeyId: string;
  arn: string;
  account: string;
  attempts: number;
  waitedMs: number;
}

export const DEFAULT_VERIFY_TIMEOUT_MS = 60_000;

async function callerIdentity(ctx: StepContext<AwsEnv>, storeName: string) {
  const stored = await ctx.env.store.get(storeName);
  if (!stored) {
    throw new CredsError(`the key store has no entry ${storeName} to verify`, {
      code: 'KEY_NOT_IN_STORE',
      hint: 'run the access key step first (creds run setup)',
    });
  }
  const sts = ctx.env.aws.stsWithCredentials(stored);
  const identity = () => awsCall('sts:GetCallerIdentity', () => sts.send(new GetCallerIdentityCommand({})));
  return { stored, identity };
}

function isPropagating(error: unknown): boolean {
  return error instanceof AwsError && (error.code === 'INVALID_CREDENTIALS' || error.retryable);
}

/**
 * Asks STS who `key` is until AWS accepts it (a new key is refused for 10-15 s while IAM propagates
 * it), within `timeoutMs`; with `userName`, the key must answer as that user. The key is used as
 * given: a store's entry, or one that lives only in the run's memory.
 */
export async function waitForKey(
  ctx: StepContext<AwsEnv>,
  key: { accessKeyId: string; secretAccessKey: Secret },
  opts: Pick<VerifyKeyStepOptions, 'userName' | 'timeoutMs' | 'minDelayMs' | 'maxDelayMs'>,
): Promise<VerifyKeyOutput> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_VERIFY_TIMEOUT_MS;
  const minDelay = opts.minDelayMs ?? 1_000;
  const maxDelay = opts.maxDelayMs ?? 2_000;
  const sts = ctx.env.aws.stsWithCredentials(key);
  const identity = () => awsCall('sts:GetCallerIdentity', () => sts.send(new GetCallerIdentityCommand({})));
  const started = Date.now();
  for (let attempt = 1; ; attempt++) {
    try {
      const out = await identity();
      if (opts.userName && !out.Arn?.endsWith(`/${opts.userName}`)) {
        throw new CredsError(`the key ${key.accessKeyId} belongs to ${out.Arn}, not to user ${opts.userName}`, {
          code: 'KEY_USER_MISMATCH',
          hint: 'the store entry holds another user\'s key; run rollback or remove the entry, then setup again',
        });
      }
      return { accessKeyId: key.accessKeyId, arn: out.Arn!, account: out.Account!, attempts: attempt, waitedMs: Date.now() - started };
    } catch (error) {
      const elapsed = Date.now() - started;
      if (!isPropagating(error)) throw error;
      const delay = Math.min(maxDelay, minDelay * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2);
      if (elapsed + delay > timeoutMs) {
        throw new CredsError(`the new access key ${key.accessKeyId} was still refused by AWS after ${Math.round(elapsed / 1000)} s (${attempt} attempts)`, {
          code: 'KEY_NOT_PROPAGATED',
          retryable: false,
          hint: 'IAM sometimes takes longer; run again with --resume in a minute (the key is kept), or raise the verify timeout',
          cause: error,
        });
      }
      ctx.progress(`waiting for IAM to propagate the new key (attempt ${attempt}, ${Math.round(elapsed / 1000)} s so far)`, {
        attempt,
        elapsedMs: elapsed,
      });
      await sleep(delay, undefined, { signal: ctx.signal });
    }
  }
}

/**
 * Checks the stored key works by asking STS who it is. New keys are commonly refused for 10-15 s
 * (`InvalidClientTokenId`) while IAM propagates them: retried with backoff and jitter until the bound.
 */
export function verifyKeyStep<Env extends AwsEnv = AwsEnv>(opts: VerifyKeyStepOptions): Step<Env, VerifyKeyOutput> {
  return {
    id: opts.id ?? 'iam-verify-key',
    title: 'Verify the access key with STS',
    ...(opts.dependsOn ? { dependsOn: opts.dependsOn } : {}),

    async apply(ctx) {
      const { stored } = await callerIdentity(ctx, opts.storeName);
      const before = opts.verifiedBefore?.(ctx);
      if (before?.accessKeyId === stored.accessKeyId) return { ...before, attempts: 0, waitedMs: 0 };
      return waitForKey(ctx, stored, opts);
    },

    async check(ctx) {
      const stored = await ctx.env.store.get(opts.storeName);
      if (!stored) return { inSync: false, changes: [{ action: 'create', resource: 'verification of the new access key' }] };
      const { identity } = await callerIdentity(ctx, opts.storeName);
      try {
        const out = await identity();
        return { inSync: true, notes: [`key ${stored.accessKeyId} works as ${out.Arn}`] };
      } catch (error) {
        if (!(error instanceof AwsError) || error.code !== 'INVALID_CREDENTIALS') throw error;
        return {
          inSync: false,
          changes: [{ action: 'drift', resource: `access key ${stored.accessKeyId}`, detail: 'AWS does not accept the stored key' }],
        };
      }
    },
  };
}
