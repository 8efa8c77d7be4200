import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CliContext } from '../context.js';
import { UsageError } from '../errors.js';
import { EXIT } from '../exit-codes.js';
import type { InitFlags } from '../flags.js';

interface Answers {
  owner: string;
  repo: string;
  user: string;
  region: string;
  store: 'json' | 'keychain' | '1password';
  vault?: string;
  /** ARN of the managed policy that caps the user's permissions (docs/permissions.md). */
  permissionsBoundary?: string;
}

const STARTER_POLICY = {
  Version: '2012-10-17',
  Statement: [{ Sid: 'ReplaceMe', Effect: 'Allow', Action: ['s3:ListBucket'], Resource: ['arn:aws:s3:::my-bucket'] }],
};

/** `creds init`: write a starter config (validated first) and git-ignore .creds/. */
export async function init(ctx: CliContext, flags: InitFlags): Promise<number> {
  const { out } = ctx;
  const cwd = ctx.globals.cwd;
  const path = resolve(cwd, ctx.globals.config ?? (flags.format === 'yaml' ? 'creds.config.yaml' : 'creds.config.json'));
  const format = /\.ya?ml$/.test(path) ? 'yaml' : 'json';
  if (existsSync(path) && !flags.force) {
    throw new UsageError(`${path} already exists`, 'pass --force to overwrite it');
  }
  const answers = await gather(ctx, flags);
  const config = buildConfig(answers, schemaPointer(dirname(path)));

  // Validate with the library's schema before writing anything.
  const lib = await import('@creds/creds');
  await lib.resolveConfig(config, { path, dir: dirname(path) });

  const text = format === 'yaml' ? await toYaml(config) : `${JSON.stringify(config, null, 2)}\n`;
  await writeFile(path, text, { mode: 0o644 });
  const gitignore = await ignoreStateDir(dirname(path));
  out.info(`${out.c.green('✓')} wrote ${relative(cwd, path) || basename(path)}`);
  out.info(
    gitignore === 'added' ? `${out.c.green('✓')} added .creds/ to .gitignore` : out.c.dim('  .gitignore already ignores .creds/'),
  );
  out.info(
    [
      '',
      'Next:',
      `  edit iam.policy: it is a placeholder (the permissions your workflows need)`,
      ...(answers.permissionsBoundary ? [] : ['  consider iam.permissionsBoundary: docs/permissions.md says why the admin policy wants one']),
      '  creds doctor          # AWS identity, GitHub token, key store',
      '  creds plan setup      # what setup would change',
      '  creds run setup       # do it',
    ].join('\n'),
  );
  out.result({ command: 'init', ok: true, exitCode: EXIT.ok, path, format, gitignore, config });
  return EXIT.ok;
}

