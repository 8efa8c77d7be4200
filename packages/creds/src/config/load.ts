import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { dirname, extname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CredsError, ValidationError, ValidationErrors } from '@creds/core';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { configSchema, type GitHubAppConfig, type ParsedConfig, type RotationConfig, type StoreConfig, type TargetConfig, targetSchema } from './schema.js';
import { validateTarget } from './validate.js';

export const CONFIG_FILE_NAMES = ['creds.config.json', 'creds.config.yaml', 'creds.config.yml', 'creds.config.mjs'];

export interface LoadedConfig {
  /** Absolute path of the config file (or a description when given as an object). */
  path: string;
  /** Folder the config's relative paths are resolved against; `.creds/` lives here. */
  dir: string;
  targets: TargetConfig[];
  store: StoreConfig;
  rotation: RotationConfig;
  /** GitHub App authentication, when the config names an app; `privateKeyFile` is absolute. */
  githubApp?: GitHubAppConfig;
  /** sha256 of the validated config, recorded in the journal. */
  hash: string;
}

export class ConfigError extends CredsError {
  override name = 'ConfigError';
  constructor(message: string, hint?: string) {
    super(message, { code: 'INVALID_CONFIG', ...(hint ? { hint } : {}) });
  }
}

/** Finds the config file: the given path, or the first of CONFIG_FILE_NAMES in `cwd`. */
export async function findConfig(cwd: string, configPath?: string): Promise<string> {
  if (configPath) {
    const path = resolve(cwd, configPath);
    const kind = await fileKind(path);
    if (kind === 'missing') throw new ConfigError(`config file ${path} does not exist`);
    if (kind === 'folder') throw notAFile(path);
    return path;
  }
  for (const name of CONFIG_FILE_NAMES) {
    const path = join(cwd, name);
    const kind = await fileKind(path);
    if (kind === 'folder') throw notAFile(path);
    if (kind === 'file') return path;
  }
  throw new ConfigError(
    `no creds.config.json (or .yaml, .yml, .mjs) in ${cwd}`,
    'create one with `creds init`, or point at one with --config PATH',
  );
}

/** Reads, validates and expands the config file into targets. Throws before anything is written. */
export async function loadConfig(options: { cwd?: string; configPath?: string } = {}): Promise<LoadedConfig> {
  const path = await findConfig(options.cwd ?? process.cwd(), options.configPath);
  return resolveConfig(await readConfigFile(path), { path, dir: dirname(path) });
}

async function readConfigFile(path: string): Promise<unknown> {
  const ext = extname(path);
  if (ext === '.mjs' || ext === '.js') {
    const mod = (await import(pathToFileURL(path).href)) as { default?: unknown };
    return mod.default;
  }
  if (ext === '.ts') {
    throw new ConfigError(`${path}: TypeScript configs need a loader`, 'use creds.config.mjs (or .json/.yaml)');
  }
  const text = await readFile(path, 'utf8');
  if (ext === '.yaml' || ext === '.yml') {
    try {
      return parseYaml(text);
    } catch (error) {
      throw new ConfigError(`${path}: not valid YAML: ${(error as Error).message.split('\n')[0]}`);
    }
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`${path}: not valid JSON${jsonErrorPlace(text, (error as Error).message)}`);
  }
}

/**
 * Where JSON.parse gave up, as line and column, without quoting the file: its message carries the
 * file's first bytes, and a mistaken --config (a key file, /etc/passwd) must not print them.
 */
function jsonErrorPlace(text: string, message: string): string {
  if (/end of JSON input/i.test(message)) return ' (it ends too early)';
  const at = /position (\d+)/.exec(message);
  if (!at) return '';
  const before = text.slice(0, Number(at[1]));
  const line = before.split('\n').length;
  return ` (at line ${line}, column ${before.length - before.lastIndexOf('\n')})`;
}

/** Validates a config object (as read from a file, or built by a program) and expands its targets. */
export async function resolveConfig(raw: unknown, where: { path: string; dir: string }): Promise<LoadedConfig> {
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) throw fromZod(parsed.error);
  const config = parsed.data;
  // Targets are merged from the input as written, so the schema's defaults are applied once, to the
  // merged result, and never overwrite a top-level value with an override's default.
  const input = raw as Obj;
  const issues: ValidationError[] = [];
  const overrides = (input['targets'] as Obj[] | undefined) ?? [{ name: defaultTargetName(config) }];
  const names = new Set<string>();
  const targets: TargetConfig[] = [];
  for (const [i, override] of overrides.entries()) {
    const prefix = config.targets ? `targets[${i}]` : '';
    const at = (field: string) => (prefix ? `${prefix}.${field}` : field);
    const name = String(override['name']);
    if (names.has(name.toLowerCase())) {
      issues.push(new ValidationError(at('name'), `"${name}" is used by another target`));
      continue;
    }
    names.add(name.toLowerCase());
    for (const [where, iamInput] of [['', input['iam']], [prefix, override['iam']]] as const) {
      const given = iamInput as Obj | undefined;
      if (given?.['policy'] !== undefined && given['policyFile'] !== undefined && (where || i === 0)) {
        const f = (field: string) => (where ? `${where}.${field}` : field);
        issues.push(new ValidationError(f('iam.policy'), `give either ${f('iam.policy')} or ${f('iam.policyFile')}, not both`));
      }
    }
    const merged = mergeTarget(input, override);
    const mergedIam = merged['iam'] as Obj;
    if (typeof mergedIam['policyFile'] === 'string' && mergedIam['policy'] === undefined) {
      const field = `${prefix ? `${prefix}.` : ''}iam.policyFile`;
      mergedIam['policy'] = await readPolicyFile(resolve(where.dir, mergedIam['policyFile']), field, issues);
    }
    const target = targetSchema.safeParse(merged);
    if (!target.success) {
      issues.push(...fromZod(target.error, prefix).issues);
      continue;
    }
    const found = validateTarget(target.data, prefix);
    if (found.length === 0) targets.push(target.data);
    issues.push(...found);
  }
  issues.push(...linkSharedUsers(targets));
  if (issues.length > 0) throw new ValidationErrors(issues);
  const hash = createHash('sha256').update(JSON.stringify({ targets, store: config.store })).digest('hex');
  return {
    path: where.path,
    dir: where.dir,
    targets,
    store: config.store,
    rotation: { maxKeyAge: '90d', unusedAfter: '30d', drainTimeout: '30m', ...config.rotation },
    ...(config.githubApp
      ? {
          githubApp: {
            ...config.githubApp,
            ...(config.githubApp.privateKeyFile ? { privateKeyFile: resolve(where.dir, config.githubApp.privateKeyFile) } : {}),
          },
        }
      : {}),
    hash,
  };
}

