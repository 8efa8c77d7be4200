import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { INPUT } from '../src/inputs.js';
import { outputs } from '../src/report.js';
import { ACTION_DIR, metadata } from './helpers.js';

// GitHub's metadata syntax for actions: the keys it knows, the runtimes of a JavaScript action, input ids.
const TOP_LEVEL = ['name', 'author', 'description', 'inputs', 'outputs', 'runs', 'branding'];
const JAVASCRIPT_RUNTIMES = ['node20', 'node24'];
const INPUT_ID = /^[A-Za-z_][A-Za-z0-9_-]*$/;
const COLORS = ['white', 'black', 'yellow', 'blue', 'green', 'orange', 'red', 'purple', 'gray-dark'];

it('action.yml has what GitHub requires: name, description, a Node runtime and a main file that exists', () => {
  const meta = metadata();
  expect(Object.keys(meta).filter((k) => !TOP_LEVEL.includes(k))).toEqual([]);
  expect(typeof meta.name === 'string' && meta.name.length > 0).toBe(true);
  expect(typeof meta.description === 'string' && meta.description.length > 0).toBe(true);
  expect(meta.runs?.using).toBe('node24');
  expect(JAVASCRIPT_RUNTIMES).toContain(meta.runs?.using);
  expect(Object.keys(meta.runs ?? {}).sort()).toEqual(['main', 'using']);
  expect(typeof meta.runs?.main).toBe('string');
  expect(existsSync(join(ACTION_DIR, meta.runs!.main as string))).toBe(true);
  const branding = meta['branding'] as { icon?: unknown; color?: unknown };
  expect(typeof branding.icon).toBe('string');
  expect(COLORS).toContain(branding.color);
});

it('every input has a valid id, a description and a string default; ids stay distinct once the runner upper-cases them', () => {
  const inputs = metadata().inputs ?? {};
  for (const [id, spec] of Object.entries(inputs)) {
    expect(id, id).toMatch(INPUT_ID);
    expect(typeof spec.description === 'string' && spec.description.length > 0, id).toBe(true);
    expect(Object.keys(spec).filter((k) => !['description', 'required', 'default', 'deprecationMessage'].includes(k)), id).toEqual([]);
    if (spec.required !== undefined) expect(typeof spec.required, id).toBe('boolean');
    if (spec.default !== undefined) expect(typeof spec.default, id).toBe('string');
  }
  const envNames = Object.keys(inputs).map((id) => `INPUT_${id.toUpperCase()}`);
  expect(new Set(envNames).size).toBe(envNames.length);
});

it('the inputs the code reads are exactly those action.yml declares, and so are the outputs it sets', () => {
  const declared = Object.keys(metadata().inputs ?? {}).sort();
  expect(Object.values(INPUT).sort()).toEqual(declared);
  // No input is read by a name written elsewhere than INPUT.
  for (const file of readdirSync(join(ACTION_DIR, 'src'))) {
    const text = readFileSync(join(ACTION_DIR, 'src', file), 'utf8');
    expect(text.match(/\.input\(\s*['"`]/g) ?? [], file).toEqual([]);
    expect(text.match(/INPUT_[A-Z]/g) ?? [], file).toEqual([]);
  }
  // Each declared input reaches the bundle the runner starts.
  const bundle = readFileSync(join(ACTION_DIR, 'dist', 'index.js'), 'utf8');
  for (const id of declared) expect(bundle, id).toContain(`"${id}"`);
  const meta = metadata();
  expect(Object.keys(outputs([])).sort()).toEqual(Object.keys(meta.outputs ?? {}).sort());
  for (const [id, spec] of Object.entries(meta.outputs ?? {})) {
    expect(id).toMatch(INPUT_ID);
    expect(typeof spec.description === 'string' && spec.description.length > 0, id).toBe(true);
  }
});
