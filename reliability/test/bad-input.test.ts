import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { type CliResult, pool, runCli } from '../src/cli.js';
import { collectWorld, type Figures, scanSecrets, writeFigures } from '../src/report.js';
import { CONFIG, createWorld, type World } from '../src/world.js';

// I5: ≥ 60 invalid configs and CLI invocations. Each exits with the documented code (2 for usage
// and config; 1 for a run that fails its preflight: missing token, wrong permissions), says which
// field or flag is wrong, and the sandbox counts zero calls that write.

type Json = Record<string, unknown>;
const base = CONFIG as unknown as Json;
const iam = (fields: Json) => ({ ...base, iam: { ...(base['iam'] as Json), ...fields } });
const github = (fields: Json) => ({ ...base, github: fields });
const policy = (doc: unknown) => iam({ policy: doc });
const statement = (st: Json) => policy({ Version: '2012-10-17', Statement: [st] });
const allow = { Effect: 'Allow', Action: 's3:GetObject', Resource: '*' };
const secrets = (fields: Json) => ({ ...base, secrets: fields });
const manyTags = Object.fromEntries(Array.from({ length: 48 }, (_, i) => [`k${i}`, 'v']));

interface Case {
  name: string;
  /** A config object, or the raw text of the config file. */
  config?: unknown;
  file?: string;
  args?: string[];
  env?: (world: World) => NodeJS.ProcessEnv;
  /** Documented exit code. */
  exit: number;
  /** What the message must name (the field, flag or command). */
  names: string | RegExp;
}

const run = ['run', 'setup', '--yes'];

