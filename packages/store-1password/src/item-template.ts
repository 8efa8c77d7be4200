import { Secret, type StoredKey } from '@creds/core';
import { badOutput } from './errors.js';

export const TAG = 'creds';
export const TITLE_PREFIX = 'creds: ';

export const titleFor = (name: string): string => `${TITLE_PREFIX}${name}`;

/** The entry name an item title stands for, or undefined for items creds did not name. */
export function nameFromTitle(title: string): string | undefined {
  return title.startsWith(TITLE_PREFIX) ? title.slice(TITLE_PREFIX.length) : undefined;
}

interface TemplateField {
  id: string;
  type: 'STRING' | 'CONCEALED';
  purpose?: 'NOTES';
  label: string;
  value: string;
}

/**
 * The item JSON template (as `op item template get "API Credential"` describes) piped to
 * `op item create -`. The built-in `username` and `credential` fields hold the key id and secret.
 */
export function itemTemplate(name: string, key: StoredKey): string {
  const fields: TemplateField[] = [
    { id: 'username', type: 'STRING', label: 'access key id', value: key.accessKeyId },
    { id: 'credential', type: 'CONCEALED', label: 'secret access key', value: key.secretAccessKey.reveal() },
    { id: 'creds_entry', type: 'STRING', label: 'creds entry', value: name },
  ];
  if (key.region !== undefined) fields.push({ id: 'region', type: 'STRING', label: 'region', value: key.region });
  if (key.createdAt !== undefined) fields.push({ id: 'creds_created_at', type: 'STRING', label: 'stored at', value: key.createdAt });
  if (key.note !== undefined) fields.push({ id: 'notesPlain', type: 'STRING', purpose: 'NOTES', label: 'notesPlain', value: key.note });
  return JSON.stringify({ title: titleFor(name), category: 'API_CREDENTIAL', tags: [TAG], fields });
}

export interface ListedItem {
  id: string;
  title: string;
  createdAt: string;
  updatedAt: string;
}

/** Parses `op item list --format json`. */
export function parseItemList(stdout: string): ListedItem[] {
  const data = parseJson(stdout, 'item list');
  if (!Array.isArray(data)) throw badOutput('item list');
  return data.flatMap((raw: unknown) => {
    if (typeof raw !== 'object' || raw === null) return [];
    const { id, title, created_at, updated_at } = raw as Record<string, unknown>;
    if (typeof id !== 'string' || typeof title !== 'string') return [];
    return [{ id, title, createdAt: String(created_at ?? ''), updatedAt: String(updated_at ?? '') }];
  });
}

/** Parses `op item get --format json --reveal` into a StoredKey. */
export function parseItem(stdout: string): StoredKey {
  const data = parseJson(stdout, 'item get');
  const fields = (data as { fields?: unknown } | null)?.fields;
  if (!Array.isArray(fields)) throw badOutput('item get');
  const byId = new Map<string, string>();
  for (const f of fields as Array<Record<string, unknown>>) {
    if (typeof f?.['id'] === 'string' && typeof f['value'] === 'string') byId.set(f['id'], f['value']);
  }
  const accessKeyId = byId.get('username');
  const secret = byId.get('credential');
  if (accessKeyId === undefined || secret === undefined) throw badOutput('item get (no username/credential field)');
  const key: StoredKey = { accessKeyId, secretAccessKey: new Secret(secret) };
  const region = byId.get('region');
  const note = byId.get('notesPlain');
  const createdAt = byId.get('creds_created_at');
  if (region !== undefined && region !== '') key.region = region;
  if (note !== undefined && note !== '') key.note = note;
  if (createdAt !== undefined && createdAt !== '') key.createdAt = createdAt;
  return key;
}

/** Parses op's JSON without ever quoting it in an error (item output holds the secret). */
function parseJson(stdout: string, what: string): unknown {
  try {
    return JSON.parse(stdout);
  } catch {
    throw badOutput(what);
  }
}
