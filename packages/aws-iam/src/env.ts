import type { IAMClient } from '@aws-sdk/client-iam';
import type { STSClient } from '@aws-sdk/client-sts';
import type { KeyStore, Secret } from '@creds/core';

/** The AWS clients the steps use. Build them with `createAwsClients`. */
export interface AwsClients {
  /** IAM is global: signed for us-east-1 whatever region the workflows use. */
  readonly iam: IAMClient;
  /** STS as the caller (preflight). */
  readonly sts: STSClient;
  /** The region STS clients use. */
  readonly region: string;
  /** An STS client that signs with the given key (to verify a new key works). */
  stsWithCredentials(credentials: { accessKeyId: string; secretAccessKey: Secret }): STSClient;
}

/**
 * What every aws-iam step needs in `ctx.env`. A front-end's env may hold more (GitHub clients…);
 * the steps read only these two fields.
 */
export interface AwsEnv {
  readonly aws: AwsClients;
  /** Where secret access keys are kept. */
  readonly store: KeyStore;
}
