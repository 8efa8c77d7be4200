import { describe, expect, it } from 'vitest';
import { describeOwnerTags, type Ownership, ownershipOf, ownershipTags, scopeTagValue } from '../src/index.js';

const tags = (record: Record<string, string>) => Object.entries(record).map(([Key, Value]) => ({ Key, Value }));
const owner = { target: 'api', scope: 'repo:org-b/api' };

describe('ownershipOf', () => {
  const cases: Array<[string, Record<string, string>, Ownership]> = [
    ['no tags', {}, 'foreign'],
    ['made for this target and scope', { 'creds:managed-by': 'creds', 'creds:target': 'api', 'creds:scope': 'repo:org-b/api' }, 'owned'],
    ['scope spelled in another case (GitHub names ignore case)', { 'creds:managed-by': 'creds', 'creds:target': 'api', 'creds:scope': 'repo:Org-B/API' }, 'owned'],
    ['same target name, another repository', { 'creds:managed-by': 'creds', 'creds:target': 'api', 'creds:scope': 'repo:org-a/api' }, 'other-target'],
    ['another target name', { 'creds:managed-by': 'creds', 'creds:target': 'web', 'creds:scope': 'repo:org-b/api' }, 'other-target'],
    ['an older creds (no scope tag), same target name', { 'creds:managed-by': 'creds', 'creds:target': 'api' }, 'owned'],
    ['adopted for this target', { 'creds:managed-by': 'creds', 'creds:target': 'api', 'creds:scope': 'repo:org-b/api', 'creds:adopted': 'true' }, 'adopted'],
    ['tag keys in another case', { 'Creds:Managed-By': 'creds', 'CREDS:TARGET': 'api', 'creds:Scope': 'repo:org-b/api' }, 'owned'],
  ];
  it.each(cases)('%s', (_name, record, expected) => {
    expect(ownershipOf(tags(record), owner)).toBe(expected);
  });

  it('a stored scope is compared as written: lower case, so the tag from ownershipTags matches', () => {
    const written = ownershipTags({ target: 'api', scope: 'repo:Org-B/Api' }, false);
    expect(written['creds:scope']).toBe('repo:org-b/api');
    expect(ownershipOf(tags(written), { target: 'api', scope: 'repo:ORG-B/api' })).toBe('owned');
  });
});

describe('scopeTagValue', () => {
  it('keeps a scope that fits IAM tag values as it is (lower case)', () => {
    expect(scopeTagValue('environment:Octo/Demo/Prod')).toBe('environment:octo/demo/prod');
  });

  it.each([
    ['a 255-character environment name', `environment:octo-org/demo/${'e'.repeat(255)}`],
    ['characters IAM tags refuse', 'environment:octo-org/demo/prod (eu) #1'],
  ])('hashes %s into a value IAM accepts, the same each time', (_name, scope) => {
    const value = scopeTagValue(scope);
    expect(value).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(value.length).toBeLessThanOrEqual(256);
    expect(scopeTagValue(scope)).toBe(value);
    expect(scopeTagValue(`${scope}x`)).not.toBe(value);
  });
});

it('describeOwnerTags names the target and its repository, or says an older creds made it', () => {
  expect(describeOwnerTags(tags({ 'creds:target': 'api', 'creds:scope': 'repo:org-a/api' }))).toBe('target api of org-a/api');
  expect(describeOwnerTags(tags({ 'creds:target': 'api', 'creds:scope': 'environment:o/r/prod' }))).toBe('target api of o/r (environment prod)');
  expect(describeOwnerTags(tags({ 'creds:target': 'x', 'creds:scope': 'org:octo-org' }))).toBe('target x of organization octo-org');
  expect(describeOwnerTags(tags({ 'creds:target': 'api' }))).toContain('older creds');
});
