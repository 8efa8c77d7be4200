import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { fleetConfig, runAction, tempDir, transcript, world } from './helpers.js';

const REPOS = ['a0', 'a1', 'a2'];
let w: Awaited<ReturnType<typeof world>>;
let ws: Awaited<ReturnType<typeof tempDir>>;

beforeAll(async () => {
  w = await world(REPOS);
  ws = await tempDir('creds-action-app-');
  const raw = fleetConfig(REPOS, { type: 'none' });
  writeFileSync(join(ws.path, 'creds.config.json'), JSON.stringify(raw));
  await w.setup(raw, ws.path);
}, 60_000);
afterAll(async () => {
  await w?.close();
  await ws?.remove();
});

it('with app-id and app-private-key the action mints the installation token itself (found for the owner), and never prints the key', async () => {
  expect(w.github.installationTokens(w.installationId)).toEqual([]);
  const before = new Map(REPOS.map((r) => [r, w.user(`gh-${r}`)!.accessKeys[0]!.accessKeyId]));
  const run = await runAction({ cwd: ws.path, env: w.env, inputs: { 'app-id': String(w.app.appId), 'app-private-key': w.app.privateKeyPem } });
  expect(run.code, run.stdout).toBe(0);
  expect(run.outputs['rotated']).toBe(JSON.stringify(REPOS));
  for (const repo of REPOS) {
    const keys = w.user(`gh-${repo}`)!.accessKeys;
    expect(keys).toHaveLength(1);
    expect(keys[0]!.accessKeyId).not.toBe(before.get(repo));
    expect(w.github.secretValue({ owner: 'octo-org', repo }, 'AWS_ACCESS_KEY_ID')).toBe(keys[0]!.accessKeyId);
  }
  const minted = w.github.installationTokens(w.installationId).map((t) => t.token);
  expect(minted.length).toBeGreaterThan(0);
  // The key's lines are masked before anything else; neither the key nor a minted token is printed.
  const keyLines = w.app.privateKeyPem.split('\n').filter((l) => l.trim() !== '');
  const masks = run.stdout.split('\n').slice(0, keyLines.length + 1);
  expect(masks.slice(1)).toEqual(keyLines.map((l) => `::add-mask::${l.trim()}`));
  const printed = transcript.join('\n').split('\n').filter((l) => !l.startsWith('::add-mask::')).join('\n');
  for (const line of keyLines.filter((l) => !l.startsWith('-----'))) expect(printed).not.toContain(line);
  for (const token of minted) expect(printed).not.toContain(token);
}, 90_000);
