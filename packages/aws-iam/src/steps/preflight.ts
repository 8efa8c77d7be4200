import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { CredsError, type Step, type StepContext } from '@creds/core';
import type { AwsEnv } from '../env.js';
import { awsCall } from '../errors.js';

export interface AwsPreflightStepOptions {
  /** Step id (default `aws-preflight`). */
  id?: string;
  dependsOn?: readonly string[];
  /** Refuse to go on when the credentials belong to another account. */
  expectAccountId?: string;
}

export interface AwsPreflightOutput {
  account: string;
  arn: string;
  userId: string;
}

/** Who the AWS credentials are: the account and principal every later step will change. */
export async function resolveCallerIdentity(ctx: StepContext<AwsEnv>, expectAccountId?: string): Promise<AwsPreflightOutput> {
  const out = await awsCall('sts:GetCallerIdentity', () => ctx.env.aws.sts.send(new GetCallerIdentityCommand({})));
  const identity = { account: out.Account!, arn: out.Arn!, userId: out.UserId! };
  if (expectAccountId !== undefined && identity.account !== expectAccountId) {
    throw new CredsError(`the AWS credentials are for account ${identity.account} (${identity.arn}), not ${expectAccountId}`, {
      code: 'ACCOUNT_MISMATCH',
      hint: 'pick the right profile (AWS_PROFILE / --profile) or fix the configured account id',
    });
  }
  return identity;
}

/** Resolves the caller's identity before any write and reports which account and principal will be changed. */
export function awsPreflightStep<Env extends AwsEnv = AwsEnv>(opts: AwsPreflightStepOptions = {}): Step<Env, AwsPreflightOutput> {
  return {
    id: opts.id ?? 'aws-preflight',
    title: 'Check the AWS identity',
    readOnly: true,
    ...(opts.dependsOn ? { dependsOn: opts.dependsOn } : {}),
    async apply(ctx) {
      const identity = await resolveCallerIdentity(ctx, opts.expectAccountId);
      ctx.progress(`AWS account ${identity.account}, acting as ${identity.arn}`, { ...identity });
      return identity;
    },
    async check(ctx) {
      const identity = await resolveCallerIdentity(ctx, opts.expectAccountId);
      return { inSync: true, notes: [`AWS account ${identity.account}, acting as ${identity.arn}`] };
    },
  };
}