async function gather(ctx: CliContext, flags: InitFlags): Promise<Answers> {
  const guess = guessRepo(ctx.globals.cwd);
  const ask = ctx.out.interactive && !flags.yes;
  if (!ask) {
    const owner = flags.owner ?? guess?.owner;
    const repo = flags.repo ?? guess?.repo;
    const missing = [owner ? '' : '--owner', repo ? '' : '--repo'].filter(Boolean);
    if (missing.length > 0 || !owner || !repo) {
      throw new UsageError(`creds init needs ${missing.join(' and ')} when it cannot ask`, 'e.g. creds init --owner octo-org --repo demo');
    }
    if (flags.store === '1password' && !flags.vault) throw new UsageError('--store 1password needs --vault');
    return {
      owner,
      repo,
      user: flags.user ?? `gha-${repo}`,
      region: flags.region ?? 'us-east-1',
      store: flags.store ?? 'json',
      ...(flags.vault ? { vault: flags.vault } : {}),
      ...(flags.permissionsBoundary ? { permissionsBoundary: flags.permissionsBoundary } : {}),
    };
  }
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  const q = async (
    label: string,
    given: string | undefined,
    fallback: string | undefined,
    check?: (v: string) => Promise<string | undefined> | string | undefined,
    optional = false,
  ) => {
    if (given) return given;
    for (;;) {
      const answer = (await rl.question(`${label}${fallback ? ctx.out.c.dim(` (${fallback})`) : ''}: `)).trim() || fallback || '';
      if (!answer && optional) return '';
      const problem = answer ? await check?.(answer) : 'an answer is needed';
      if (!problem) return answer;
      process.stderr.write(`  ${ctx.out.c.red(problem)}\n`);
    }
  };
  try {
    const owner = await q('GitHub owner (user or organization)', flags.owner, guess?.owner);
    const repo = await q('GitHub repository', flags.repo, guess?.repo);
    // The library's rules, by the field they name: the config's own validation, not a copy of it.
    const defaults: Answers = { owner, repo, user: `gha-${repo}`, region: 'us-east-1', store: 'json' };
    const user = await q('IAM user to create', flags.user, defaults.user, (v) => configProblem({ ...defaults, user: v }, 'iam.userName'));
    const region = await q('AWS region for the workflows', flags.region, defaults.region, (v) => configProblem({ ...defaults, user, region: v }, 'region'));
    const store = (await q('Key store: json, keychain or 1password', flags.store, 'json', (v) =>
      ['json', 'keychain', '1password'].includes(v) ? undefined : 'one of json, keychain, 1password',
    )) as Answers['store'];
    const vault = store === '1password' ? await q('1Password vault', flags.vault, undefined) : undefined;
    // Optional: an empty answer writes none. The admin policy in docs/permissions.md lets creds
    // change only users that carry the boundary, so the user running creds cannot grant itself more.
    const permissionsBoundary = await q(
      'Permissions boundary policy ARN (empty for none; see docs/permissions.md)',
      flags.permissionsBoundary,
      undefined,
      (v) => configProblem({ ...defaults, user, region, permissionsBoundary: v }, 'iam.permissionsBoundary'),
      true,
    );
    return { owner, repo, user, region, store, ...(vault ? { vault } : {}), ...(permissionsBoundary ? { permissionsBoundary } : {}) };
  } finally {
    rl.close();
  }
}

function buildConfig(a: Answers, schema: string | undefined): Record<string, unknown> {
  const store =
    a.store === '1password' ? { type: '1password', vault: a.vault } : a.store === 'keychain' ? { type: 'keychain' } : { type: 'json' };
  return {
    ...(schema ? { $schema: schema } : {}),
    region: a.region,
    iam: {
      userName: a.user,
      tags: { purpose: 'github-actions' },
      policy: STARTER_POLICY,
      managedPolicyArns: [],
      ...(a.permissionsBoundary ? { permissionsBoundary: a.permissionsBoundary } : {}),
    },
    github: { owner: a.owner, repo: a.repo },
    store,
  };
}

/** What the library's config validation says about one field of the config these answers make, if anything. */
async function configProblem(answers: Answers, field: string): Promise<string | undefined> {
  const lib = await import('@creds/creds');
  try {
    await lib.resolveConfig(buildConfig(answers, undefined), { path: resolve('creds.config.json'), dir: process.cwd() });
    return undefined;
  } catch (error) {
    // ValidationErrors: each issue names its field and the rule it breaks.
    const issues = (error as { issues?: Array<{ field: string; rule: string }> } | undefined)?.issues ?? [];
    return issues.find((i) => i.field === field)?.rule;
  }
}

/** The config's JSON Schema, relative to the config, when the library ships one. */
function schemaPointer(dir: string): string | undefined {
  try {
    const main = fileURLToPath(import.meta.resolve('@creds/creds'));
    for (const name of ['creds.schema.json', 'schema.json', 'config.schema.json']) {
      const candidate = join(dirname(main), '..', name);
      if (existsSync(candidate)) return relative(dir, candidate).split('\\').join('/');
    }
  } catch {}
  return undefined;
}

