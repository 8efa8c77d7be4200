import { describe, expect, it } from 'vitest';
import { validatePath, validatePolicyArn, validateArn, validateRegion, validateTags, validateUserName } from '../src/index.js';

describe('validation (field + rule, before any write)', () => {
  it.each([
    ['ci-deployer', true],
    ['a+b=c,d.e@f_g-h', true],
    ['x'.repeat(64), true],
    ['x'.repeat(65), false],
    ['', false],
    ['with space', false],
    ['slash/no', false],
  ])('user name %j valid=%s', (name, ok) => {
    if (ok) expect(() => validateUserName(name)).not.toThrow();
    else expect(() => validateUserName(name)).toThrow(/userName/);
  });

  it.each([
    ['/', true],
    ['/creds/', true],
    ['/a/b/', true],
    ['creds/', false],
    ['/creds', false],
  ])('path %j valid=%s', (path, ok) => {
    if (ok) expect(() => validatePath(path)).not.toThrow();
    else expect(() => validatePath(path)).toThrow(/path/);
  });

  it.each([
    ['us-east-1', true],
    ['eu-central-1', true],
    ['us-gov-west-1', true],
    ['ap-southeast-2', true],
    ['US-EAST-1', false],
    ['useast1', false],
  ])('region %j valid=%s', (region, ok) => {
    if (ok) expect(() => validateRegion(region)).not.toThrow();
    else expect(() => validateRegion(region)).toThrow(/region/);
  });

  it('tags: count, charset, lengths, reserved prefixes', () => {
    expect(() => validateTags({ team: 'infra', 'cost center': 'a:b/c=d+e-f@g' })).not.toThrow();
    expect(() => validateTags({ 'aws:x': 'y' })).toThrow(/reserved by AWS/);
    expect(() => validateTags({ 'creds:target': 'y' })).toThrow(/reserved by creds/);
    expect(() => validateTags({ 'a#b': 'y' })).toThrow(/tag keys/);
    expect(() => validateTags({ k: 'v'.repeat(257) })).toThrow(/tag values/);
    expect(() => validateTags(Object.fromEntries(Array.from({ length: 47 }, (_, i) => [`k${i}`, 'v'])))).toThrow(/at most 46/);
  });

  it('ARNs', () => {
    expect(() => validatePolicyArn('arn:aws:iam::aws:policy/ReadOnlyAccess')).not.toThrow();
    expect(() => validatePolicyArn('arn:aws:iam::123456789012:policy/path/x')).not.toThrow();
    expect(() => validatePolicyArn('arn:aws:iam::12345:policy/x')).toThrow(/policy ARN/);
    expect(() => validatePolicyArn('arn:aws:s3:::bucket')).toThrow();
    expect(() => validateArn('arn:aws:s3:::bucket')).not.toThrow();
    expect(() => validateArn('not-an-arn')).toThrow(/not an ARN/);
  });
});
