import { z } from 'zod';

// The shape of creds.config.{json,yaml,yml,mjs}. Rules that belong to a backend (IAM names, tags,
// policy grammar, secret names) are checked by that backend's validators in validate.ts, after this
// shape check, so each rule lives in one place.

const secretNames = z
  .object({
    region: z.string().describe('Name of the secret (or variable) holding the region').default('AWS_DEFAULT_REGION'),
    accessKeyId: z.string().describe('Name of the secret holding the access key id').default('AWS_ACCESS_KEY_ID'),
    secretAccessKey: z
      .string()
      .describe('Name of the secret holding the secret access key')
      .default('AWS_SECRET_ACCESS_KEY'),
    regionAs: z
      .enum(['secret', 'variable'])
      .describe('Write the region as an Actions secret (default) or a plain Actions variable')
      .default('secret'),
  })
  .strict();

const iam = z
  .object({
    userName: z
      .string()
      .describe(
        'IAM user to create for this repository (1-64 of A-Z a-z 0-9 + = , . @ _ -); required unless the target only uses the keyless route (has an oidc section), where leaving it out means no IAM user and no access key',
      )
      .optional(),
    path: z.string().describe('IAM path, "/" or "/segment/"').optional(),
    tags: z.record(z.string(), z.string()).describe('Tags put on the IAM user, besides creds\' ownership tags').default({}),
    policy: z
      .record(z.string(), z.unknown())
      .describe('Inline policy document (IAM JSON policy grammar)')
      .optional(),
    policyFile: z.string().describe('Path of a JSON file holding the inline policy, relative to the config').optional(),
    inlinePolicyName: z
      .string()
      .describe('Name of the inline policy; default iam-user-{region}-{userName}-inline-policy')
      .optional(),
    managedPolicyArns: z.array(z.string()).describe('ARNs of managed policies to attach').default([]),
    permissionsBoundary: z.string().describe('ARN of a managed policy used as permissions boundary').optional(),
    adopt: z
      .boolean()
      .describe('Take over a same-named IAM user that creds did not create (it gets creds\' ownership tags)')
      .default(false),
  })
  .strict();

const github = z
  .object({
    owner: z.string().describe('Repository owner (user or organization)').optional(),
    repo: z.string().describe('Repository name').optional(),
    environment: z.string().describe('Deployment environment whose secrets to write, instead of the repository\'s').optional(),
    createEnvironment: z
      .boolean()
      .describe(
        'Create the environment when it does not exist (setup; rollback and teardown delete it only if creds created it); false refuses a missing environment. Default true',
      )
      .optional(),
    org: z.string().describe('Organization whose secrets to write, instead of a repository\'s').optional(),
    visibility: z
      .enum(['all', 'private', 'selected'])
      .describe('Which repositories of the organization may use its secrets')
      .optional(),
    repositories: z
      .array(z.string())
      .describe('With visibility "selected": names of the repositories that may use the secrets')
      .optional(),
  })
  .strict();

const store = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('json'),
      path: z.string().describe('Key file, relative to the config; default .creds/keys.json').optional(),
    })
    .strict(),
  z
    .object({
      type: z.literal('keychain'),
      service: z.string().describe('Keychain service name; default "creds"').optional(),
    })
    .strict(),
  z
    .object({
      type: z.literal('1password'),
      vault: z.string().describe('1Password vault for the API Credential items'),
      account: z.string().describe('1Password account (sign-in address or id), when several are signed in').optional(),
    })
    .strict(),
  z
    .object({
      type: z
        .literal('none')
        .describe(
          'Keep no copy: the secret exists only in the run\'s memory and in GitHub. A key whose secret never reached GitHub is deleted and a new one made; status judges keys by IAM and the secrets\' metadata alone',
        ),
    })
    .strict(),
]);

const rotation = z
  .object({
    maxKeyAge: z
      .string()
      .regex(/^\d+[dhm]$/, 'a duration such as 90d, 12h or 30m')
      .describe('Keys older than this are flagged by status (creds run rotate --older-than AGE rotates only keys past AGE)')
      .default('90d'),
    unusedAfter: z
      .string()
      .regex(/^\d+[dhm]$/, 'a duration such as 30d')
      .describe('Keys not used for this long are flagged by status')
      .default('30d'),
    drainTimeout: z
      .string()
      .regex(/^(0|\d+[smhd])$/, 'a duration such as 30m, 90s or 2h, or 0')
      .describe(
        'How long creds run rotate waits for workflow runs that started before the secrets switched (they hold the old key) before it retires the old key; 0 does not wait',
      )
      .default('30m'),
  })
  .strict();

