import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { createCreds, resolveConfig } from '../../packages/creds/dist/index.js';
import { ndjson, runCli } from '../src/cli.js';
import { collectText, collectWorld, type Figures, scanSecrets, writeFigures } from '../src/report.js';
import { startResetProxy } from '../src/reset-proxy.js';
import { createWorld, storeEntries, type World } from '../src/world.js';

// I7: 20 % of sandbox calls fail (IAM: Throttling / ServiceFailure; GitHub: 500 / 502 / 503), plus
// connection resets from a proxy. Every setup and rotation completes (resumed if a bound ran out),
// with no duplicate resource: one user, one key held by the store, three secrets holding it.

const ERROR_RATE = 0.2;
const RESET_RATE = 0.03;
const LIB_TARGETS = 26;
const CLI_TARGETS = 4;
const figures: Figures = { faultRuns: 0, faultRunsCli: 0, retries: 0, injectedErrors: 0, resumesNeeded: 0, duplicates: 0 };
const notes: string[] = [];

const pad = (i: number) => String(i).padStart(2, '0');

function fleetConfig(prefix: string, n: number) {
  return {
    region: 'us-east-1',
    iam: {
      tags: { suite: 'reliability' },
      policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:ListBucket', Resource: '*' }] },
    },
    store: { type: 'json' },
    targets: Array.from({ length: n }, (_, i) => ({
      name: `${prefix}-${pad(i)}`,
      iam: { userName: `gha-${prefix}-${pad(i)}` },
      github: { owner: 'octo-org', repo: `${prefix}-${pad(i)}` },
    })),
  };
}

function injected(world: World): number {
  const iamErrors = world.iam.calls.log.filter((c) => c.code === 'Throttling' || c.code === 'ServiceFailure').length;
  const byStatus = world.github.counts().byStatus;
  return iamErrors + (byStatus[500] ?? 0) + (byStatus[502] ?? 0) + (byStatus[503] ?? 0);
}

/** Duplicates and inconsistencies: users, keys, secrets and store entries per target. */
function audit(world: World, prefix: string, n: number): string[] {
  const problems: string[] = [];
  const state = world.iam.state();
  const entries = storeEntries(world.dir);
  for (let i = 0; i < n; i++) {
    const name = `${prefix}-${pad(i)}`;
    const users = state.users.filter((u) => u.userName.toLowerCase() === `gha-${name}`);
    if (users.length !== 1) problems.push(`${name}: ${users.length} users`);
    const user = users[0];
    if (user && user.accessKeys.length !== 1) problems.push(`${name}: ${user.accessKeys.length} keys`);
    if (user && Object.keys(user.inlinePolicies).length !== 1) problems.push(`${name}: ${Object.keys(user.inlinePolicies).length} inline policies`);
    if (user && entries[name] !== user.accessKeys[0]?.accessKeyId) problems.push(`${name}: the store holds ${entries[name]}`);
    const scope = { owner: 'octo-org', repo: name };
    const secrets = world.github.secretNames(scope);
    if (secrets.length !== 3) problems.push(`${name}: ${secrets.length} secrets`);
    if (world.github.secretValue(scope, 'AWS_ACCESS_KEY_ID') !== entries[name]) problems.push(`${name}: AWS_ACCESS_KEY_ID is not the stored key`);
    if (entries[`${name}.next`]) problems.push(`${name}: a .next entry is left in the store`);
  }
  if (state.users.length !== n) problems.push(`${state.users.length} users for ${n} targets`);
  return problems;
}

afterAll(() => {
  const scan = scanSecrets();
  writeFigures('transient-faults', { ...figures, scannedBytes: scan.bytes, scannedSecrets: scan.secrets, secretHits: scan.hits.length, notes });
  expect(scan.hits).toEqual([]);
});

