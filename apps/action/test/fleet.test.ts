import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { fleetConfig, runAction, startAction, TOKEN, tempDir, transcript, world } from './helpers.js';

const REPOS = Array.from({ length: 10 }, (_, i) => `r${String(i).padStart(2, '0')}`);
let w: Awaited<ReturnType<typeof world>>;
let store: Awaited<ReturnType<typeof tempDir>>;
let workspace: Awaited<ReturnType<typeof tempDir>>;
let configPath: string;

beforeAll(async () => {
  w = await world(REPOS);
  // store none: the keys' secrets live only in GitHub, as a hosted runner keeps nothing between jobs.
  store = await tempDir('creds-action-store-');
  workspace = await tempDir('creds-action-ws-');
  const raw = fleetConfig(REPOS, { type: 'none' });
  configPath = join(workspace.path, 'creds.config.json');
  writeFileSync(configPath, JSON.stringify(raw, null, 2));
  await w.setup(raw, store.path);
  w.ageKeys(REPOS.map((r) => `gh-${r}`), 100);
}, 60_000);

afterAll(async () => {
  await w?.close();
  await store?.remove();
  await workspace?.remove();
});

async function until(condition: () => boolean, timeoutMs = 30_000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

const row = (target: string, result: string, before: string, after: string, drain: string, error = '') => `| ${target} | ${result} | ${before} | ${after} | ${drain} | ${error} |`;
const table = (heading: string, rows: string[], counts: string) =>
  [
    heading,
    '',
    '| Target | Result | Key age before | Key age after | Drain wait | Error |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows,
    '',
    `${counts} (config ${configPath})`,
    '',
    '',
  ].join('\n');

it('rotates a fleet of 10 with an App installation token; the one whose secret write GitHub refuses fails alone, after the other 9 finished', async () => {
  const token = await w.appToken();
  expect(token).toMatch(/^ghs_/);
  const before = new Map(REPOS.map((r) => [r, w.user(`gh-${r}`)!.accessKeys[0]!.accessKeyId]));
  // r07's key id write is refused in the middle of its rotation (403 is not retried).
  w.github.failNext({ count: 1, status: 403, method: 'PUT', path: /\/repos\/octo-org\/r07\/actions\/secrets\/AWS_ACCESS_KEY_ID$/ });

  const run = await runAction({ cwd: workspace.path, env: w.env, inputs: { 'github-token': token, 'older-than': '30d', 'drain-timeout': '5m' } });
  console.log(`fleet-of-10 action run, job summary:\n${run.summary}`);

  expect(run.code).toBe(1);
  // The token is masked before anything else is printed.
  expect(run.stdout.split('\n')[0]).toBe(`::add-mask::${token}`);
  // With store none one step makes the key, verifies it and writes it to the secrets.
  const r07Error = 'GITHUB_FORBIDDEN: step rotate-new-key failed: the token may not write secret AWS_ACCESS_KEY_ID to octo-org/r07';
  expect(run.summary).toBe(
    table(
      '## creds rotate',
      REPOS.map((r) => (r === 'r07' ? row(r, 'failed', '100 d', '100 d', '—', r07Error) : row(r, 'rotated', '100 d', '< 1 min', '0 s'))),
      '9 rotated, 0 skipped, 1 failed.',
    ),
  );
  const nine = REPOS.filter((r) => r !== 'r07');
  expect(run.outputs['rotated']).toBe(JSON.stringify(nine));
  expect(run.outputs['skipped']).toBe('[]');
  expect(run.outputs['failed']).toBe('["r07"]');
  expect(run.outputs['planned']).toBe('[]');
  const rows = JSON.parse(run.outputs['summary-json']!) as Array<Record<string, unknown>>;
  expect(rows.map((r) => [r['target'], r['status'], r['resumed']])).toEqual(REPOS.map((r) => [r, r === 'r07' ? 'failed' : 'rotated', false]));
  for (const r of rows) {
    expect(r['keyAgeBeforeSeconds']).toBeGreaterThanOrEqual(100 * 86_400);
    if (r['status'] === 'rotated') {
      expect(r['keyAgeAfterSeconds']).toBeLessThan(60);
      expect(r['drainWaitSeconds']).toBe(0);
      expect(r['error']).toBeNull();
    } else {
      expect(r['keyAgeAfterSeconds']).toBeGreaterThanOrEqual(100 * 86_400);
      expect(r['drainWaitSeconds']).toBeNull();
      expect(`${(r['error'] as { code: string }).code}: ${(r['error'] as { message: string }).message}`).toBe(r07Error);
    }
  }
  // Progress: one group per target, and the failure as an error annotation.
  for (const r of REPOS) expect(run.stdout).toMatch(new RegExp(`^::group::${r}: (succeeded|failed) \\(`, 'm'));
  expect(run.stdout).toMatch(/^::error title=creds rotate%3A r07 failed::r07: /m);

  // What really happened: 9 new keys in IAM and in the secrets, the old ones deleted.
  for (const repo of nine) {
    const user = w.user(`gh-${repo}`)!;
    expect(user.accessKeys).toHaveLength(1);
    expect(user.accessKeys[0]!.accessKeyId).not.toBe(before.get(repo));
    expect(w.github.secretValue({ owner: 'octo-org', repo }, 'AWS_ACCESS_KEY_ID')).toBe(user.accessKeys[0]!.accessKeyId);
    expect(w.github.secretValue({ owner: 'octo-org', repo }, 'AWS_SECRET_ACCESS_KEY')).toBe(user.accessKeys[0]!.secretAccessKey);
  }
  // r07 still works with its old key: the rotation stopped before switching to the new one.
  const r07 = w.user('gh-r07')!;
  expect(r07.accessKeys.map((k) => k.accessKeyId)).toContain(before.get('r07'));
  expect(w.github.secretValue({ owner: 'octo-org', repo: 'r07' }, 'AWS_ACCESS_KEY_ID')).toBe(before.get('r07'));

  // The next scheduled run in the same folder continues r07's rotation from its journal; the 9 new keys are younger than 30d.
  // A CI run of r07 in progress when its secrets switch: the rotation waits for it; it finishes once the drain has seen it.
  const ci = w.github.startRun('octo-org', 'r07');
  w.github.resetLog();
  const child = startAction({ cwd: workspace.path, env: w.env, inputs: { 'github-token': token, 'older-than': '30d' } });
  // The drain's listing of the runs in progress created by the switch has answered: it saw the run going.
  await until(() => w.github.requests.some((r) => r.method === 'GET' && /^\/repos\/octo-org\/r07\/actions\/runs\?.*status=in_progress/.test(r.path) && r.path.includes('created=')));
  w.github.finishRun('octo-org', 'r07', ci.id);
  const again = await child.result;
  expect(again.code, again.stdout).toBe(0);
  const r07Row = (JSON.parse(again.outputs['summary-json']!) as Array<{ target: string; drainWaitSeconds: number }>).find((r) => r.target === 'r07')!;
  // The drain looks again 2 s after it first saw the run going.
  expect(r07Row.drainWaitSeconds).toBeGreaterThanOrEqual(2);
  expect(again.summary).toBe(
    table(
      '## creds rotate',
      REPOS.map((r) =>
        r === 'r07'
          ? row(r, 'rotated (resumed)', '100 d', '< 1 min', `${r07Row.drainWaitSeconds} s`)
          : row(r, 'skipped', '< 1 min', '< 1 min', '—', 'KEY_NOT_OLD: the key is younger than 30d'),
      ),
      '1 rotated, 9 skipped, 0 failed.',
    ),
  );
  console.log(`second run, job summary:\n${again.summary}`);
  expect(again.outputs['rotated']).toBe('["r07"]');
  expect(again.outputs['skipped']).toBe(JSON.stringify(nine));
  expect(w.user('gh-r07')!.accessKeys).toHaveLength(1);
  expect(w.github.secretValue({ owner: 'octo-org', repo: 'r07' }, 'AWS_ACCESS_KEY_ID')).toBe(w.user('gh-r07')!.accessKeys[0]!.accessKeyId);

  // No secret of any key, nor the token, in anything the action printed or wrote.
  const everything = transcript.join('\n');
  for (const secret of w.iam.issuedSecrets()) expect(everything).not.toContain(secret);
  expect(everything.replaceAll(`::add-mask::${token}`, '')).not.toContain(token);
  // Every GitHub request of the rotation used the installation's token.
  expect(w.github.installationTokens(w.installationId).map((t) => t.token)).toEqual([token]);
}, 120_000);

it('dry-run plans and writes nothing, to AWS, GitHub or the folder', async () => {
  const ws = await tempDir('creds-action-dry-');
  try {
    writeFileSync(join(ws.path, 'creds.config.json'), JSON.stringify(fleetConfig(REPOS, { type: 'none' })));
    w.ageKeys(['gh-r03'], 40);
    w.github.resetLog();
    const iamWritesBefore = w.iam.calls.writes;
    const run = await runAction({ cwd: ws.path, env: w.env, inputs: { 'github-token': TOKEN, 'dry-run': 'true', 'older-than': '30d', targets: 'r03, r04\nr05' } });
    expect(run.code, run.stdout).toBe(0);
    expect(run.summary.split('\n').slice(0, 7)).toEqual([
      '## creds rotate: plan (dry run, nothing written)',
      '',
      '| Target | Result | Key age before | Key age after | Drain wait | Error |',
      '| --- | --- | --- | --- | --- | --- |',
      '| r03 | would rotate | 40 d | 40 d | — |  |',
      '| r04 | skipped | < 1 min | < 1 min | — | KEY_NOT_OLD: the key is younger than 30d |',
      '| r05 | skipped | < 1 min | < 1 min | — | KEY_NOT_OLD: the key is younger than 30d |',
    ]);
    expect(run.outputs['planned']).toBe('["r03"]');
    expect(run.outputs['rotated']).toBe('[]');
    expect(w.github.requests.length).toBeGreaterThan(0);
    expect(w.github.requests.filter((r) => r.write)).toEqual([]);
    expect(w.iam.calls.writes).toBe(iamWritesBefore);
  } finally {
    await ws.remove();
  }
}, 60_000);
