import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ValidationErrors } from '@creds/core';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig, resolveConfig } from '../src/index.js';
import { baseConfig, POLICY } from './harness.js';

const dir = mkdtempSync(join(tmpdir(), 'creds-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const where = { path: join(dir, 'creds.config.json'), dir };

const withIam = (iam: Record<string, unknown>) => baseConfig({ iam: { ...baseConfig().iam, ...iam } });
const withGithub = (github: Record<string, unknown>) => baseConfig({ github });
const withSecrets = (secrets: Record<string, unknown>) => baseConfig({ secrets });
const tags = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, 'v']));

// config in → the field and the rule out. Nothing is created: resolveConfig runs before any client.
const INVALID: Array<[string, unknown, string, RegExp]> = [
  ['not an object', 42, '(config)', /object/i],
  ['unknown top-level field', { ...baseConfig(), reigon: 'eu-west-1' }, 'reigon', /not a known field/],
  ['unknown iam field', withIam({ username: 'x' }), 'iam.username', /not a known field/],
  ['missing region', { iam: baseConfig().iam, github: baseConfig().github }, 'region', /required/],
  ['region not a string', baseConfig({ region: 5 }), 'region', /string/],
  ['region malformed', baseConfig({ region: 'Europe' }), 'region', /region/],
  ['region with spaces', baseConfig({ region: 'eu west 1' }), 'region', /region/],
  ['missing userName', baseConfig({ iam: { policy: POLICY } }), 'iam.userName', /required/],
  [
    'a target without oidc and without userName, beside a keyless-only one',
    baseConfig({ iam: { policy: POLICY }, targets: [{ name: 'a', oidc: { roleName: 'gh-a' } }, { name: 'b' }] }),
    'targets[1].iam.userName',
    /required for the access-key route.*only a target with an oidc section/,
  ],
  ['userName empty', withIam({ userName: '' }), 'iam.userName', /.+/],
  ['userName too long', withIam({ userName: 'u'.repeat(65) }), 'iam.userName', /64/],
  ['userName bad character', withIam({ userName: 'gh demo' }), 'iam.userName', /character|letters/i],
  ['userName slash', withIam({ userName: 'gh/demo' }), 'iam.userName', /.+/],
  ['path without slashes', withIam({ path: 'ci' }), 'iam.path', /\//],
  ['path without trailing slash', withIam({ path: '/ci' }), 'iam.path', /\//],
  ['too many tags', withIam({ tags: tags(51) }), 'iam.tags', /50|at most/],
  ['tag key reserved aws:', withIam({ tags: { 'aws:owner': 'me' } }), 'iam.tags', /aws:/],
  ['tag key too long', withIam({ tags: { ['k'.repeat(129)]: 'v' } }), 'iam.tags', /128/],
  ['tag value too long', withIam({ tags: { k: 'v'.repeat(257) } }), 'iam.tags', /256/],
  ['tag value bad character', withIam({ tags: { k: 'a;b' } }), 'iam.tags', /character|letters/i],
  ['tag keys differing only in case', withIam({ tags: { Team: 'a', team: 'b' } }), 'iam.tags', /case/i],
  ['tag value not a string', withIam({ tags: { k: 1 } }), 'iam.tags.k', /string/],
  ['policy not an object', withIam({ policy: 'Allow all' }), 'iam.policy', /object|record/i],
  ['policy without Statement', withIam({ policy: { Version: '2012-10-17' } }), 'iam.policy', /Statement/],
  ['policy without Version', withIam({ policy: { Statement: POLICY.Statement } }), 'iam.policy', /Version/],
  ['policy bad Effect', withIam({ policy: { ...POLICY, Statement: [{ ...POLICY.Statement[0], Effect: 'Maybe' }] } }), 'iam.policy', /Effect/],
  ['policy without Action', withIam({ policy: { ...POLICY, Statement: [{ Effect: 'Allow', Resource: '*' }] } }), 'iam.policy', /Action/],
  ['policy without Resource', withIam({ policy: { ...POLICY, Statement: [{ Effect: 'Allow', Action: 's3:*' }] } }), 'iam.policy', /Resource/],
  [
    'policy too large',
    withIam({ policy: { ...POLICY, Statement: Array.from({ length: 60 }, (_, i) => ({ Effect: 'Allow', Action: `s3:GetObject${i}`, Resource: `arn:aws:s3:::bucket-number-${i}/*` })) } }),
    'iam.policy',
    /2,?048|size|characters/i,
  ],
  ['policyFile missing', withIam({ policy: undefined, policyFile: 'nope.json' }), 'iam.policyFile', /does not exist/],
  ['managed policy ARN malformed', withIam({ managedPolicyArns: ['ReadOnlyAccess'] }), 'iam.managedPolicyArns[0]', /ARN|arn/],
  ['managed policy ARN of a user', withIam({ managedPolicyArns: ['arn:aws:iam::123456789012:user/bob'] }), 'iam.managedPolicyArns[0]', /policy/],
  ['managedPolicyArns not a list', withIam({ managedPolicyArns: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }), 'iam.managedPolicyArns', /array/i],
  ['permissions boundary not an ARN', withIam({ permissionsBoundary: 'boundary' }), 'iam.permissionsBoundary', /ARN|arn/],
  ['inline policy name bad', withIam({ inlinePolicyName: 'a b' }), 'iam.inlinePolicyName', /.+/],
  ['adopt not a boolean', withIam({ adopt: 'yes' }), 'iam.adopt', /boolean/],
  ['github missing', { region: 'eu-west-1', iam: baseConfig().iam }, 'github.owner', /required/],
  ['github owner missing', withGithub({ repo: 'demo' }), 'github.owner', /required/],
  ['github repo missing', withGithub({ owner: 'octo-org' }), 'github.repo', /required/],
  ['github owner with slash', withGithub({ owner: 'octo/org', repo: 'demo' }), 'github.owner', /not a GitHub/],
  ['github repo with space', withGithub({ owner: 'octo-org', repo: 'my repo' }), 'github.repo', /not a repository/],
  ['org and repo both', withGithub({ org: 'octo-org', owner: 'octo-org', repo: 'demo' }), 'github', /either org/],
  ['org selected without repositories', withGithub({ org: 'octo-org', visibility: 'selected' }), 'github.repositories', /required/],
  ['org repositories without selected', withGithub({ org: 'octo-org', visibility: 'all', repositories: ['demo'] }), 'github.repositories', /selected/],
  ['org visibility unknown', withGithub({ org: 'octo-org', visibility: 'public' }), 'github.visibility', /all|private|selected/],
  ['environment on an org', withGithub({ org: 'octo-org', environment: 'prod' }), 'github.environment', /repository/],
  ['createEnvironment without an environment', withGithub({ owner: 'octo-org', repo: 'demo', createEnvironment: false }), 'github.createEnvironment', /github\.environment/],
  ['createEnvironment on an org', withGithub({ org: 'octo-org', createEnvironment: true }), 'github.createEnvironment', /not an organization/],
  ['createEnvironment not a boolean', withGithub({ owner: 'octo-org', repo: 'demo', environment: 'prod', createEnvironment: 'no' }), 'github.createEnvironment', /boolean/],
  ['secret name with dash', withSecrets({ accessKeyId: 'AWS-KEY' }), 'secrets', /letters|character|A-Z/i],
  ['secret name leading digit', withSecrets({ region: '1REGION' }), 'secrets', /digit/],
  ['secret name GITHUB_ prefix', withSecrets({ secretAccessKey: 'GITHUB_SECRET' }), 'secrets', /GITHUB_/],
  ['secret names duplicate ignoring case', withSecrets({ accessKeyId: 'aws_key', secretAccessKey: 'AWS_KEY' }), 'secrets', /case-insensitive|same secret/],
  ['regionAs unknown', withSecrets({ regionAs: 'env' }), 'secrets.regionAs', /secret|variable/],
  ['store type unknown', baseConfig({ store: { type: 'vault' } }), 'store.type', /.+/],
  ['1password store without vault', baseConfig({ store: { type: '1password' } }), 'store.vault', /required/],
  ['store with unknown field', baseConfig({ store: { type: 'json', file: 'x' } }), 'store.file', /not a known field/],
  ['rotation maxKeyAge malformed', baseConfig({ rotation: { maxKeyAge: '3 months' } }), 'rotation.maxKeyAge', /duration/],
  ['targets not a list', baseConfig({ targets: { name: 'a' } }), 'targets', /array/i],
  ['target without name', baseConfig({ targets: [{ region: 'eu-west-1' }] }), 'targets[0].name', /required/],
  ['target name with space', baseConfig({ targets: [{ name: 'my target' }] }), 'targets[0].name', /letters/],
  ['duplicate target names', baseConfig({ targets: [{ name: 'a' }, { name: 'A' }] }), 'targets[1].name', /used by another target/],
  ['target with bad user', baseConfig({ targets: [{ name: 'a', iam: { userName: 'bad name' } }] }), 'targets[0].iam.userName', /.+/],
  ['target with unknown field', baseConfig({ targets: [{ name: 'a', repo: 'x' }] }), 'targets[0].repo', /not a known field/],
  ['targets empty', baseConfig({ targets: [] }), 'targets', /at least one target/],
  ['github repo "."', withGithub({ owner: 'octo-org', repo: '.' }), 'github.repo', /not a repository/],
  ['github repo ".."', withGithub({ owner: 'octo-org', repo: '..' }), 'github.repo', /not a repository/],
  ['environment climbing out with ..', withGithub({ owner: 'octo-org', repo: 'demo', environment: 'a/../../b' }), 'github.environment', /"\.\."/],
  ['policy and policyFile both', withIam({ policyFile: 'policy.json' }), 'iam.policy', /iam\.policy or iam\.policyFile/],
  ['target policy and policyFile both', baseConfig({ targets: [{ name: 'a', iam: { policy: POLICY, policyFile: 'p.json' } }] }), 'targets[0].iam.policy', /targets\[0\]\.iam\.policyFile/],
];

describe('config validation: field and rule named, before anything runs', () => {
  it(`has at least 40 cases (${INVALID.length})`, () => {
    expect(INVALID.length).toBeGreaterThanOrEqual(40);
  });

  it.each(INVALID)('%s', async (_name, raw, field, rule) => {
    const error = await resolveConfig(raw, where).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationErrors);
    const issues = (error as ValidationErrors).issues;
    const issue = issues.find((i) => i.field === field || i.field.startsWith(`${field}.`) || i.field.startsWith(`${field}[`));
    expect(issue, `fields reported: ${issues.map((i) => `${i.field}: ${i.rule}`).join(' | ')}`).toBeDefined();
    expect(`${issue!.field}: ${issue!.rule}`).toMatch(rule);
  });
});

describe('config files', () => {
  it('reads JSON, YAML and .mjs configs and fills the defaults', async () => {
    writeFileSync(join(dir, 'creds.config.json'), JSON.stringify(baseConfig()));
    const json = await loadConfig({ cwd: dir });
    expect(json.targets[0]).toMatchObject({ name: 'demo', secrets: { region: 'AWS_DEFAULT_REGION', regionAs: 'secret' } });
    expect(json.store).toEqual({ type: 'json' });
    const yamlDir = mkdtempSync(join(dir, 'y-'));
    writeFileSync(join(yamlDir, 'creds.config.yaml'), 'region: us-east-1\niam:\n  userName: ci\ngithub:\n  owner: octo\n  repo: app\n');
    expect((await loadConfig({ cwd: yamlDir })).targets[0]?.iam.userName).toBe('ci');
    writeFileSync(join(yamlDir, 'other.mjs'), `export default ${JSON.stringify(baseConfig())};`);
    expect((await loadConfig({ cwd: yamlDir, configPath: 'other.mjs' })).targets[0]?.github.repo).toBe('demo');
  });

  it('says what is wrong with a file that does not parse, and where to start when there is none', async () => {
    const bad = mkdtempSync(join(dir, 'b-'));
    writeFileSync(join(bad, 'creds.config.json'), '{ "region": ');
    await expect(loadConfig({ cwd: bad })).rejects.toThrow(/not valid JSON/);
    writeFileSync(join(bad, 'creds.config.json'), '');
    rmSync(join(bad, 'creds.config.json'));
    writeFileSync(join(bad, 'creds.config.yml'), 'region: [unclosed');
    await expect(loadConfig({ cwd: bad })).rejects.toThrow(/not valid YAML/);
    const empty = mkdtempSync(join(dir, 'e-'));
    await expect(loadConfig({ cwd: empty })).rejects.toMatchObject({ code: 'INVALID_CONFIG', hint: expect.stringMatching(/creds init/) });
  });

  it('a huge value is cut in the message, not echoed in full', async () => {
    const error = (await resolveConfig(withIam({ userName: 'x'.repeat(100_000) }), where).catch((e: unknown) => e)) as ValidationErrors;
    expect(error.issues[0]?.field).toBe('iam.userName');
    expect(error.message).toMatch(/100000 characters/);
    expect(error.message.length).toBeLessThan(300);
  });

  it('a JSON error says where, never what the file holds', async () => {
    const secretish = mkdtempSync(join(dir, 'p-'));
    writeFileSync(join(secretish, 'passwd'), 'root:x:0:0:root:/root:/bin/bash\n');
    const error = (await loadConfig({ cwd: secretish, configPath: 'passwd' }).catch((e: unknown) => e)) as Error;
    expect(error.message).toMatch(/not valid JSON/);
    expect(error.message).not.toMatch(/root/);
    writeFileSync(join(secretish, 'c.json'), '{\n  "region": "eu-west-1",\n  oops\n}');
    const placed = (await loadConfig({ cwd: secretish, configPath: 'c.json' }).catch((e: unknown) => e)) as Error;
    expect(placed.message).toMatch(/line 3/);
    expect(placed.message).not.toMatch(/oops/);
  });

  it('a config path that is a folder: INVALID_CONFIG naming the path', async () => {
    const parent = mkdtempSync(join(dir, 'f-'));
    mkdirSync(join(parent, 'creds.config.json'));
    await expect(loadConfig({ cwd: parent, configPath: 'creds.config.json' })).rejects.toMatchObject({
      code: 'INVALID_CONFIG',
      message: expect.stringContaining(`${join(parent, 'creds.config.json')} is a folder`),
    });
    await expect(loadConfig({ cwd: parent })).rejects.toMatchObject({ code: 'INVALID_CONFIG', message: expect.stringMatching(/is a folder/) });
  });

  it("a target's own policyFile replaces the top-level policy", async () => {
    writeFileSync(join(dir, 'b.json'), JSON.stringify({ ...POLICY, Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] }));
    const config = await resolveConfig(baseConfig({ targets: [{ name: 'a' }, { name: 'b', iam: { userName: 'gh-b', policyFile: 'b.json' } }] }), where);
    expect(config.targets[0]?.iam.policy).toEqual(POLICY);
    expect(config.targets[1]?.iam.policy).toMatchObject({ Statement: [{ Action: 's3:GetObject' }] });
  });

  it('merges each target over the top-level fields', async () => {
    const config = await resolveConfig(
      baseConfig({ targets: [{ name: 'a' }, { name: 'b', region: 'us-east-2', github: { owner: 'octo-org', repo: 'b' }, iam: { userName: 'gh-b' } }] }),
      where,
    );
    expect(config.targets.map((t) => [t.name, t.region, t.github.repo, t.iam.userName, t.iam.tags])).toEqual([
      ['a', 'eu-west-1', 'demo', 'gh-demo', { team: 'platform' }],
      ['b', 'us-east-2', 'b', 'gh-b', { team: 'platform' }],
    ]);
  });
});
