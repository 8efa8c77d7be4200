import { describe, expect, it } from 'vitest';
import { evaluateTrustPolicy, readWebIdentityToken, unsignedWebIdentityToken } from '../src/iam/index.js';

const ISSUER = 'https://token.actions.githubusercontent.com';
const PROVIDER = 'arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com';
const KEY = 'token.actions.githubusercontent.com';

function policy(condition: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Federated: PROVIDER }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: condition, ...extra }],
  };
}

const mainAndProd = policy({
  StringEquals: { [`${KEY}:aud`]: 'sts.amazonaws.com' },
  StringLike: { [`${KEY}:sub`]: ['repo:octo/app:ref:refs/heads/main', 'repo:octo/app:environment:prod', 'repo:octo/app:ref:refs/tags/v*'] },
});

const decide = (doc: object, sub: string, aud = 'sts.amazonaws.com', providerArn = PROVIDER) =>
  evaluateTrustPolicy(doc, { providerArn, claims: { iss: ISSUER, aud, sub } });

describe('trust policy decisions for sub claims', () => {
  it.each([
    ['repo:octo/app:ref:refs/heads/main', true, 'the configured branch'],
    ['repo:octo/app:environment:prod', true, 'the configured environment'],
    ['repo:octo/app:ref:refs/tags/v1.2.3', true, 'a tag matching v*'],
    ['repo:octo/app:ref:refs/heads/dev', false, 'another branch'],
    ['repo:octo/other:ref:refs/heads/main', false, 'another repository'],
    ['repo:Octo/app:ref:refs/heads/main', false, 'the owner in another case'],
    ['repo:octo/App:ref:refs/heads/main', false, 'the repository in another case'],
    ['repo:octo/app:pull_request', false, 'a pull request'],
    ['repo:octo/app:environment:staging', false, 'another environment'],
    ['repo:octo/app:environment:Prod', false, 'the environment in another case'],
    ['repo:octo/app:ref:refs/heads/main-old', false, 'a branch that only starts like main'],
    ['repo:octo/app:ref:refs/tags/release', false, 'a tag not matching v*'],
    ['repo:octo/app-evil:ref:refs/heads/main', false, 'a repository whose name starts the same'],
  ])('%s → %s (%s)', (sub, allowed) => {
    expect(decide(mainAndProd, sub).allowed).toBe(allowed);
  });

  it('explains a refusal by the condition that failed', () => {
    const d = decide(mainAndProd, 'repo:octo/app:ref:refs/heads/dev');
    expect(d.allowed).toBe(false);
    expect(d.reason).toContain(`StringLike ${KEY}:sub: "repo:octo/app:ref:refs/heads/dev" matches none of`);
  });

  it('checks the audience, the principal, the action and the effect', () => {
    expect(decide(mainAndProd, 'repo:octo/app:ref:refs/heads/main', 'other').allowed).toBe(false);
    expect(decide(mainAndProd, 'repo:octo/app:ref:refs/heads/main', 'sts.amazonaws.com', PROVIDER.replace('123456789012', '999999999999')).allowed).toBe(false);
    const otherAction = policy({ StringEquals: { [`${KEY}:sub`]: 'repo:o/r:pull_request' } }, { Action: 'sts:AssumeRole' });
    expect(decide(otherAction, 'repo:o/r:pull_request').allowed).toBe(false);
    const wildcardAction = policy({ StringEquals: { [`${KEY}:sub`]: 'repo:o/r:pull_request' } }, { Action: 'sts:*' });
    expect(decide(wildcardAction, 'repo:o/r:pull_request').allowed).toBe(true);
    const withDeny = {
      Statement: [
        ...policy({ StringLike: { [`${KEY}:sub`]: 'repo:o/r:*' } }).Statement,
        { Effect: 'Deny', Principal: { Federated: PROVIDER }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: { StringEquals: { [`${KEY}:sub`]: 'repo:o/r:pull_request' } } },
      ],
    };
    expect(decide(withDeny, 'repo:o/r:ref:refs/heads/x').allowed).toBe(true);
    expect(decide(withDeny, 'repo:o/r:pull_request')).toEqual({ allowed: false, reason: 'statement 2 denies it explicitly' });
  });

  it('StringEquals takes no wildcards; StringLike takes * and ?; condition keys ignore case, values do not', () => {
    const exact = policy({ StringEquals: { [`${KEY.toUpperCase()}:SUB`]: 'repo:o/r:ref:refs/heads/*' } });
    expect(decide(exact, 'repo:o/r:ref:refs/heads/main').allowed).toBe(false);
    expect(decide(exact, 'repo:o/r:ref:refs/heads/*').allowed).toBe(true);
    const like = policy({ StringLike: { [`${KEY}:sub`]: 'repo:o/r:ref:refs/heads/release-?' } });
    expect(decide(like, 'repo:o/r:ref:refs/heads/release-1').allowed).toBe(true);
    expect(decide(like, 'repo:o/r:ref:refs/heads/release-10').allowed).toBe(false);
    const negated = policy({ StringNotLike: { [`${KEY}:sub`]: 'repo:o/r:pull_request' }, StringEquals: { [`${KEY}:aud`]: 'sts.amazonaws.com' } });
    expect(decide(negated, 'repo:o/r:pull_request').allowed).toBe(false);
    expect(decide(negated, 'repo:o/r:ref:refs/heads/a').allowed).toBe(true);
    const missing = policy({ StringEquals: { [`${KEY}:environment`]: 'prod' } });
    expect(decide(missing, 'repo:o/r:environment:prod').allowed).toBe(false);
    const ifExists = policy({ StringEqualsIfExists: { [`${KEY}:environment`]: 'prod' } });
    expect(decide(ifExists, 'repo:o/r:environment:prod').allowed).toBe(true);
  });

  it('reads back the claims of an unsigned token', () => {
    const token = unsignedWebIdentityToken({ iss: ISSUER, aud: 'sts.amazonaws.com', sub: 'repo:o/r:pull_request' });
    expect(token.split('.')).toHaveLength(3);
    expect(readWebIdentityToken(token)).toMatchObject({ iss: ISSUER, aud: 'sts.amazonaws.com', sub: 'repo:o/r:pull_request' });
    expect(readWebIdentityToken('a.b')).toBeUndefined();
  });
});