const oidc = z
  .object({
    roleName: z.string().describe('IAM role GitHub Actions assumes with its OIDC token (1-64 of A-Z a-z 0-9 + = , . @ _ -)'),
    subjects: z
      .array(z.string())
      .describe(
        'Which runs may assume the role: ref:refs/heads/BRANCH, ref:refs/tags/TAG, environment:NAME, pull_request (wildcards * ?); default ["ref:refs/heads/main"], or ["environment:NAME"] when github.environment is set',
      )
      .optional(),
    roleArnAs: z.enum(['variable', 'secret']).describe('Store the role ARN as an Actions variable (default) or secret').default('variable'),
    roleArnName: z.string().describe('Name of the variable (or secret) holding the role ARN').default('AWS_ROLE_ARN'),
    allowAnyRef: z.boolean().describe('Allow subjects that trust every ref of the repository ("*", "ref:*")').optional(),
    maxSessionDuration: z.number().int().describe('Longest session of the role, in seconds (3600-43200)').optional(),
    adopt: z.boolean().describe('Take over a same-named IAM role that creds did not create (its trust policy is replaced)').optional(),
  })
  .strict();

/** What a target may override: every top-level field, each partially. */
const githubApp = z
  .object({
    appId: z
      .union([z.number().int().positive(), z.string().regex(/^(\d+|Iv[0-9A-Za-z.]+)$/, 'must be the App ID (digits) or the client ID (Iv…)')])
      .describe("The GitHub App's App ID (or client ID), from the app's settings page"),
    privateKeyFile: z
      .string()
      .describe('Path of the app\'s private key (.pem), relative to the config; otherwise CREDS_GITHUB_APP_PRIVATE_KEY(_FILE). Never the key itself')
      .optional(),
    installationId: z
      .number()
      .int()
      .positive()
      .describe("The installation to use for every target; otherwise creds asks GitHub for each owner's installation")
      .optional(),
  })
  .strict();

const targetOverride = z
  .object({
    name: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'letters, digits, . _ - (1-64, starting with a letter or digit)')
      .describe('Target name: names its journal, lock and key-store entry'),
    region: z.string().describe('AWS region for this target').optional(),
    iam: iam.partial().strict().describe('Overrides of the top-level iam fields').optional(),
    github: github.describe('This target\'s repository (replaces the top-level github as a whole)').optional(),
    secrets: secretNames.partial().strict().describe('Overrides of the top-level secret names').optional(),
    oidc: oidc.partial().strict().describe('Overrides of the top-level oidc fields').optional(),
  })
  .strict();

export const configSchema = z
  .object({
    $schema: z.string().optional(),
    region: z.string().describe('AWS region the workflows use (written to AWS_DEFAULT_REGION)').optional(),
    iam: iam.partial().strict().describe('The IAM user creds creates for the repository').optional(),
    github: github.describe('Where the Actions secrets go: a repository (owner, repo), one of its environments, or an organization').optional(),
    secrets: secretNames.partial().strict().describe('Names of the Actions secrets creds writes').optional(),
    store: store.describe('Where the secret half of each access key is kept').default({ type: 'json' }),
    rotation: rotation.partial().strict().describe('When keys count as old or unused').optional(),
    oidc: oidc.partial().strict().describe('The keyless route: an IAM role GitHub Actions assumes with its OIDC token').optional(),
    githubApp: githubApp.describe('Authenticate to GitHub as a GitHub App installation instead of a token (the private key stays in its own file)').optional(),
    targets: z
      .array(targetOverride)
      .min(1, 'must list at least one target (or leave targets out for one repository)')
      .describe('Several repositories in one file: each entry is merged over the top-level fields')
      .optional(),
  })
  .strict();

/** One fully merged target, before backend rule checks. */
export const targetSchema = z.object({
  name: z.string(),
  region: z.string(),
  iam,
  github,
  secrets: secretNames,
  oidc: oidc.optional(),
  /** Set on a target whose IAM user an earlier target also names: that target owns the user and key. */
  keyOwner: z.string().optional(),
  /** On the owner: the targets that use its key (their secrets are written by the owner's runs). */
  sharedWith: z.array(z.string()).default([]),
});

export type ConfigFile = z.input<typeof configSchema>;
export type ParsedConfig = z.output<typeof configSchema>;
export type TargetConfig = z.output<typeof targetSchema>;
export type StoreConfig = z.output<typeof store>;
export type RotationConfig = z.output<typeof rotation>;
export type OidcConfig = z.output<typeof oidc>;
export type GitHubAppConfig = z.output<typeof githubApp>;
export { rotation as rotationSchema };
