/**
 * The config `--sandbox` uses when the folder has none: one repository, a JSON key store under
 * .creds/, a small read-only policy, and a role for the keyless route. The embedded sandbox seeds
 * this repository.
 */
export const DEMO_CONFIG = {
  region: 'us-east-1',
  iam: {
    userName: 'creds-demo',
    tags: { project: 'creds-demo' },
    policy: {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: ['s3:ListAllMyBuckets'], Resource: '*' }],
    },
  },
  github: { owner: 'octo-org', repo: 'demo' },
  oidc: { roleName: 'creds-demo-deploy' },
  store: { type: 'json', path: '.creds/keys.json' },
} as const;