const cases: Case[] = [
  // IAM names and paths
  { name: 'user name with a space', config: iam({ userName: 'gha demo' }), exit: 2, names: 'iam.userName' },
  { name: 'user name of 65 characters', config: iam({ userName: 'u'.repeat(65) }), exit: 2, names: 'iam.userName' },
  { name: 'empty user name', config: iam({ userName: '' }), exit: 2, names: 'iam.userName' },
  { name: 'user name with a slash', config: iam({ userName: 'team/gha' }), exit: 2, names: 'iam.userName' },
  { name: 'user name not ASCII', config: iam({ userName: 'gha-démo' }), exit: 2, names: 'iam.userName' },
  { name: 'user name a number', config: iam({ userName: 42 }), exit: 2, names: 'iam.userName' },
  { name: 'path without slashes', config: iam({ path: 'ci' }), exit: 2, names: 'iam.path' },
  { name: 'path without the closing slash', config: iam({ path: '/ci' }), exit: 2, names: 'iam.path' },
  { name: 'inline policy name with a space', config: iam({ inlinePolicyName: 'my policy' }), exit: 2, names: 'iam.inlinePolicyName' },
  { name: 'target name with a space', config: { ...base, targets: [{ name: 'a b' }] }, exit: 2, names: 'targets' },
  // tags
  { name: 'tag key aws:', config: iam({ tags: { 'aws:cost': 'x' } }), exit: 2, names: 'iam.tags' },
  { name: 'tag key creds:', config: iam({ tags: { 'creds:target': 'x' } }), exit: 2, names: 'iam.tags' },
  { name: 'tag key of 129 characters', config: iam({ tags: { ['k'.repeat(129)]: 'v' } }), exit: 2, names: 'iam.tags' },
  { name: 'tag value of 257 characters', config: iam({ tags: { team: 'v'.repeat(257) } }), exit: 2, names: 'iam.tags.team' },
  { name: 'tag value with #', config: iam({ tags: { team: 'a#b' } }), exit: 2, names: 'iam.tags.team' },
  { name: 'tag keys differing in case', config: iam({ tags: { Team: 'a', team: 'b' } }), exit: 2, names: 'iam.tags' },
  { name: 'too many tags', config: iam({ tags: manyTags }), exit: 2, names: 'iam.tags' },
  { name: 'empty tag key', config: iam({ tags: { '': 'v' } }), exit: 2, names: 'iam.tags' },
  { name: 'tag value a number', config: iam({ tags: { team: 7 } }), exit: 2, names: 'iam.tags' },
  // policies
  { name: 'policy without Version', config: policy({ Statement: [allow] }), exit: 2, names: 'iam.policy.Version' },
  { name: 'policy with an old Version', config: policy({ Version: '2010-01-01', Statement: [allow] }), exit: 2, names: 'iam.policy.Version' },
  { name: 'policy without Statement', config: policy({ Version: '2012-10-17' }), exit: 2, names: 'iam.policy.Statement' },
  { name: 'policy with no statements', config: policy({ Version: '2012-10-17', Statement: [] }), exit: 2, names: 'iam.policy.Statement' },
  { name: 'Effect Permit', config: statement({ ...allow, Effect: 'Permit' }), exit: 2, names: 'iam.policy.Statement[0].Effect' },
  { name: 'statement without Action', config: statement({ Effect: 'Allow', Resource: '*' }), exit: 2, names: 'iam.policy.Statement[0]' },
  { name: 'Action and NotAction', config: statement({ ...allow, NotAction: 's3:*' }), exit: 2, names: 'iam.policy.Statement[0]' },
  { name: 'action with a space', config: statement({ ...allow, Action: 's3 GetObject' }), exit: 2, names: 'iam.policy.Statement[0].Action' },
  { name: 'statement without Resource', config: statement({ Effect: 'Allow', Action: 's3:GetObject' }), exit: 2, names: 'iam.policy.Statement[0]' },
  { name: 'statement with a Principal', config: statement({ ...allow, Principal: '*' }), exit: 2, names: 'iam.policy.Statement[0]' },
  {
    name: 'inline policy over 2,048 characters',
    config: policy({ Version: '2012-10-17', Statement: Array.from({ length: 60 }, (_, i) => ({ ...allow, Resource: `arn:aws:s3:::bucket-${i}/*` })) }),
    exit: 2,
    names: 'iam.policy',
  },
  { name: 'policy an array', config: iam({ policy: [allow] }), exit: 2, names: 'iam.policy' },
  { name: 'policyFile missing', config: iam({ policy: undefined, policyFile: 'nope.json' }), exit: 2, names: 'iam.policyFile' },
  // ARNs
  { name: 'managed policy not an ARN', config: iam({ managedPolicyArns: ['ReadOnlyAccess'] }), exit: 2, names: 'iam.managedPolicyArns[0]' },
  { name: 'managed policy an S3 ARN', config: iam({ managedPolicyArns: ['arn:aws:s3:::bucket'] }), exit: 2, names: 'iam.managedPolicyArns[0]' },
  { name: 'managed policy with a bad account', config: iam({ managedPolicyArns: ['arn:aws:iam::12345:policy/x'] }), exit: 2, names: 'iam.managedPolicyArns[0]' },
  { name: 'second managed policy bad', config: iam({ managedPolicyArns: ['arn:aws:iam::aws:policy/ReadOnlyAccess', 'arn:aws:iam::aws:role/x'] }), exit: 2, names: 'iam.managedPolicyArns[1]' },
  { name: 'permissions boundary not an ARN', config: iam({ permissionsBoundary: 'boundary' }), exit: 2, names: 'iam.permissionsBoundary' },
  // secret names
  { name: 'secret name starting with a digit', config: secrets({ accessKeyId: '1KEY' }), exit: 2, names: 'secrets' },
  { name: 'secret name GITHUB_', config: secrets({ secretAccessKey: 'GITHUB_SECRET' }), exit: 2, names: 'secrets' },
  { name: 'secret name with a dash', config: secrets({ region: 'AWS-REGION' }), exit: 2, names: 'secrets' },
  { name: 'secret name with a space', config: secrets({ accessKeyId: 'AWS KEY' }), exit: 2, names: 'secrets' },
  { name: 'empty secret name', config: secrets({ accessKeyId: '' }), exit: 2, names: 'secrets' },
  { name: 'regionAs neither secret nor variable', config: secrets({ regionAs: 'env' }), exit: 2, names: 'secrets.regionAs' },
  // regions
  { name: 'region us-east', config: { ...base, region: 'us-east' }, exit: 2, names: 'region' },
  { name: 'region in capitals', config: { ...base, region: 'US-EAST-1' }, exit: 2, names: 'region' },
  { name: 'region mars-1', config: { ...base, region: 'mars-1' }, exit: 2, names: 'region' },
  { name: 'region a number', config: { ...base, region: 1 }, exit: 2, names: 'region' },
  // GitHub target
  { name: 'owner starting with a dash', config: github({ owner: '-octo', repo: 'demo' }), exit: 2, names: 'github.owner' },
  { name: 'repo with a slash', config: github({ owner: 'octo-org', repo: 'a/b' }), exit: 2, names: 'github.repo' },
  { name: 'repo missing', config: github({ owner: 'octo-org' }), exit: 2, names: 'github.repo' },
  { name: 'org and owner both', config: github({ org: 'octo-org', owner: 'octo-org', repo: 'demo' }), exit: 2, names: 'github' },
  { name: 'selected without repositories', config: github({ org: 'octo-org', visibility: 'selected' }), exit: 2, names: 'github.repositories' },
  { name: 'repositories without selected', config: github({ org: 'octo-org', visibility: 'all', repositories: ['demo'] }), exit: 2, names: 'github.repositories' },
  { name: 'visibility public', config: github({ org: 'octo-org', visibility: 'public' }), exit: 2, names: 'github.visibility' },
  { name: 'environment with a newline', config: github({ owner: 'octo-org', repo: 'demo', environment: 'prod\nx' }), exit: 2, names: 'github.environment' },
  // shape: unknown fields, types, files
  { name: 'unknown top-level field', config: { ...base, colour: 'blue' }, exit: 2, names: 'colour' },
  { name: 'unknown iam field', config: iam({ group: 'ci' }), exit: 2, names: 'group' },
  { name: 'unknown github field', config: github({ owner: 'octo-org', repo: 'demo', branch: 'main' }), exit: 2, names: 'branch' },
  { name: 'unknown store type', config: { ...base, store: { type: 's3' } }, exit: 2, names: 'store' },
  { name: 'unknown store field', config: { ...base, store: { type: 'json', mode: '600' } }, exit: 2, names: 'mode' },
  { name: 'rotation age in words', config: { ...base, rotation: { maxKeyAge: '90 days' } }, exit: 2, names: 'rotation.maxKeyAge' },
  { name: 'managed policies not a list', config: iam({ managedPolicyArns: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }), exit: 2, names: 'iam.managedPolicyArns' },
  { name: 'duplicate target names', config: { ...base, targets: [{ name: 'a' }, { name: 'a' }] }, exit: 2, names: 'targets' },
  { name: 'malformed JSON', file: '{ "region": "eu-west-1", ', exit: 2, names: /JSON/ },
  { name: 'JSON array', file: '[1, 2]', exit: 2, names: /config/i },
  { name: 'empty config file', file: '', exit: 2, names: /config/i },
  { name: 'malformed YAML', file: 'yaml:region: eu-west-1\niam:\n  userName: [unclosed\n', exit: 2, names: /YAML|yaml/ },
  { name: 'YAML with an unknown field', file: 'yaml:region: eu-west-1\niam:\n  userName: gha-demo\n  colour: blue\ngithub:\n  owner: octo-org\n  repo: demo\n', exit: 2, names: 'colour' },
  { name: 'YAML with a bad region', file: 'yaml:region: eu-west\niam:\n  userName: gha-demo\ngithub:\n  owner: octo-org\n  repo: demo\n', exit: 2, names: 'region' },
  // CLI invocations
  { name: 'unknown command', config: base, args: ['deploy'], exit: 2, names: 'deploy' },
  { name: 'unknown flag', config: base, args: ['run', 'setup', '--yes', '--frobnicate'], exit: 2, names: '--frobnicate' },
  { name: 'run without a workflow', config: base, args: ['run', '--yes'], exit: 2, names: /workflow/ },
  { name: 'unknown workflow', config: base, args: ['run', 'deploy', '--yes'], exit: 2, names: 'deploy' },
  { name: 'concurrency 0', config: base, args: ['run', 'setup', '--yes', '--concurrency', '0'], exit: 2, names: '--concurrency' },
  { name: 'concurrency not a number', config: base, args: ['run', 'setup', '--yes', '--concurrency', 'many'], exit: 2, names: '--concurrency' },
  { name: 'target-concurrency negative', config: base, args: ['run', 'setup', '--yes', '--target-concurrency', '-1'], exit: 2, names: '--target-concurrency' },
  { name: 'older-than in weeks', config: base, args: ['run', 'rotate', '--yes', '--older-than', '3weeks'], exit: 2, names: '--older-than' },
  { name: 'unknown target', config: base, args: ['run', 'setup', '--yes', '--target', 'nosuch'], exit: 2, names: 'nosuch' },
  { name: 'config file missing', config: base, args: ['run', 'setup', '--yes', '-c', 'missing.json'], exit: 2, names: 'missing.json' },
  { name: 'no config file at all', args: ['run', 'setup', '--yes'], exit: 2, names: /config/ },
  { name: 'plan of an unknown workflow', config: base, args: ['plan', 'deploy'], exit: 2, names: 'deploy' },
  { name: 'log level loud', config: base, args: ['status', '--log-level', 'loud'], exit: 2, names: /log-level|loud/ },
  { name: 'store migrate without --to', config: base, args: ['store', 'migrate', '--yes'], exit: 2, names: '--to' },
  { name: 'store migrate to s3', config: base, args: ['store', 'migrate', '--to', 's3', '--yes'], exit: 2, names: 's3' },
  { name: 'run off a terminal without --yes', config: base, args: ['run', 'setup'], exit: 2, names: '--yes' },
  { name: 'rollback off a terminal without --yes', config: base, args: ['rollback'], exit: 2, names: /--yes|roll back/ },
  { name: 'resume with nothing to resume', config: base, args: ['run', 'setup', '--resume', '--yes'], exit: 2, names: /resume/ },
  { name: 'init without owner off a terminal', args: ['init', '--repo', 'demo', '--yes'], exit: 2, names: '--owner' },
  { name: 'init with store vault', args: ['init', '--owner', 'o', '--repo', 'r', '--store', 'vault', '--yes'], exit: 2, names: /store|vault/ },
  // credentials (documented: a run that fails its preflight exits 1 naming the step and the cause)
  { name: 'missing GitHub token', config: base, env: (w) => ({ ...w.env, GH_TOKEN: undefined }), exit: 2, names: /token|GH_TOKEN/i },
  { name: 'unknown GitHub token', config: base, env: (w) => ({ ...w.env, GH_TOKEN: 'ghp_not_a_token_the_sandbox_knows' }), exit: 1, names: /token|401|credentials/i },
  { name: 'classic token without repo scope', config: base, env: (w) => ({ ...w.env, GH_TOKEN: NO_SCOPE_TOKEN }), exit: 1, names: /repo/ },
  { name: 'missing AWS credentials', config: base, env: (w) => ({ ...w.env, AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined }), exit: 1, names: /credential|AWS/i },
];

