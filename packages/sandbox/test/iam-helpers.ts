import { IAMClient } from '@aws-sdk/client-iam';
import { STSClient } from '@aws-sdk/client-sts';
import type { IamSandbox } from '../src/iam/index.js';

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] = 'true';

export function clients(
  sandbox: IamSandbox,
  credentials: { accessKeyId: string; secretAccessKey: string } = sandbox.admin,
  maxAttempts = 1,
) {
  const common = { region: 'us-east-1', endpoint: sandbox.url, credentials, maxAttempts };
  return { iam: new IAMClient(common), sts: new STSClient(common) };
}

/** The error's code as the SDK reports it (the Query protocol's `<Code>`). */
export async function errorOf(promise: Promise<unknown>): Promise<{ name: string; status: number | undefined; message: string }> {
  try {
    await promise;
  } catch (error) {
    const e = error as { name: string; message: string; $metadata?: { httpStatusCode?: number }; Code?: string };
    return { name: e.Code ?? e.name, status: e.$metadata?.httpStatusCode, message: e.message };
  }
  throw new Error('expected the call to fail');
}
