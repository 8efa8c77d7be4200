// The Python original's setup (SetupGitHubRepo's s11–s14) as its own process, one call after the
// other, with the real SDKs: what `creds run setup` is compared with, start-up and imports included
// on both sides. argv[2] is the config (JSON) and argv[3] the GitHub API URL; the AWS SDK finds the
// IAM endpoint and credentials in the environment the bench sets (AWS_ENDPOINT_URL_IAM, AWS_*), and
// the token is GH_TOKEN.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const from = (pkg, spec) => import(pathToFileURL(createRequire(join(ROOT, 'packages', pkg, 'package.json')).resolve(spec)).href);
const [{ IAMClient, CreateUserCommand, PutUserPolicyCommand, AttachUserPolicyCommand, CreateAccessKeyCommand }, { Octokit }, sodiumModule] = await Promise.all([
  from('aws-iam', '@aws-sdk/client-iam'),
  from('github-secrets', '@octokit/rest'),
  from('github-secrets', 'libsodium-wrappers'),
]);
const sodium = sodiumModule.default;
await sodium.ready;

const config = JSON.parse(process.argv[2]);
const { userName, tags, policy, managedPolicyArns } = config.iam;
const { owner, repo } = config.github;
const iam = new IAMClient({ region: config.region });
const octokit = new Octokit({ auth: process.env.GH_TOKEN, baseUrl: process.argv[3] });

// s11_create_iam_user
await iam.send(new CreateUserCommand({ UserName: userName, Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) }));
// s12_put_iam_policy
await iam.send(new PutUserPolicyCommand({ UserName: userName, PolicyName: `iam-user-${config.region}-${userName}-inline-policy`, PolicyDocument: JSON.stringify(policy) }));
for (const arn of managedPolicyArns) await iam.send(new AttachUserPolicyCommand({ UserName: userName, PolicyArn: arn }));
// s13_create_or_get_access_key
const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: userName }));
// s14_setup_github_secrets
const { data: key } = await octokit.rest.actions.getRepoPublicKey({ owner, repo });
const values = { AWS_DEFAULT_REGION: config.region, AWS_ACCESS_KEY_ID: AccessKey.AccessKeyId, AWS_SECRET_ACCESS_KEY: AccessKey.SecretAccessKey };
for (const [name, value] of Object.entries(values)) {
  const sealed = sodium.crypto_box_seal(sodium.from_string(value), sodium.from_base64(key.key, sodium.base64_variants.ORIGINAL));
  const encrypted_value = sodium.to_base64(sealed, sodium.base64_variants.ORIGINAL);
  await octokit.rest.actions.createOrUpdateRepoSecret({ owner, repo, secret_name: name, encrypted_value, key_id: key.key_id });
}
iam.destroy();
