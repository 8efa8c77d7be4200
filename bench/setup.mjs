// Setup of one repository with LATENCY ms added to every sandbox call: creds' DAG, the same steps one
// at a time (concurrency 1), and the Python original's call sequence replayed with the real SDKs.
// Also: a second setup over the finished one (calls and writes).
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { creds, ROOT, loadConfig, loadIam, loadOctokit, loadSodium, serialRounds, TOKEN, world } from './_lib.mjs';

export const LATENCY = 100;

const CONFIG = {
  region: 'us-east-1',
  iam: {
    userName: 'gha-demo',
    tags: { team: 'platform' },
    policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:ListBucket', Resource: '*' }] },
    managedPolicyArns: ['arn:aws:iam::aws:policy/ReadOnlyAccess'],
  },
  github: { owner: 'octo-org', repo: 'demo' },
  store: { type: 'json' },
};
const REPO = { owner: 'octo-org', name: 'demo' };

async function credsSetup(concurrency) {
  const w = await world({ repos: [REPO], config: CONFIG });
  try {
    const config = await loadConfig(w, CONFIG);
    w.setLatency(LATENCY);
    const start = performance.now();
    const [result] = await creds.createCreds(config, w.options({ concurrency })).run('setup');
    const wall = performance.now() - start;
    if (result.status !== 'succeeded') throw new Error(`setup failed: ${JSON.stringify(result.error)}`);
    const rounds = serialRounds(w);
    const calls = w.calls();
    // Re-run over the finished setup: what it calls and what it writes.
    w.resetCalls();
    const again = performance.now();
    const [second] = await creds.createCreds(config, w.options({ concurrency })).run('setup');
    const rerunWall = performance.now() - again;
    if (second.status !== 'succeeded') throw new Error(`re-run failed: ${JSON.stringify(second.error)}`);
    return { wall, rounds, calls, rerun: { ...w.calls(), wall: rerunWall } };
  } finally {
    await w.close();
  }
}

/** The real CLI as a child process: node start-up included, and GitHub's 1 s between writes unscaled. */
async function cliSetup() {
  const w = await world({ repos: [REPO], config: CONFIG });
  try {
    w.setLatency(LATENCY);
    const start = performance.now();
    const code = await new Promise((resolve) => {
      const child = spawn(process.execPath, [join(ROOT, 'apps/cli/bin/creds.js'), 'run', 'setup', '--yes'], { cwd: w.dir, env: w.env, stdio: 'ignore' });
      child.on('close', resolve);
    });
    const wall = performance.now() - start;
    if (code !== 0) throw new Error(`creds run setup exited ${code}`);
    return { wall, rounds: serialRounds(w), calls: w.calls() };
  } finally {
    await w.close();
  }
}

/** SetupGitHubRepo's s11–s14 as the Python original calls them: one call after the other. */
async function pythonReplay() {
  const w = await world({ repos: [REPO] });
  try {
    const { IAMClient, CreateUserCommand, PutUserPolicyCommand, AttachUserPolicyCommand, CreateAccessKeyCommand } = await loadIam();
    const { Octokit } = await loadOctokit();
    const sodium = (await loadSodium()).default;
    await sodium.ready;
    const { accessKeyId, secretAccessKey } = w.iam.admin;
    const iam = new IAMClient({ region: 'us-east-1', endpoint: w.iam.url, credentials: { accessKeyId, secretAccessKey } });
    const octokit = new Octokit({ auth: TOKEN, baseUrl: w.github.url });
    const { userName, tags, policy, managedPolicyArns } = CONFIG.iam;
    w.setLatency(LATENCY);
    const start = performance.now();
    // s11_create_iam_user
    await iam.send(new CreateUserCommand({ UserName: userName, Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) }));
    // s12_put_iam_policy
    await iam.send(new PutUserPolicyCommand({ UserName: userName, PolicyName: `iam-user-us-east-1-${userName}-inline-policy`, PolicyDocument: JSON.stringify(policy) }));
    for (const arn of managedPolicyArns) await iam.send(new AttachUserPolicyCommand({ UserName: userName, PolicyArn: arn }));
    // s13_create_or_get_access_key
    const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: userName }));
    // s14_setup_github_secrets
    const { data: key } = await octokit.rest.actions.getRepoPublicKey({ owner: REPO.owner, repo: REPO.name });
    const values = { AWS_DEFAULT_REGION: CONFIG.region, AWS_ACCESS_KEY_ID: AccessKey.AccessKeyId, AWS_SECRET_ACCESS_KEY: AccessKey.SecretAccessKey };
    for (const [name, value] of Object.entries(values)) {
      const sealed = sodium.crypto_box_seal(sodium.from_string(value), sodium.from_base64(key.key, sodium.base64_variants.ORIGINAL));
      const encrypted_value = sodium.to_base64(sealed, sodium.base64_variants.ORIGINAL);
      await octokit.rest.actions.createOrUpdateRepoSecret({ owner: REPO.owner, repo: REPO.name, secret_name: name, encrypted_value, key_id: key.key_id });
    }
    const wall = performance.now() - start;
    iam.destroy();
    return { wall, rounds: serialRounds(w), calls: w.calls() };
  } finally {
    await w.close();
  }
}

export async function benchSetup(runs = 3) {
  const pick = async (fn) => {
    const xs = [];
    for (let i = 0; i < runs; i++) xs.push(await fn());
    return xs.sort((a, b) => a.wall - b.wall)[Math.floor(xs.length / 2)];
  };
  const dag = await pick(() => credsSetup(4));
  const serial = await pick(() => credsSetup(1));
  const python = await pick(pythonReplay);
  const cli = await pick(cliSetup);
  return { dag, serial, python, cli };
}