const READ_ONLY_TOKEN = 'github_pat_read_only_0123456789abcdef';
const NO_SCOPE_TOKEN = 'ghp_classic_without_repo_0123456789abcdef';

const figures: Figures = { corpus: cases.length, corpusOk: 0, corpusWrites: 0 };
const failures: string[] = [];

afterAll(() => {
  const scan = scanSecrets();
  writeFigures('bad-input', { ...figures, scannedBytes: scan.bytes, scannedSecrets: scan.secrets, secretHits: scan.hits.length, notes: failures });
  expect(scan.hits).toEqual([]);
});

/** Each case in a world of its own (the servers start in milliseconds), so writes are its own. */
async function runCase(c: Case): Promise<{ result: CliResult; writes: number }> {
  const world = await createWorld({ config: null });
  world.github.addToken({ token: READ_ONLY_TOKEN, login: 'reader', permissions: { secrets: 'read' } });
  world.github.addToken({ token: NO_SCOPE_TOKEN, login: 'classic', scopes: ['read:org'] });
  try {
    const dir = world.dir;
    if (c.file !== undefined) {
      const yaml = c.file.startsWith('yaml:');
      writeFileSync(join(dir, yaml ? 'creds.config.yaml' : 'creds.config.json'), yaml ? c.file.slice(5) : c.file);
    } else if (c.config !== undefined) {
      writeFileSync(join(dir, 'creds.config.json'), JSON.stringify(c.config));
    }
    const result = await runCli(c.args ?? run, { cwd: dir, env: c.env ? c.env(world) : world.env });
    return { result, writes: world.iam.calls.writes + world.github.counts().writes };
  } finally {
    collectWorld(world);
    await world.remove();
  }
}

