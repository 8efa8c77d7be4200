// @ts-check
// Embedding the creds engine in another tool: one custom KeyStore (in memory), custom steps,
// a run that crashes half-way, a resume that finishes it without redoing work, and a rollback
// that leaves nothing behind. Run it: node examples/embed/index.mjs
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CredsError, createRunner, createWorkflow, Secret } from '@creds/core';

/** @implements {import('@creds/core').KeyStore} */
class MemoryStore {
  type = 'memory';
  /** @type {Map<string, import('@creds/core').StoredKey>} */
  #keys = new Map();
  describe() {
    return 'process memory';
  }
  /** @param {string} name */
  async get(name) {
    return this.#keys.get(name);
  }
  /** @param {string} name @param {import('@creds/core').StoredKey} key */
  async put(name, key) {
    this.#keys.set(name, key);
  }
  /** @param {string} name */
  async delete(name) {
    return this.#keys.delete(name);
  }
  async list() {
    return [...this.#keys.keys()];
  }
}

/** @typedef {{ store: MemoryStore; outDir: string; crashOnPublish: boolean }} Env */

/** @type {import('@creds/core').Step<Env, { keyId: string }>} */
const issueToken = {
  id: 'token',
  title: 'issue a deploy token',
  async apply({ env }) {
    const existing = await env.store.get('demo');
    if (existing) return { keyId: existing.accessKeyId };
    const keyId = `DEMO${Date.now().toString(36).toUpperCase()}`;
    await env.store.put('demo', { accessKeyId: keyId, secretAccessKey: new Secret(`s3cr3t-${keyId}`) });
    return { keyId };
  },
  async undo({ env }) {
    await env.store.delete('demo');
  },
};

/** @type {import('@creds/core').Step<Env, { file: string }>} */
const writeConfig = {
  id: 'config',
  title: 'write the deploy config',
  dependsOn: ['token'],
  async apply(ctx) {
    const token = ctx.output('token');
    const file = join(ctx.env.outDir, 'deploy.json');
    writeFileSync(file, JSON.stringify({ keyId: /** @type {{keyId: string}} */ (token).keyId }));
    return { file };
  },
  async undo({ env }) {
    rmSync(join(env.outDir, 'deploy.json'), { force: true });
  },
};

/** @type {import('@creds/core').Step<Env, { announced: boolean }>} */
const publish = {
  id: 'publish',
  title: 'announce the deploy',
  dependsOn: ['config'],
  async apply({ env }) {
    if (env.crashOnPublish) throw new CredsError('simulated crash', { code: 'SIMULATED' });
    writeFileSync(join(env.outDir, 'announced'), '');
    return { announced: true };
  },
  async undo({ env }) {
    rmSync(join(env.outDir, 'announced'), { force: true });
  },
};

const workflow = createWorkflow('deploy', [issueToken, writeConfig, publish]);
const work = mkdtempSync(join(tmpdir(), 'creds-embed-'));
/** @type {Env} */
const env = { store: new MemoryStore(), outDir: work, crashOnPublish: true };
const runner = createRunner({
  journalPath: join(work, '.journal.jsonl'),
  onEvent: (event) => {
    if (event.type === 'step-succeeded') console.log(`  ✓ ${event.title}`);
    if (event.type === 'step-skipped') console.log(`  · ${event.title} (${event.reason})`);
    if (event.type === 'step-failed') console.log(`  ✗ ${event.title}: ${event.message}`);
    if (event.type === 'undo-succeeded') console.log(`  ↺ ${event.title}`);
  },
});

try {
  console.log('run:');
  await runner.run(workflow, env).catch((error) => console.log(`  run stopped (${error.code})`));
  console.log('resume:');
  env.crashOnPublish = false;
  const resumed = await runner.resume(workflow, env);
  console.log(`  applied ${resumed.applied.length}, skipped ${resumed.skipped.length}`);
  console.log('rollback:');
  await runner.rollback(workflow, env);
  const left = readdirSync(work).filter((f) => !f.startsWith('.journal'));
  console.log(`store entries left: ${(await env.store.list()).length}; files left: ${left.length}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
