import { ValidationError, ValidationErrors } from '@creds/core';
import { describe, expect, it } from 'vitest';
import { buildTrustPolicy, oidcProviderArn, oidcRoleStep, rolePoliciesStep, trustPolicyText, validateSubjects } from '../src/index.js';

const repo = { owner: 'octo-org', repo: 'demo' };
const PROVIDER = oidcProviderArn('123456789012');

function failure(run: () => unknown): { field: string; rule: string; hint?: string | undefined } {
  try {
    run();
  } catch (error) {
    const first = error instanceof ValidationErrors ? error.issues[0]! : (error as ValidationError);
    expect(first).toBeInstanceOf(ValidationError);
    return { field: first.field, rule: first.rule, hint: first.hint };
  }
  throw new Error('expected a ValidationError');
}

describe('validateSubjects', () => {
  it.each([
    [['ref:refs/heads/main'], ['repo:octo-org/demo:ref:refs/heads/main']],
    [['environment:prod', 'pull_request'], ['repo:octo-org/demo:environment:prod', 'repo:octo-org/demo:pull_request']],
    [['ref:refs/tags/v*'], ['repo:octo-org/demo:ref:refs/tags/v*']],
    [['ref:refs/heads/release/*'], ['repo:octo-org/demo:ref:refs/heads/release/*']],
    [['repo:octo-org/demo:ref:refs/heads/main', 'ref:refs/heads/main'], ['repo:octo-org/demo:ref:refs/heads/main']],
    [['environment:Production EU'], ['repo:octo-org/demo:environment:Production EU']],
  ])('%j → %j', (subjects, expected) => {
    expect(validateSubjects({ ...repo, subjects })).toEqual(expected);
  });

  it.each([
    [[], 'subjects', /at least one/],
    [['*'], 'subjects[0]', /trusts every ref, environment and pull request/],
    [['ref:*'], 'subjects[0]', /trusts every ref/],
    [['ref:refs/*'], 'subjects[0]', /trusts every ref/],
    [['repo:octo-org/demo:*'], 'subjects[0]', /trusts every ref/],
    [['repo:octo-org/*'], 'subjects[0]', /other repositories/],
    [['repo:*/demo:ref:refs/heads/main'], 'subjects[0]', /other repositories/],
    [['repo:Octo-Org/demo:ref:refs/heads/main'], 'subjects[0]', /spells the repository Octo-Org\/demo/],
    [['repo:octo-org/other:pull_request'], 'subjects[0]', /names octo-org\/other/],
    [['repo:octo-org/demo'], 'subjects[0]', /needs a part after the repository/],
    [['main'], 'subjects[0]', /is not a subject GitHub sends/],
    [['refs/heads/main'], 'subjects[0]', /is not a subject GitHub sends/],
    [['branch:main'], 'subjects[0]', /is not a subject GitHub sends/],
    [['ref:refs/heads/has space'], 'subjects[0]', /not a valid git ref name/],
    [['ref:refs/heads/a..b'], 'subjects[0]', /not a valid git ref name/],
    [['ref:refs/pull/1/merge'], 'subjects[0]', /pull_request/],
    [['ref:main'], 'subjects[0]', /not a ref GitHub puts/],
    [['environment:'], 'subjects[0]', /not an environment name/],
    [['ref:refs/heads/main', 'nope'], 'subjects[1]', /is not a subject/],
  ])('%j is refused at %s', (subjects, field, rule) => {
    const f = failure(() => validateSubjects({ ...repo, subjects }));
    expect(f.field).toBe(field);
    expect(f.rule).toMatch(rule);
  });

  it('suggests the right form for common mistakes', () => {
    expect(failure(() => validateSubjects({ ...repo, subjects: ['main'] })).hint).toContain('"ref:refs/heads/main"');
    expect(failure(() => validateSubjects({ ...repo, subjects: ['refs/tags/v1'] })).hint).toContain('"ref:refs/tags/v1"');
    expect(failure(() => validateSubjects({ ...repo, subjects: ['env:prod'] })).hint).toContain('"environment:prod"');
    expect(failure(() => validateSubjects({ ...repo, subjects: ['repo:OCTO-ORG/demo:pull_request'] })).hint).toContain('case-sensitively');
  });

  it('allowAnyRef admits every ref of this repository, never other repositories', () => {
    expect(validateSubjects({ ...repo, subjects: ['*'], allowAnyRef: true })).toEqual(['repo:octo-org/demo:*']);
    expect(validateSubjects({ ...repo, subjects: ['ref:*'], allowAnyRef: true })).toEqual(['repo:octo-org/demo:ref:*']);
    expect(failure(() => validateSubjects({ ...repo, subjects: ['repo:octo-org/*'], allowAnyRef: true })).rule).toMatch(/other repositories/);
  });
});

describe('buildTrustPolicy', () => {
  it('exact subjects use StringEquals together with the audience', () => {
    expect(buildTrustPolicy({ ...repo, providerArn: PROVIDER, subjects: ['ref:refs/heads/main'] })).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'GitHubActionsOidc',
          Effect: 'Allow',
          Principal: { Federated: PROVIDER },
          Action: 'sts:AssumeRoleWithWebIdentity',
          Condition: {
            StringEquals: {
              'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
              'token.actions.githubusercontent.com:sub': 'repo:octo-org/demo:ref:refs/heads/main',
            },
          },
        },
      ],
    });
  });

  it('any wildcard makes the sub condition StringLike, with every subject in one list', () => {
    const doc = buildTrustPolicy({ ...repo, providerArn: PROVIDER, subjects: ['environment:prod', 'ref:refs/tags/v*'] });
    expect(doc.Statement[0]!.Condition).toEqual({
      StringEquals: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com' },
      StringLike: { 'token.actions.githubusercontent.com:sub': ['repo:octo-org/demo:environment:prod', 'repo:octo-org/demo:ref:refs/tags/v*'] },
    });
  });

  it('refuses a trust policy over IAM\'s 2,048 characters', () => {
    const subjects = Array.from({ length: 60 }, (_, i) => `ref:refs/heads/feature-${i}`);
    expect(failure(() => trustPolicyText({ ...repo, providerArn: PROVIDER, subjects })).rule).toMatch(/IAM allows 2048/);
  });
});

describe('step factories validate before any call', () => {
  it('oidcRoleStep collects every problem', () => {
    try {
      oidcRoleStep({ roleName: 'bad name', target: 't', ...repo, subjects: ['*'], maxSessionDuration: 60, tags: { 'aws:x': 'y' } });
      throw new Error('expected a failure');
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationErrors);
      expect((error as ValidationErrors).issues.map((i) => i.field)).toEqual(['roleName', 'subjects[0]', 'tags.aws:x', 'maxSessionDuration']);
    }
  });

  it('rolePoliciesStep checks the policy document and ARNs', () => {
    expect(failure(() => rolePoliciesStep({ roleName: 'r', policy: { Statement: [] } })).field).toBe('policy.Version');
    expect(failure(() => rolePoliciesStep({ roleName: 'r', managedPolicyArns: ['arn:nope'] })).field).toBe('managedPolicyArns[0]');
  });
});
