// Setup of one repository with LATENCY ms added to every sandbox call: creds' DAG, the same steps one
// at a time (concurrency 1), the CLI as a process, and the Python original's call sequence replayed
// with the real SDKs as a process; the CLI again with IAM's propagation delay on (wall time). Also: a
// second setup over the finished one (rounds, calls and writes).
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { creds, ROOT, loadConfig, serialRounds, world } from './_lib.mjs';

export const LATENCY = 100;
/** How long the sandbox's IAM takes to accept a new key in the wall-time row (real AWS: often 5–15 s). */
export const PROPAGATION_MS = 10_000;

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
    return { wall, rounds, calls, rerun: { ...w.calls(), rounds: serialRounds(w), wall: rerunWall } };
  } finally {
    await w.close();
  }
}

/** A process of its own, timed from spawn to exit: the CLI or the Python original's replay. */
async function processSetup(args, iam = {}) {
  const w = await world({ repos: [REPO], config: CONFIG, iam });
  try {
    w.setLatency(LATENCY);
    const start = performance.now();
    const code = await new Promise((resolve) => {
      const child = spawn(process.execPath, args(w), { cwd: w.dir, env: w.env, stdio: 'ignore' });
      child.on('close', resolve);
    });
    const wall = performance.now() - start;
    if (code !== 0) throw new Error(`${args(w).join(' ')} exited ${code}`);
    return { wall, rounds: serialRounds(w), calls: w.calls() };
  } finally {
    await w.close();
  }
}

/** The real CLI as a child process: node start-up included, and GitHub's 1 s between writes unscaled. */
const cliSetup = (iam) => processSetup(() => [join(ROOT, 'apps/cli/bin/creds.js'), 'run', 'setup', '--yes'], iam);
/** SetupGitHubRepo's s11–s14 as the Python original calls them, one after the other, in a process of its own. */
const pythonReplay = () => processSetup((w) => [join(ROOT, 'bench/python-replay.mjs'), JSON.stringify(CONFIG), w.github.url]);

export async function benchSetup(runs = 3) {
  const pick = async (fn) => {
    const xs = [];
    for (let i = 0; i < runs; i++) xs.push(await fn());
    return xs.sort((a, b) => a.wall - b.wall)[Math.floor(xs.length / 2)];
  };
  const dag = await pick(() => credsSetup(4));
  const serial = await pick(() => credsSetup(1));
  const python = await pick(pythonReplay);
  const cli = await pick(() => cliSetup());
  // The same CLI run where IAM takes PROPAGATION_MS to accept a new key, as AWS does: wall time only.
  const cliPropagating = await pick(() => cliSetup({ propagationDelayMs: PROPAGATION_MS, timeScale: 1 }));
  return { dag, serial, python, cli, cliPropagating };
}
