/** Builds the XML of AWS Query protocol answers. */
export type XmlValue = string | number | boolean | undefined | null | XmlNode | XmlValue[];
export interface XmlNode {
  [element: string]: XmlValue;
}

export function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** Arrays become `<member>` lists, as the Query protocol serializes them. */
export function toXml(value: XmlValue): string {
  if (value === undefined || value === null) return '';
  if (Array.isArray(value)) return value.map((v) => `<member>${toXml(v)}</member>`).join('');
  if (typeof value === 'object') {
    return Object.entries(value)
      .filter(([, v]) => v !== undefined && v !== null)
      .map(([k, v]) => `<${k}>${toXml(v)}</${k}>`)
      .join('');
  }
  return escapeXml(String(value));
}

export function successXml(action: string, namespace: string, result: XmlNode | undefined, requestId: string): string {
  const body = result === undefined ? '' : `<${action}Result>${toXml(result)}</${action}Result>`;
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="${namespace}">${body}` +
    `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`
  );
}

export function errorXml(
  namespace: string,
  error: { type: string; code: string; message: string },
  requestId: string,
): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse xmlns="${namespace}"><Error><Type>${escapeXml(error.type)}</Type>` +
    `<Code>${escapeXml(error.code)}</Code><Message>${escapeXml(error.message)}</Message></Error>` +
    `<RequestId>${requestId}</RequestId></ErrorResponse>`
  );
}

/** AWS timestamps: ISO 8601 in UTC without milliseconds. */
export function awsDate(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Tags as the Query protocol lists them. */
export function tagsXml(tags: ReadonlyArray<{ Key: string; Value: string }>): XmlNode[] {
  return tags.map((t) => ({ Key: t.Key, Value: t.Value }));
}
