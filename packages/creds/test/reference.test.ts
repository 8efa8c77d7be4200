import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configJsonSchema, configReference } from '../src/index.js';

const read = (path: string) => readFileSync(new URL(path, import.meta.url), 'utf8');

describe('the configuration reference cannot go stale', () => {
  it('docs/configuration.md holds the table generated from the schema', () => {
    const doc = read('../../../docs/configuration.md');
    const block = /<!-- generated:config-reference -->\n([\s\S]*?)\n<!-- \/generated:config-reference -->/.exec(doc)?.[1];
    expect(block, 'regenerate with: node packages/creds/scripts/write-schema.mjs --docs').toBe(configReference());
  });

  it('the shipped schema.json is the zod schema’s JSON Schema', () => {
    expect(JSON.parse(read('../schema.json'))).toEqual(configJsonSchema());
  });
});
