// What a user gets from the registry: every publishable package packed as `pnpm pack` makes it,
// installed with plain `npm install` into an empty folder outside the checkout, then used from
// there — the `creds` command through npx, and the library and the engine from an .mjs file.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { BASE_ENV, REPO_ROOT } from './helpers.js';

interface Manifest {
  name: string;
  private?: boolean;
  engines?: { node?: string };
  bin?: Record<string, string>;
}

const manifest = (dir: string): Manifest => JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
const workspaceDirs = ['packages', 'apps'].flatMap((group) =>
  readdirSync(join(REPO_ROOT, group)).map((name) => join(REPO_ROOT, group, name)),
);
const publishable = workspaceDirs.filter((dir) => existsSync(join(dir, 'package.json')) && !manifest(dir).private);
const library = manifest(join(REPO_ROOT, 'packages', 'creds')).name;
// The oldest Node.js creds supports, as the root package.json states it.
const oldestNode = /^>=\s*(\d+\.\d+(?:\.\d+)?)$/.exec(manifest(REPO_ROOT).engines?.node ?? '')?.[1];

// The install a user makes is checked on the Node.js major that runs the README's commands in CI
// (the oldest supported); the passes on newer majors reuse the build for the test suites only.
const onOldestMajor = process.versions.node.split('.')[0] === oldestNode?.split('.')[0];
const check = it.skipIf(!onOldestMajor);

let work: string;
let packs: string;
let npmOutput = '';
const env = { ...BASE_ENV, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' };

beforeAll(() => {
  if (!onOldestMajor) return;
  const started = Date.now();
  work = mkdtempSync(join(tmpdir(), 'creds-npm-'));
  packs = join(work, 'packs');
  const pnpm = join(REPO_ROOT, 'node_modules', '.bin', 'pnpm');
  for (const dir of publishable) {
    execFileSync(pnpm, ['pack', '--pack-destination', packs], { cwd: dir, env, stdio: 'pipe' });
  }
  const user = join(work, 'project');
  execFileSync('mkdir', [user]);
  writeFileSync(join(user, 'package.json'), '{ "name": "a-users-project", "private": true, "type": "module" }\n');
  const tarballs = readdirSync(packs).map((file) => join(packs, file));
  // Engines are checked against the oldest Node creds supports, whatever Node runs this test.
  const result = spawnSync('npm', ['install', `--node-version=${oldestNode}`, ...tarballs], {
    cwd: user,
    env,
    encoding: 'utf8',
  });
  npmOutput = `${result.stdout}${result.stderr}`;
  if (result.status !== 0) throw new Error(`npm install failed:\n${npmOutput}`);
  console.info(`packed ${tarballs.length} packages and installed them with npm in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}, 600_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

const inProject = () => join(work, 'project');
const npx = (...args: string[]) => spawnSync('npx', ['--no-install', ...args], { cwd: inProject(), env, encoding: 'utf8' });

check('every package a user installs is public, with the fields a registry page needs', () => {
  expect(oldestNode).toMatch(/^\d+\.\d+/);
  expect(publishable.length).toBeGreaterThanOrEqual(10);
  for (const dir of publishable) {
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    for (const field of ['files', 'license', 'repository', 'engines', 'publishConfig', 'exports']) {
      expect(pkg[field], `${pkg.name}: ${field}`).toBeDefined();
    }
    expect(pkg.engines.node, pkg.name).toBe(`>=${oldestNode}`);
    expect(existsSync(join(dir, 'README.md')), `${pkg.name}: README.md`).toBe(true);
  }
  const cli = publishable.map(manifest).find((pkg) => pkg.bin);
  expect(cli?.bin).toEqual({ creds: './bin/creds.js' });
});

check(`npm install of the tarballs warns of no engine on Node ${oldestNode}`, () => {
  expect(npmOutput).not.toMatch(/EBADENGINE|Unsupported engine/);
  expect(existsSync(join(inProject(), 'node_modules', '.bin', 'creds'))).toBe(true);
});

check('npx creds sets up the sandbox and reports it in sync, with its state in the folder it ran in', () => {
  const setup = npx('creds', 'run', 'setup', '--sandbox', '--yes');
  expect(setup.stderr + setup.stdout).toContain('setup succeeded');
  expect(setup.status).toBe(0);
  expect(existsSync(join(inProject(), '.creds', 'keys.json'))).toBe(true);
  const status = npx('creds', 'status', '--sandbox');
  expect(status.stdout).toContain('in sync');
  expect(status.status).toBe(0);
}, 120_000);

check('an .mjs file imports the library and the engine and runs a workflow with a custom step', () => {
  writeFileSync(
    join(inProject(), 'custom.mjs'),
    `import { createRunner, createWorkflow, Secret } from '@creds/core';
import { createStore } from '${library}';

const store = await createStore({ type: 'json', path: '.creds/custom-keys.json' }, process.cwd());
const workflow = createWorkflow('custom', [
  {
    id: 'put-key',
    title: 'keep a key',
    async apply({ env }) {
      await env.store.put('custom', { accessKeyId: 'AKIAEXAMPLEEXAMPLE01', secretAccessKey: new Secret('not-a-real-secret') });
      return { name: 'custom' };
    },
    async undo({ env }) {
      await env.store.delete('custom');
    },
  },
]);
const runner = createRunner({ journalPath: '.creds/custom.jsonl' });
const result = await runner.run(workflow, { store });
console.log(\`applied \${result.applied.length}; stored \${(await store.list()).join(',')}\`);
await runner.rollback(workflow, { store });
console.log(\`after rollback: \${(await store.list()).length} entries\`);
`,
  );
  const run = spawnSync(process.execPath, ['custom.mjs'], { cwd: inProject(), env, encoding: 'utf8' });
  expect(run.stderr).toBe('');
  expect(run.stdout).toBe('applied 1; stored custom\nafter rollback: 0 entries\n');
  expect(run.status).toBe(0);
});
