/** Values that break naive quoting in shells, JSON, D-Bus, XML and CLI templates. */
export const ODD_VALUES: ReadonlyArray<{ label: string; value: string }> = [
  { label: 'double and single quotes', value: `he said "it's" ''"" done` },
  { label: 'newlines and tabs', value: 'line one\nline two\r\n\tindented\n' },
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal ${...} is the point of this value
  { label: 'dollar signs', value: '$HOME ${PATH} $(whoami) $$ $1' },
  { label: 'backticks', value: '`rm -rf /` ``nested`` `' },
  { label: 'backslashes and JSON escapes', value: '\\n is not a newline \\" \\u0041 {"a":[1]}' },
  { label: 'multi-byte characters', value: 'café — 鍵の秘密 — 🔑🗝️ — ñandú — ключ' },
  { label: 'shell metacharacters', value: '; | & < > * ? ~ # ! % ^ ( ) [ ] { }' },
];

/** A 40-character secret in the shape AWS uses, different every call. */
export function fakeSecretAccessKey(seed: string): string {
  const base = Buffer.from(`${seed}-${Math.random()}-${Date.now()}`).toString('base64');
  return `sk/${base}`.replace(/=/g, '+').padEnd(40, 'Q').slice(0, 40);
}

export function fakeAccessKeyId(): string {
  const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let id = 'AKIA';
  for (let i = 0; i < 16; i++) id += chars[Math.floor(Math.random() * chars.length)];
  return id;
}
