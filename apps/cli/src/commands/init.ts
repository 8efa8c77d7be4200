import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CliContext } from '../context.js';
import { UsageError } from '../errors.js';
import { EXIT } from '../exit-codes.js';
import type { InitFlags } from '../program.js';

interface Answers {
  owner: string;
  repo: string;
  user: string;
  region: string;
  store: 'json' | 'keychain' | '1password';
  vault?: string;
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

  const text = format === 'yaml' ? toYaml(config) : `${JSON.stringify(config, null, 2)}\n`;
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
    };
  }
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  const q = async (label: string, given: string | undefined, fallback: string | undefined, check?: (v: string) => string | undefined) => {
    if (given) return given;
    for (;;) {
      const answer = (await rl.question(`${label}${fallback ? ctx.out.c.dim(` (${fallback})`) : ''}: `)).trim() || fallback || '';
      const problem = answer ? check?.(answer) : 'an answer is needed';
      if (!problem) return answer;
      process.stderr.write(`  ${ctx.out.c.red(problem)}\n`);
    }
  };
  try {
    const owner = await q('GitHub owner (user or organization)', flags.owner, guess?.owner);
    const repo = await q('GitHub repository', flags.repo, guess?.repo);
    const user = await q('IAM user to create', flags.user, `gha-${repo}`, (v) =>
      /^[A-Za-z0-9+=,.@_-]{1,64}$/.test(v) ? undefined : '1-64 of A-Z a-z 0-9 + = , . @ _ -',
    );
    const region = await q('AWS region for the workflows', flags.region, 'us-east-1');
    const store = (await q('Key store: json, keychain or 1password', flags.store, 'json', (v) =>
      ['json', 'keychain', '1password'].includes(v) ? undefined : 'one of json, keychain, 1password',
    )) as Answers['store'];
    const vault = store === '1password' ? await q('1Password vault', flags.vault, undefined) : undefined;
    return { owner, repo, user, region, store, ...(vault ? { vault } : {}) };
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
    iam: { userName: a.user, tags: { purpose: 'github-actions' }, policy: STARTER_POLICY, managedPolicyArns: [] },
    github: { owner: a.owner, repo: a.repo },
    store,
  };
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

/** The starter config as YAML with a comment on each field (JSON cannot hold comments). */
function toYaml(config: Record<string, unknown>): string {
  const iam = config['iam'] as { userName: string; tags: Record<string, string> };
  const github = config['github'] as { owner: string; repo: string };
  const store = config['store'] as { type: string; vault?: string };
  const q = (s: string) => JSON.stringify(s);
  const lines = [
    '# creds config: docs/cli.md and the configuration reference describe every field.',
    ...(config['$schema'] ? [`# yaml-language-server: $schema=${config['$schema'] as string}`] : []),
    '',
    '# AWS region the workflows use; written to the AWS_DEFAULT_REGION secret.',
    `region: ${q(config['region'] as string)}`,
    '',
    'iam:',
    '  # The IAM user creds creates for this repository (1-64 of A-Z a-z 0-9 + = , . @ _ -).',
    `  userName: ${q(iam.userName)}`,
    "  # Tags put on the user, besides creds' own ownership tags.",
    '  tags:',
    ...Object.entries(iam.tags).map(([k, v]) => `    ${q(k)}: ${q(v)}`),
    '  # The inline policy: what the workflows may do. A placeholder: replace it.',
    '  # (Or keep it in a file: policyFile: ./policy.json)',
    '  policy:',
    '    Version: "2012-10-17"',
    '    Statement:',
    '      - Sid: ReplaceMe',
    '        Effect: Allow',
    '        Action: ["s3:ListBucket"]',
    '        Resource: ["arn:aws:s3:::my-bucket"]',
    '  # Managed policies to attach, by ARN, e.g. arn:aws:iam::aws:policy/ReadOnlyAccess',
    '  managedPolicyArns: []',
    '',
    '# The repository whose Actions secrets creds writes (add `environment:` for an environment).',
    'github:',
    `  owner: ${q(github.owner)}`,
    `  repo: ${q(github.repo)}`,
    '',
    '# Where the secret half of the access key is kept: json (.creds/keys.json, 0600), keychain, or',
    '# 1password (with vault:).',
    'store:',
    `  type: ${q(store.type)}`,
    ...(store.vault ? [`  vault: ${q(store.vault)}`] : []),
    '',
  ];
  return lines.join('\n');
}
