import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PREFLIGHT_STEPS, resolveConfig, workflowNames, workflowRegistry } from '../src/index.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const SOURCES = ['packages/creds/src', 'apps/cli/src'];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** Every step id a module names, with the file that must be the only one to spell it. */
async function ownedIds(): Promise<Array<{ id: string; owner: string }>> {
  const ids: Array<{ id: string; owner: string }> = Object.values(PREFLIGHT_STEPS).map((id) => ({ id, owner: 'packages/creds/src/workflows/preflight.ts' }));
  for (const name of workflowNames(workflowRegistry)) {
    const module = await workflowRegistry[name].load();
    for (const id of Object.values(module.steps)) ids.push({ id, owner: `packages/creds/src/workflows/${name}.ts` });
  }
  return ids;
}

describe('the workflow registry', () => {
  it('names each module under its own name, and each builds a workflow of that name', async () => {
    const config = await resolveConfig(
      {
        region: 'eu-west-1',
        iam: {
          userName: 'gh-demo',
          policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] },
          managedPolicyArns: ['arn:aws:iam::aws:policy/ReadOnlyAccess'],
        },
        github: { owner: 'octo-org', repo: 'demo' },
        oidc: { roleName: 'gh-demo-oidc' },
      },
      { path: '/nowhere/creds.config.json', dir: '/nowhere' },
    );
    const target = config.targets[0]!;
    const store = { get: async () => ({ accessKeyId: 'AKIAOLDKEY0000000000' }) };
    expect(workflowNames(workflowRegistry)).toEqual(['setup', 'teardown', 'rotate', 'oidc', 'migrate-to-oidc']);
    for (const name of workflowNames(workflowRegistry)) {
      const module = await workflowRegistry[name].load();
      expect(module.name).toBe(name);
      // biome-ignore lint/suspicious/noExplicitAny: only rotate's build reads env (the store), nothing else of it
      const workflow = await module.build({ target, followers: [], env: { target, store } as any, runs: [] });
      expect(workflow.name).toBe(name);
      for (const id of Object.values(module.steps)) expect(workflow.steps.has(id), `${name} has step ${id}`).toBe(true);
    }
  });

  it('no step id is spelled outside the module that owns it (renaming one must not silently break resume, rollback or drift)', async () => {
    const ids = await ownedIds();
    expect(ids.length).toBeGreaterThan(15);
    const files = SOURCES.flatMap((dir) => sourceFiles(join(ROOT, dir)));
    const found: string[] = [];
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      const path = relative(ROOT, file);
      for (const { id, owner } of ids) {
        const uses = text.split(new RegExp(`['"\`]${id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}['"\`]`)).length - 1;
        if (path === owner ? uses !== 1 : uses > 0) found.push(`${path}: '${id}' ${uses}× (owned by ${owner}, which spells it once)`);
      }
    }
    expect(found).toEqual([]);
  });
});
