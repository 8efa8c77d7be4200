import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRunner, createWorkflow } from '@creds/core';
import { afterEach, expect, it } from 'vitest';
import { accessKeyStep, iamUserStep, inlinePolicyStep } from '../src/index.js';
import { world } from './helpers.js';

const here = dirname(fileURLToPath(import.meta.url));
const driver = join(here, 'fixtures', 'crash-driver.mjs');
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const POLICY = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] };
const workflow = () =>
  createWorkflow('setup', [
    iamUserStep({ userName: 'ci-deployer', target: 'octo/app' }),
    inlinePolicyStep({ userName: 'ci-deployer', region: 'eu-west-1', dependsOn: ['iam-user'], policy: POLICY }),
    accessKeyStep({ userName: 'ci-deployer', storeName: 'octo-app', dependsOn: ['iam-user'] }),
  ]);

it('SIGKILL between CreateAccessKey and the store write: resume deletes the orphan and makes a new key', async () => {
  if (!existsSync(join(here, '..', 'dist', 'index.js'))) {
    throw new Error('build first: corepack pnpm turbo run build --filter @creds/aws-iam...');
  }
  const w = await world();
  const dir = mkdtempSync(join(tmpdir(), 'creds-crash-'));
  dirs.push(dir);
  const journal = join(dir, 'journal.jsonl');

  const child = spawn(process.execPath, [driver], {
    cwd: join(here, '..'),
    env: {
      ...process.env,
      SANDBOX_URL: w.sandbox.url,
      JOURNAL: journal,
      ACCESS_KEY_ID: w.sandbox.admin.accessKeyId,
      SECRET_ACCESS_KEY: w.sandbox.admin.secretAccessKey,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const killed = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      if (d.toString().includes('STORE-PUT-STARTED')) child.kill('SIGKILL');
    });
    child.on('exit', (code, signal) => (signal ? resolve(signal) : reject(new Error(`driver exited ${code}: ${stderr}`))));
  });
  expect(killed).toBe('SIGKILL');

  const before = w.sandbox.state().users[0]!;
  expect(before.accessKeys).toHaveLength(1);
  const orphan = before.accessKeys[0]!.accessKeyId;
  expect(w.store.entries.size).toBe(0);

  const runner = createRunner<typeof w.env>({ journalPath: journal });
  const result = await runner.resume(workflow(), w.env);
  const out = result.outputs['iam-access-key'] as { accessKeyId: string; deletedOrphans: string[] };
  expect(out.deletedOrphans).toEqual([orphan]);
  const after = w.sandbox.state().users[0]!;
  expect(after.accessKeys.map((k) => k.accessKeyId)).toEqual([out.accessKeyId]);
  expect(w.store.entries.get('octo-app')?.accessKeyId).toBe(out.accessKeyId);
  expect(after.tags.some((t) => t.Key === 'creds:key-pending')).toBe(false);

  // No secret in the journal: neither the orphan's nor the new key's.
  const text = readFileSync(journal, 'utf8');
  for (const secret of w.sandbox.issuedSecrets()) expect(text).not.toContain(secret);

  await runner.rollback(workflow(), w.env);
  expect(w.sandbox.state().users).toEqual([]);
  expect(w.store.entries.size).toBe(0);
}, 30_000);