it(`library: ${LIB_TARGETS} setups and ${LIB_TARGETS} rotations with ${ERROR_RATE * 100} % errors and ${RESET_RATE * 100} % connection resets all complete, no duplicates`, async () => {
  const prefix = 'lib';
  const world = await createWorld({ config: fleetConfig(prefix, LIB_TARGETS), repos: Array.from({ length: LIB_TARGETS }, (_, i) => `octo-org/${prefix}-${pad(i)}`) });
  const iamProxy = await startResetProxy(world.iam.url, RESET_RATE);
  const githubProxy = await startResetProxy(world.github.url, RESET_RATE);
  try {
    world.iam.setErrorRate(ERROR_RATE);
    world.github.setErrorRate(ERROR_RATE);
    const config = await resolveConfig(fleetConfig(prefix, LIB_TARGETS), { path: join(world.dir, 'creds.config.json'), dir: world.dir });
    let retries = 0;
    const creds = createCreds(config, {
      aws: { credentials: { accessKeyId: world.iam.admin.accessKeyId, secretAccessKey: world.iam.admin.secretAccessKey }, endpoints: { iam: iamProxy.url, sts: iamProxy.url } },
      github: { token: world.token, baseUrl: githubProxy.url, timeScale: 0.01 },
      targetConcurrency: 13,
      onEvent: (e) => {
        collectText(JSON.stringify(e));
        if (e.type === 'step-retry') retries++;
      },
    });
    for (const workflow of ['setup', 'rotate'] as const) {
      let results = await creds.run(workflow);
      collectText(JSON.stringify(results));
      figures.faultRuns! += results.length;
      for (let round = 0; round < 3 && results.some((r) => r.status !== 'succeeded'); round++) {
        const failed = results.filter((r) => r.status !== 'succeeded').map((r) => r.target);
        figures.resumesNeeded! += failed.length;
        notes.push(`${workflow}: resumed ${failed.join(', ')} (${results.find((r) => r.error)?.error?.code})`);
        const again = await createCreds(config, { ...{ targets: failed }, aws: { credentials: { accessKeyId: world.iam.admin.accessKeyId, secretAccessKey: world.iam.admin.secretAccessKey }, endpoints: { iam: iamProxy.url, sts: iamProxy.url } }, github: { token: world.token, baseUrl: githubProxy.url, timeScale: 0.01 } }).run(workflow, { resume: true });
        results = [...results.filter((r) => r.status === 'succeeded'), ...again];
      }
      expect(results.filter((r) => r.status !== 'succeeded').map((r) => `${r.target}: ${r.error?.code} ${r.error?.message}`)).toEqual([]);
    }
    world.iam.setErrorRate(0);
    world.github.setErrorRate(0);
    const problems = audit(world, prefix, LIB_TARGETS);
    figures.duplicates! += problems.length;
    figures.retries! += retries;
    figures.injectedErrors! += injected(world) + iamProxy.resets + githubProxy.resets;
    notes.push(`library: ${injected(world)} injected errors, ${iamProxy.resets + githubProxy.resets} connection resets, ${retries} step-retry events`);
    expect(problems).toEqual([]);
  } finally {
    await Promise.all([iamProxy.close(), githubProxy.close()]);
    collectWorld(world);
    await world.remove();
  }
});

it(`CLI: ${CLI_TARGETS} setups and ${CLI_TARGETS} rotations with ${ERROR_RATE * 100} % errors complete; step-retry events counted from --json`, async () => {
  const prefix = 'cli';
  const world = await createWorld({ config: fleetConfig(prefix, CLI_TARGETS), repos: Array.from({ length: CLI_TARGETS }, (_, i) => `octo-org/${prefix}-${pad(i)}`) });
  try {
    world.iam.setErrorRate(ERROR_RATE);
    world.github.setErrorRate(ERROR_RATE);
    let retries = 0;
    for (const workflow of ['setup', 'rotate']) {
      let r = await runCli(['run', workflow, '--yes', '--json'], { cwd: world.dir, env: world.env });
      retries += ndjson(r.stdout).filter((e) => e.type === 'step-retry').length;
      for (let round = 0; round < 3 && r.code === 1; round++) {
        figures.resumesNeeded!++;
        // As the CLI's own advice says: resume the targets that failed (the others have nothing to resume).
        const result = ndjson(r.stdout).find((e) => e.type === 'result') as { results?: Array<{ target: string; status: string }> } | undefined;
        const failed = (result?.results ?? []).filter((t) => t.status !== 'succeeded').flatMap((t) => ['--target', t.target]);
        r = await runCli(['run', workflow, '--resume', '--yes', '--json', ...failed], { cwd: world.dir, env: world.env });
        retries += ndjson(r.stdout).filter((e) => e.type === 'step-retry').length;
      }
      expect(r.code, r.stdout.split('\n').filter((l) => l.includes('"result"')).join('\n')).toBe(0);
      figures.faultRuns! += CLI_TARGETS;
      figures.faultRunsCli! += CLI_TARGETS;
    }
    world.iam.setErrorRate(0);
    world.github.setErrorRate(0);
    writeFileSync(join(world.dir, 'world', 'done'), '');
    const problems = audit(world, prefix, CLI_TARGETS);
    figures.duplicates! += problems.length;
    figures.retries! += retries;
    figures.injectedErrors! += injected(world);
    notes.push(`CLI: ${injected(world)} injected errors, ${retries} step-retry events in --json`);
    expect(problems).toEqual([]);
  } finally {
    collectWorld(world);
    await world.remove();
  }
});