it(`bad input corpus: ${cases.length} invalid configs and invocations exit as documented, name the field, write nothing`, async () => {
  expect(cases.length).toBeGreaterThanOrEqual(60);
  const outcomes = await pool(cases, 3, runCase);
  outcomes.forEach(({ result, writes }, i) => {
    const c = cases[i]!;
    const text = result.stderr + result.stdout;
    const named = typeof c.names === 'string' ? text.includes(c.names) : c.names.test(text);
    figures.corpusWrites! += writes;
    if (result.code === c.exit && named && writes === 0) figures.corpusOk!++;
    else failures.push(`${c.name}: exit ${result.code} (want ${c.exit}), names ${String(c.names)}: ${named}, writes ${writes}\n    ${text.trim().split('\n').slice(0, 4).join('\n    ')}`);
  });
  expect(failures).toEqual([]);
  expect(figures.corpusWrites).toBe(0);
});

// I8: reading the public key needs only read access, so before the first setup creds also
// deletes a secret name that does not exist (404 with write access, 403 without). A token that
// may only read secrets is stopped there: exit 1 naming the permission, no IAM write, and no
// GitHub request but that refused probe.
it('a fine-grained token that may only read secrets: exit 1 naming the permission, nothing written', async () => {
  const { result, writes } = await runCase({ name: 'read-only token', config: base, env: (w) => ({ ...w.env, GH_TOKEN: READ_ONLY_TOKEN }), exit: 1, names: /secrets/ });
  expect(result.code).toBe(1);
  expect(result.stderr).toMatch(/secrets/i);
  expect(writes).toBeLessThanOrEqual(1);
});
