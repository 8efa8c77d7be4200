import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { fleetConfig, runAction, TOKEN, tempDir, world } from './helpers.js';

let w: Awaited<ReturnType<typeof world>>;
let ws: Awaited<ReturnType<typeof tempDir>>;

beforeAll(async () => {
  w = await world(['r00']);
  ws = await tempDir('creds-action-inputs-');
});
afterAll(async () => {
  await w?.close();
  await ws?.remove();
});

const PEM = ['-----BEGIN RSA PRIVATE KEY-----', 'MIIEpAIBAAKCAQEAtestonlyline1', 'testonlyline2xyz', '-----END RSA PRIVATE KEY-----'].join('\n');

it('bad inputs: every problem named by its input, the secrets masked first, and nothing asked of AWS or GitHub', async () => {
  writeFileSync(join(ws.path, 'creds.config.json'), JSON.stringify(fleetConfig(['r00'], { type: 'json' })));
  w.github.resetLog();
  const run = await runAction({
    cwd: ws.path,
    env: w.env,
    inputs: {
      workflow: 'teardown',
      'older-than': '3 weeks',
      'dry-run': 'yes',
      'github-token': TOKEN,
      'app-id': 'abc',
      'app-private-key': PEM,
      'app-installation-id': '12x',
      targets: 'r00,r00',
    },
  });
  expect(run.code).toBe(1);
  const lines = run.stdout.trim().split('\n');
  // The token, then the App's key as a whole (escaped) and line by line, before anything else.
  expect(lines.slice(0, 6)).toEqual([
    `::add-mask::${TOKEN}`,
    `::add-mask::${PEM.replace(/\n/g, '%0A')}`,
    '::add-mask::-----BEGIN RSA PRIVATE KEY-----',
    '::add-mask::MIIEpAIBAAKCAQEAtestonlyline1',
    '::add-mask::testonlyline2xyz',
    '::add-mask::-----END RSA PRIVATE KEY-----',
  ]);
  expect(lines.slice(6)).toEqual([
    '::error title=creds::input workflow: "teardown" is not a workflow the action runs: only rotate (run setup and teardown with the creds CLI, after reviewing their plan)',
    '::error title=creds::input older-than: "3 weeks" is not a duration such as 90d, 12h, 30m or 90s',
    '::error title=creds::input targets: "r00" is listed twice',
    '::error title=creds::input dry-run: "yes" is not true or false',
    '::error title=creds::input app-id: "abc" is neither an App ID (digits) nor a client ID (Iv…)',
    '::error title=creds::input app-installation-id: "12x" is not a whole number (the installation\'s id)',
    '::error title=creds::input github-token: give either github-token or the App (app-id, app-private-key), not both',
  ]);
  expect(run.summary).toBe('');
  expect(run.outputs).toEqual({});
  expect(w.github.requests).toEqual([]);
  expect(w.iam.calls.total).toBe(0);
});

it('a config the action cannot serve, or a target it does not have, is refused before any request', async () => {
  writeFileSync(join(ws.path, 'creds.config.json'), JSON.stringify(fleetConfig(['r00'], { type: 'keychain' })));
  const keychain = await runAction({ cwd: ws.path, env: w.env, inputs: { 'github-token': TOKEN } });
  expect(keychain.code).toBe(1);
  expect(keychain.stdout).toContain(`::error title=creds::${join(ws.path, 'creds.config.json')}: store type keychain is not available in the action`);

  writeFileSync(join(ws.path, 'other.yaml'), `region: eu-west-1\niam: { userName: gh-r00 }\ngithub: { owner: octo-org, repo: r00 }\n`);
  const unknown = await runAction({ cwd: ws.path, env: w.env, inputs: { 'github-token': TOKEN, config: 'other.yaml', targets: 'r00\nnope' } });
  expect(unknown.code).toBe(1);
  expect(unknown.stdout).toContain('::error title=creds::input targets: no target named "nope" in');

  const empty = await tempDir('creds-action-empty-');
  try {
    const none = await runAction({ cwd: empty.path, env: w.env, inputs: { 'github-token': TOKEN } });
    expect(none.code).toBe(1);
    expect(none.stdout).toContain(`::error title=creds::input config: not given, and no creds.config.json (or .yaml, .yml, .mjs) in ${empty.path}`);
  } finally {
    await empty.remove();
  }
  expect(w.github.requests).toEqual([]);
  expect(w.iam.calls.total).toBe(0);
});
