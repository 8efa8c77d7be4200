// What a user gets from the registry: every publishable package packed as `pnpm pack` makes it,
// installed with plain `npm install` into an empty folder outside the checkout, then used from
// there — the `creds` command through npx, and the library and the engine from an .mjs file.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import semver from 'semver';
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

let work: string;
let packs: string;
let npmOutput = '';
// npm and npx reach the registry the way this machine's npm does. A proxy, or a TLS-inspecting
// gateway whose authority only the environment names (NODE_EXTRA_CA_CERTS), is configured there;
// without it every registry request fails its TLS check, and npm retries each for about 70 s
// before it falls back to its cache, which looks like a hang.
const network = Object.fromEntries(
  ['NODE_EXTRA_CA_CERTS', 'HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'NO_PROXY', 'no_proxy']
    .filter((name) => process.env[name] !== undefined)
    .map((name) => [name, process.env[name]]),
);
const env = {
  ...BASE_ENV,
  ...network,
  npm_config_update_notifier: 'false',
  npm_config_fund: 'false',
  npm_config_audit: 'false',
};

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a command with no stdin, so nothing can wait on a prompt, and stops it and everything it
 * started (its process group: npx runs the CLI through a shell) when it outlives `limitS`, failing
 * with the command's name and what it wrote so far.
 */
function run(command: string, args: string[], cwd: string, limitS: number): Promise<Run> {
  const line = [command, ...args].join(' ');
  return new Promise((done, fail) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const out = { stdout: '', stderr: '' };
    for (const stream of ['stdout', 'stderr'] as const) {
      child[stream].setEncoding('utf8').on('data', (d: string) => {
        out[stream] += d;
      });
    }
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }, limitS * 1000);
    child.on('error', (error) => {
      clearTimeout(timer);
      fail(new Error(`\`${line}\` could not start in ${cwd}: ${error.message}`));
    });
    child.on('close', (status) => {
      clearTimeout(timer);
      if (timedOut) fail(new Error(`\`${line}\` in ${cwd} did not finish within ${limitS} s; it wrote:\n${out.stdout}${out.stderr}`));
      else done({ status, ...out });
    });
  });
}

beforeAll(async () => {
  const started = Date.now();
  work = mkdtempSync(join(tmpdir(), 'creds-npm-'));
  packs = join(work, 'packs');
  const pnpm = join(REPO_ROOT, 'node_modules', '.bin', 'pnpm');
  for (const dir of publishable) {
    const pack = await run(pnpm, ['pack', '--pack-destination', packs], dir, 60);
    if (pack.status !== 0) throw new Error(`pnpm pack failed in ${dir}:\n${pack.stdout}${pack.stderr}`);
  }
  const user = join(work, 'project');
  mkdirSync(user);
  writeFileSync(join(user, 'package.json'), '{ "name": "a-users-project", "private": true, "type": "module" }\n');
  const tarballs = readdirSync(packs).map((file) => join(packs, file));
  const result = await run('npm', ['install', ...tarballs], user, 300);
  npmOutput = `${result.stdout}${result.stderr}`;
  if (result.status !== 0) throw new Error(`npm install failed:\n${npmOutput}`);
  const npmVersion = (await run('npm', ['--version'], user, 30)).stdout.trim();
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.info(`packed ${tarballs.length} packages and installed them with npm ${npmVersion} on Node ${process.version} in ${seconds} s`);
}, 600_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

const inProject = () => join(work, 'project');
const npx = (...args: string[]) => run('npx', ['--no-install', ...args], inProject(), 50);

it('every package a user installs is public, with the fields a registry page needs', () => {
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

it(`npm install of the tarballs warns of no engine, and nothing it installed needs a Node newer than ${oldestNode}`, () => {
  // npm checks engines against the Node running it (npm 11 ignores --node-version), so the oldest
  // supported Node is checked here, with npm's own rule, against every package the lockfile lists.
  expect(npmOutput).not.toMatch(/EBADENGINE|Unsupported engine/);
  const lock = JSON.parse(readFileSync(join(inProject(), 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { version?: string; engines?: { node?: string } }>;
  };
  const oldest = semver.coerce(oldestNode)!.version;
  const tooNew = Object.entries(lock.packages)
    // Optional packages for another platform are listed but not installed.
    .filter(([path, pkg]) => path !== '' && existsSync(join(inProject(), path)) && pkg.engines?.node)
    .filter(([, pkg]) => !semver.satisfies(oldest, pkg.engines!.node!, { includePrerelease: true }))
    .map(([path, pkg]) => `${path.replace(/^.*node_modules\//, '')}@${pkg.version} wants Node ${pkg.engines!.node}`);
  expect(Object.keys(lock.packages).length).toBeGreaterThan(publishable.length);
  expect(tooNew).toEqual([]);
  expect(existsSync(join(inProject(), 'node_modules', '.bin', 'creds'))).toBe(true);
});

it('npx creds sets up the sandbox and reports it in sync, with its state in the folder it ran in', async () => {
  const setup = await npx('creds', 'run', 'setup', '--sandbox', '--yes');
  expect(setup.stderr + setup.stdout).toContain('setup succeeded');
  expect(setup.status).toBe(0);
  expect(existsSync(join(inProject(), '.creds', 'keys.json'))).toBe(true);
  const status = await npx('creds', 'status', '--sandbox');
  expect(status.stdout).toContain('in sync');
  expect(status.status).toBe(0);
}, 120_000);

it('an .mjs file imports the library and the engine and runs a workflow with a custom step', async () => {
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
  const custom = await run(process.execPath, ['custom.mjs'], inProject(), 30);
  expect(custom.stderr).toBe('');
  expect(custom.stdout).toBe('applied 1; stored custom\nafter rollback: 0 entries\n');
  expect(custom.status).toBe(0);
});
