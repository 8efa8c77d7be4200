import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { ACTION_DIR, ENTRY } from './helpers.js';

it('the committed dist/index.js is the build output of the current sources', () => {
  const check = spawnSync(process.execPath, [join(ACTION_DIR, 'bundle.mjs'), '--check'], { encoding: 'utf8' });
  expect(check.stderr, 'run `corepack pnpm --filter @creds/action bundle` and commit apps/action/dist/index.js').toBe('');
  expect(check.status).toBe(0);
}, 60_000);

it('the bundle is one file: no import of a workspace or npm package is left to resolve at run time, but the stores left out', () => {
  const text = readFileSync(ENTRY, 'utf8');
  const imports = [...text.matchAll(/(?:^|[\s;])(?:import\s*(?:[\w*{}\s,]+from\s*)?|import\(|require\()\s*["']([^"']+)["']/gm)].map((m) => m[1]!);
  const builtin = (s: string) => s.startsWith('node:') || builtinModules.includes(s);
  expect(imports.filter(builtin).length).toBeGreaterThan(10);
  const packages = [...new Set(imports.filter((s) => !builtin(s)))].sort();
  // A config that asks for these gets a clear error before anything would load them.
  expect(packages).toEqual(['@creds/store-1password', '@creds/store-keychain']);
});
