// A workflow's view of a rotation, from a process of its own: it takes runs in the sandbox's GitHub
// world (shared through its state file) the way a runner does, gets the secrets GitHub hands a run
// when it starts, and calls sts:GetCallerIdentity with them, as a workflow step does.
//
//   node watcher.mjs <github state file> <STS endpoint> <owner/repo> short|long
//
// short: one short run after another (start, one call, finish), as workflows starting all through
//        a rotation. long: one run started at once that keeps calling with the secrets it started
//        with, as a long deploy does, and finishes on SIGTERM.
// Prints `{"type":"started",...}` once the first run has started, and on SIGTERM one line of counts
// (no secret), then exits.
import { setTimeout as sleep } from 'node:timers/promises';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { startGitHubServer } from '../../packages/sandbox/dist/index.js';

const [stateFile, stsUrl, fullName, mode] = process.argv.slice(2);
const [owner, repo] = fullName.split('/');
const github = await startGitHubServer({ stateFile });
const counts = { calls: 0, ok: 0, refused: 0, mixed: 0, runs: 0, mixedAt: [] };
const now = () => performance.timeOrigin + performance.now();

/** One workflow step's call: 'ok', 'mixed' (an id signed with another key's secret) or 'refused'. */
async function call(secrets) {
  const id = secrets?.AWS_ACCESS_KEY_ID;
  const secret = secrets?.AWS_SECRET_ACCESS_KEY;
  if (!id || !secret) return 'refused';
  const sts = new STSClient({ region: 'eu-west-1', endpoint: stsUrl, credentials: { accessKeyId: id, secretAccessKey: secret }, maxAttempts: 1 });
  try {
    await sts.send(new GetCallerIdentityCommand({}));
    return 'ok';
  } catch (error) {
    return error.name === 'SignatureDoesNotMatch' ? 'mixed' : 'refused';
  } finally {
    sts.destroy();
  }
}

function count(result, startedAt) {
  counts.calls += 1;
  counts[result] += 1;
  if (result === 'mixed') counts.mixedAt.push(startedAt);
}

let stopping = false;
let finishedAt;
process.once('SIGTERM', () => {
  stopping = true;
});

if (mode === 'long') {
  const run = github.startRun(owner, repo, { name: 'Deploy' });
  counts.runs = 1;
  console.log(JSON.stringify({ type: 'started', runId: run.id }));
  while (!stopping) {
    count(await call(run.secrets), now());
    await sleep(20);
  }
  github.finishRun(owner, repo, run.id);
  finishedAt = Date.now();
} else {
  console.log(JSON.stringify({ type: 'started' }));
  while (!stopping) {
    const startedAt = now();
    const run = github.startRun(owner, repo, { name: 'Watcher' });
    counts.runs += 1;
    count(await call(run.secrets), startedAt);
    github.finishRun(owner, repo, run.id);
    await sleep(20);
  }
}
await github.close();
console.log(JSON.stringify({ type: 'counts', ...counts, finishedAt }));