function guessRepo(cwd: string): { owner: string; repo: string } | undefined {
  try {
    const url = execFileSync('git', ['config', '--get', 'remote.origin.url'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const m = /github\.com[:/]([^/]+)\/([^/]+?)(?:\.git)?$/.exec(url);
    return m ? { owner: m[1]!, repo: m[2]! } : undefined;
  } catch {
    return undefined;
  }
}

async function ignoreStateDir(dir: string): Promise<'added' | 'present'> {
  const path = join(dir, '.gitignore');
  let text = '';
  try {
    text = await readFile(path, 'utf8');
  } catch {}
  const lines = text.split(/\r?\n/).map((l) => l.trim());
  if (lines.some((l) => ['.creds', '.creds/', '/.creds', '/.creds/', '.creds/*', '**/.creds/'].includes(l))) return 'present';
  const prefix = text && !text.endsWith('\n') ? '\n' : '';
  await appendFile(path, `${prefix}# creds state: journals, locks, keys\n.creds/\n`);
  return 'added';
}

/** Comments for the YAML form (JSON cannot hold them), by the path of the key they stand above. */
const YAML_COMMENTS: Array<[path: string[], comment: string]> = [
  [['region'], 'AWS region the workflows use; written to the AWS_DEFAULT_REGION secret.'],
  [['iam'], 'The IAM user creds manages for the workflows, and what it may do.'],
  [['iam', 'userName'], 'The IAM user creds creates for this repository (1-64 of A-Z a-z 0-9 + = , . @ _ -).'],
  [['iam', 'tags'], "Tags put on the user, besides creds' own ownership tags."],
  [['iam', 'policy'], 'The inline policy: what the workflows may do. A placeholder: replace it.\n(Or keep it in a file: policyFile: ./policy.json)'],
  [['iam', 'managedPolicyArns'], 'Managed policies to attach, by ARN, e.g. arn:aws:iam::aws:policy/ReadOnlyAccess'],
  [['iam', 'permissionsBoundary'], 'The most the user may ever do, whatever its policies say (docs/permissions.md).'],
  [['github'], 'The repository whose Actions secrets creds writes (add `environment:` for an environment).'],
  [['store'], 'Where the secret half of the access key is kept: json (.creds/keys.json, 0600), keychain, or\n1password (with vault:).'],
];

/** The starter config as YAML, built with the yaml package's Document API, a comment above each field. */
async function toYaml(config: Record<string, unknown>): Promise<string> {
  const { Document, isMap, isScalar, isSeq } = await import('yaml');
  const { $schema, ...body } = config;
  const doc = new Document(body);
  doc.commentBefore = [
    ' creds config: docs/cli.md and the configuration reference describe every field.',
    ...(typeof $schema === 'string' ? [` yaml-language-server: $schema=${$schema}`] : []),
  ].join('\n');
  for (const [path, comment] of YAML_COMMENTS) {
    const parent = path.length === 1 ? doc.contents : doc.getIn(path.slice(0, -1), true);
    if (!isMap(parent)) continue;
    const pair = parent.items.find((p) => isScalar(p.key) && p.key.value === path.at(-1));
    if (pair && isScalar(pair.key)) {
      pair.key.commentBefore = comment
        .split('\n')
        .map((line) => ` ${line}`)
        .join('\n');
      if (path.length === 1 && pair !== parent.items[0]) pair.key.spaceBefore = true;
    }
  }
  // Short lists (a statement's actions and resources) read best on one line.
  const statements = doc.getIn(['iam', 'policy', 'Statement'], true);
  if (isSeq(statements)) {
    for (const statement of statements.items) {
      if (!isMap(statement)) continue;
      for (const pair of statement.items) if (isSeq(pair.value)) pair.value.flow = true;
    }
  }
  // Values quoted as before (a YAML 1.1 reader would take an unquoted 2012-10-17 for a date).
  return doc.toString({ lineWidth: 0, defaultStringType: 'QUOTE_DOUBLE', defaultKeyType: 'PLAIN' });
}
