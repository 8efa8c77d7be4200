// @ts-check
// Adding a workflow to creds without changing creds: a WorkflowModule built from creds' own step
// factories, passed in `workflows` to createCreds next to creds' registry. creds then plans, runs,
// journals, resumes and rolls it back like its own. Here it publishes the IAM user's name as an
// Actions variable, against the sandbox servers. Run it: node examples/custom-workflow/index.mjs
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createWorkflow } from '@creds/core';
import { createCreds, PREFLIGHT, preflightSteps, resolveConfig, workflowNames, workflowRegistry } from '@creds/creds';
import { variableStep } from '@creds/github-secrets';
import { startGitHubServer, startIamServer } from '@creds/sandbox';

/** The ids of the steps this workflow defines: the journal is keyed by them, so they are spelled once. */
const ANNOUNCE_STEPS = { variable: 'announce-iam-user' };

/** @type {import('@creds/creds').WorkflowModule<'announce'>} */
const announce = {
  name: 'announce',
  steps: ANNOUNCE_STEPS,
  build: ({ target, followers }) => {
    const { owner, repo } = target.github;
    if (!owner || !repo) throw new Error(`target ${target.name}: announce writes to a repository (github.owner and github.repo)`);
    return createWorkflow(announce.name, [
      // The same read-only checks creds' workflows start with, asked to check variables too.
      ...preflightSteps(target, followers, { variables: true }),
      variableStep({
        id: ANNOUNCE_STEPS.variable,
        scope: { kind: 'repo', owner, repo },
        name: 'AWS_IAM_USER',
        value: target.iam.userName,
        dependsOn: PREFLIGHT,
      }),
    ]);
  },
};

const workflows = {
  ...workflowRegistry,
  announce: { summary: "the IAM user's name as an Actions variable", load: async () => announce },
};

const TOKEN = 'ghp_sandboxtoken000000000000000000000000';
const repo = { owner: 'octo-org', repo: 'demo' };
const dir = mkdtempSync(join(tmpdir(), 'creds-custom-workflow-'));
const iam = await startIamServer();
const github = await startGitHubServer({ tokens: [{ token: TOKEN }], repos: [{ owner: repo.owner, name: repo.repo }] });
try {
  const config = await resolveConfig(
    {
      region: 'eu-west-1',
      iam: { userName: 'gh-demo', policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:ListBucket', Resource: '*' }] } },
      github: repo,
    },
    { path: join(dir, 'creds.config.json'), dir },
  );
  const creds = createCreds(config, {
    aws: { credentials: iam.admin, endpoints: { iam: iam.url, sts: iam.url } },
    github: { token: TOKEN, baseUrl: github.url },
    workflows,
  });
  console.log(`workflows: ${workflowNames(workflows).join(', ')}`);

  const [run] = await creds.run('announce');
  console.log(`run announce: ${run?.status}, applied ${run?.applied?.length}${run?.error ? ` (${run.error.message})` : ''}`);
  console.log(`variable AWS_IAM_USER = ${github.variable(repo, 'AWS_IAM_USER')?.value}`);

  const [plan] = await creds.plan('announce');
  console.log(`plan announce: ${plan?.inSync ? 'in sync' : `${plan?.changes.length} change(s)`}`);

  github.resetLog();
  const [again] = await creds.run('announce');
  console.log(`run announce again: ${again?.status}, GitHub writes ${github.counts().writes}`);

  // Each rollback undoes one run, newest first. The second run changed nothing, so undoing it changes nothing.
  github.resetLog();
  const [rollbackAgain] = await creds.rollback();
  console.log(`rollback of the re-run: ${rollbackAgain?.status}, GitHub writes ${github.counts().writes}`);
  const [rollback] = await creds.rollback();
  console.log(`rollback: ${rollback?.status}, undid ${rollback?.undone?.join(', ')}`);
  console.log(`variable AWS_IAM_USER after rollback: ${github.variable(repo, 'AWS_IAM_USER')?.value ?? 'none'}`);
} finally {
  await Promise.all([iam.close(), github.close()]);
  rmSync(dir, { recursive: true, force: true });
}
