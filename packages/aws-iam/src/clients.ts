import { IAMClient } from '@aws-sdk/client-iam';
import { STSClient } from '@aws-sdk/client-sts';
import type { AwsClients } from './env.js';

export interface AwsCredentialsInput {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface AwsClientsOptions {
  /** The region for STS (the workflows' region); IAM always signs for us-east-1. Default: AWS_REGION, then us-east-1. */
  region?: string;
  /** A named profile from ~/.aws/config; otherwise the default provider chain (env, AWS_PROFILE, SSO, …). */
  profile?: string;
  /** Fixed credentials, or a provider; otherwise the default provider chain. */
  credentials?: AwsCredentialsInput | (() => Promise<AwsCredentialsInput>);
  /** Endpoint overrides; otherwise AWS_ENDPOINT_URL_IAM / AWS_ENDPOINT_URL_STS / AWS_ENDPOINT_URL apply. */
  endpoints?: { iam?: string; sts?: string };
  /**
   * SDK attempts per call (default 1: the step runner is the one retry layer, and retries inside
   * its attempts would multiply with them).
   */
  maxAttempts?: number;
}

/** IAM and STS clients that follow the AWS conventions for credentials and endpoints. */
export function createAwsClients(options: AwsClientsOptions = {}): AwsClients {
  const region = options.region ?? process.env['AWS_REGION'] ?? process.env['AWS_DEFAULT_REGION'] ?? 'us-east-1';
  const maxAttempts = options.maxAttempts ?? 1;
  const shared = {
    maxAttempts,
    ...(options.profile ? { profile: options.profile } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
  };
  const iam = new IAMClient({ region: 'us-east-1', ...shared, ...(options.endpoints?.iam ? { endpoint: options.endpoints.iam } : {}) });
  const stsEndpoint = options.endpoints?.sts ? { endpoint: options.endpoints.sts } : {};
  const sts = new STSClient({ region, ...shared, ...stsEndpoint });
  return {
    iam,
    sts,
    region,
    stsWithCredentials(credentials) {
      return new STSClient({
        region,
        maxAttempts: 1,
        ...stsEndpoint,
        credentials: { accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey.reveal() },
      });
    },
  };
}