/**
 * Targets that name the same IAM user share it and its one key: the first owns them, the others'
 * secrets are written by the owner's runs. They must agree on everything about the user.
 */
function linkSharedUsers(targets: TargetConfig[]): ValidationError[] {
  const issues: ValidationError[] = [];
  const owners = new Map<string, TargetConfig>();
  for (const [i, target] of targets.entries()) {
    // A keyless-only target has no user to share.
    if (target.iam.userName === undefined) continue;
    const key = target.iam.userName.toLowerCase();
    const owner = owners.get(key);
    if (!owner) {
      owners.set(key, target);
      continue;
    }
    if (JSON.stringify(owner.iam) !== JSON.stringify(target.iam)) {
      issues.push(
        new ValidationError(
          `targets[${i}].iam`,
          `shares IAM user ${target.iam.userName} with target ${owner.name} but configures it differently; targets sharing a user must agree on its iam settings`,
        ),
      );
    }
    target.keyOwner = owner.name;
    owner.sharedWith.push(target.name);
  }
  return issues;
}

function defaultTargetName(config: ParsedConfig): string {
  const name = config.github?.repo ?? config.github?.org ?? 'default';
  return /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(name) ? name : 'default';
}

type Obj = Record<string, unknown>;

function mergeTarget(config: Obj, override: Obj): Obj {
  const pick = (key: string): Obj | undefined => {
    let top = config[key] as Obj | undefined;
    const own = override[key] as Obj | undefined;
    // A target's own policy (inline or from a file) replaces the top-level one, whichever form each has.
    if (key === 'iam' && top && own && (own['policy'] !== undefined || own['policyFile'] !== undefined)) {
      const { policy: _policy, policyFile: _policyFile, ...rest } = top;
      top = rest;
    }
    return top || own ? { ...top, ...own } : undefined;
  };
  const github = (override['github'] ?? config['github']) as Obj | undefined;
  return {
    name: override['name'],
    region: override['region'] ?? config['region'],
    iam: pick('iam') ?? {},
    github: github ?? {},
    secrets: pick('secrets') ?? {},
    ...(pick('oidc') ? { oidc: pick('oidc') } : {}),
  };
}

async function readPolicyFile(path: string, field: string, issues: ValidationError[]): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === 'ENOENT' ? `${path} does not exist` : `${path} is not valid JSON`;
    issues.push(new ValidationError(field, reason));
    return undefined;
  }
}

function fromZod(error: z.ZodError, prefix = ''): ValidationErrors {
  const fieldOf = (path: readonly PropertyKey[]) =>
    `${prefix}${path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('')}`.replace(/^\./, '') || '(config)';
  return new ValidationErrors(
    error.issues.flatMap((issue) =>
      issue.code === 'unrecognized_keys'
        ? issue.keys.map((key) => new ValidationError(fieldOf([...issue.path, key]), 'is not a known field (check its spelling)'))
        : [new ValidationError(fieldOf(issue.path), zodRule(issue))],
    ),
  );
}

function zodRule(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type') {
    return /received undefined/.test(issue.message) ? 'is required' : `must be ${article(issue.expected)}`;
  }
  if (issue.code === 'invalid_union' && 'discriminator' in issue) return `must be one of the known kinds (${issue.message})`;
  return issue.message;
}

function article(type: string): string {
  const noun = type === 'record' ? 'object' : type;
  return `${/^[aeiou]/.test(noun) ? 'an' : 'a'} ${noun}`;
}

async function fileKind(path: string): Promise<'file' | 'folder' | 'missing'> {
  try {
    return (await stat(path)).isDirectory() ? 'folder' : 'file';
  } catch {
    return 'missing';
  }
}

function notAFile(path: string): ConfigError {
  return new ConfigError(`config path ${path} is a folder, not a file`, 'point --config at the config file itself (creds.config.json, .yaml, .yml or .mjs)');
}
