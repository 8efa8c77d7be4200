/**
 * A policy document's canonical form for comparing what IAM holds with what creds would write:
 * parsed, object keys sorted, re-serialised. Text that is not JSON compares as itself.
 */
export function canonicalPolicy(text: string | undefined): string {
  if (text === undefined) return '';
  const sort = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(sort)
      : v !== null && typeof v === 'object'
        ? Object.fromEntries(
            Object.entries(v)
              .sort(([a], [b]) => a.localeCompare(b))
              .map(([k, x]) => [k, sort(x)]),
          )
        : v;
  try {
    return JSON.stringify(sort(JSON.parse(text)));
  } catch {
    return text;
  }
}
