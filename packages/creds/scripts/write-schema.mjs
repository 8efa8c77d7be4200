// Writes schema.json (shipped with the package, for `$schema` editor completion) from the zod
// schema; with --docs, also the generated table in docs/configuration.md.
import { readFileSync, writeFileSync } from 'node:fs';
import { configJsonSchema, configReference } from '../dist/config/reference.js';

writeFileSync(new URL('../schema.json', import.meta.url), `${JSON.stringify(configJsonSchema(), null, 2)}\n`);
if (process.argv.includes('--docs')) {
  const doc = new URL('../../../docs/configuration.md', import.meta.url);
  const text = readFileSync(doc, 'utf8').replace(
    /(<!-- generated:config-reference -->\n)[\s\S]*?(<!-- \/generated:config-reference -->)/,
    (_m, open, close) => `${open}${configReference()}\n${close}`,
  );
  writeFileSync(doc, text);
}
