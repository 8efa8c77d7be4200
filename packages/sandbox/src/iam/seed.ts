import type { IamServerOptions } from './options.js';
import { ids, type Random } from './random.js';
import type { IamState, SandboxPolicy } from './state.js';

export const DEFAULT_ACCOUNT_ID = '123456789012';
export const DEFAULT_ADMIN = {
  accessKeyId: 'AKIASANDBOXADMIN0001',
  secretAccessKey: 'sandbox-admin-secret-key-not-a-real-one0',
  userName: 'sandbox-admin',
};

const READ_ONLY = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['*:Describe*', '*:Get*', '*:List*'], Resource: '*' }] });
const FULL = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] });

/** A few AWS managed policies, so attaching `arn:aws:iam::aws:policy/ReadOnlyAccess` works. */
function awsManaged(random: Random): SandboxPolicy[] {
  const names: Array<[string, string]> = [
    ['ReadOnlyAccess', READ_ONLY],
    ['AdministratorAccess', FULL],
    ['PowerUserAccess', FULL],
    ['AmazonS3ReadOnlyAccess', READ_ONLY],
    ['AmazonS3FullAccess', FULL],
    ['AmazonEC2ContainerRegistryPowerUser', FULL],
  ];
  return names.map(([policyName, document]) => ({
    arn: `arn:aws:iam::aws:policy/${policyName}`,
    policyName,
    policyId: ids.policy(random),
    path: '/',
    document,
    createdAt: Date.UTC(2015, 1, 6),
  }));
}

export function initialState(options: IamServerOptions, random: Random): IamState {
  const accountId = options.accountId ?? DEFAULT_ACCOUNT_ID;
  const admin = { ...DEFAULT_ADMIN, ...options.admin };
  return {
    accountId,
    users: [],
    policies: awsManaged(random),
    roles: [],
    oidcProviders: [],
    principals: [
      {
        accessKeyId: admin.accessKeyId,
        secretAccessKey: admin.secretAccessKey,
        arn: `arn:aws:iam::${accountId}:user/${admin.userName}`,
        userId: 'AIDASANDBOXADMIN00001',
      },
    ],
    issuedSecrets: [],
    denied: [],
  };
}
