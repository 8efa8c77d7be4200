import { randomBytes } from 'node:crypto';

/**
 * Entry names unique to one run of the suite, so stores that share state between tests (a real
 * keychain) never see another test's entries. Shaped like the names creds gives (`owner/repo`).
 */
export function uniqueName(label: string): string {
  return `conformance-${randomBytes(4).toString('hex')}/${label}`;
}
