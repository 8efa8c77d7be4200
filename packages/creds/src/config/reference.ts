import { z } from 'zod';
import { configSchema } from './schema.js';

type JsonSchema = {
  type?: string;
  description?: string;
  default?: unknown;
  enum?: unknown[];
  const?: unknown;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  additionalProperties?: JsonSchema | boolean;
  pattern?: string;
};

/** The JSON Schema of creds.config.json, generated from the same zod schema that validates it. */
export function configJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(configSchema, { io: 'input' }) as Record<string, unknown>;
  return { ...schema, $id: 'https://creds.dev/schema/creds.config.json', title: 'creds configuration' };
}

/** The configuration reference as Markdown rows, one per field, generated from the schema. */
export function configReference(): string {
  const rows: string[] = ['| field | type | default | description |', '|---|---|---|---|'];
  const walk = (node: JsonSchema, path: string): void => {
    const variants = node.oneOf ?? node.anyOf;
    if (variants) {
      for (const variant of variants) walk(variant, path);
      return;
    }
    for (const [key, child] of Object.entries(node.properties ?? {})) {
      if (key === '$schema') continue;
      const field = path ? `${path}.${key}` : key;
      if (child.const !== undefined) continue;
      rows.push(`| \`${field}\` | ${typeOf(child)} | ${child.default === undefined ? '' : `\`${JSON.stringify(child.default)}\``} | ${child.description ?? ''} |`);
      if (child.properties || child.oneOf || child.anyOf) walk(child, field);
      if (child.items?.properties) walk(child.items, `${field}[]`);
    }
  };
  walk(configJsonSchema() as JsonSchema, '');
  return [...new Set(rows)].join('\n');
}

function typeOf(node: JsonSchema): string {
  if (node.enum) return node.enum.map((v) => `\`${JSON.stringify(v)}\``).join(' \\| ');
  const variants = node.oneOf ?? node.anyOf;
  if (variants) {
    const kinds = variants.map((v) => v.properties?.['type']?.const).filter((k) => k !== undefined);
    return kinds.length > 0 ? `one of type ${kinds.map((k) => `\`${String(k)}\``).join(', ')}` : 'object';
  }
  if (node.type === 'array') return `array of ${node.items?.type ?? 'object'}`;
  if (node.type === 'object' && node.additionalProperties && typeof node.additionalProperties === 'object' && !node.properties) {
    return `map of ${node.additionalProperties.type ?? 'any'}`;
  }
  return node.type ?? 'any';
}
