import { readFileSync } from 'node:fs';
import { Argument, Command, InvalidArgumentError, Option } from 'commander';
import { type WorkflowName, workflowNames, workflowRegistry } from '@creds/creds/workflows';
import type { CliContext, GlobalOptions, LogLevel } from './context.js';
import type { InitFlags, MigrateFlags, RunFlags, SandboxFlags, TargetSelection } from './flags.js';
import { LOG_LEVELS } from './context.js';

// Only commander and the library's workflow registry (names and summaries; it loads nothing) are
// loaded here. Each command's module (and through it the library, the AWS SDK, Octokit, libsodium,
// zod) is imported once that command is chosen, so --help and --version stay fast.

export interface ParsedCommand {
  name: string;
  globals: GlobalOptions;
  run(ctx: CliContext): Promise<number>;
}

const WORKFLOWS = workflowNames(workflowRegistry);

/** The workflows, one line each, for help. */
function workflowList(): string {
  const width = Math.max(...WORKFLOWS.map((n) => n.length));
  return `\nWorkflows:\n${WORKFLOWS.map((n) => `  ${n.padEnd(width)}  ${workflowRegistry[n].summary}`).join('\n')}\n`;
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 64) throw new InvalidArgumentError('must be a whole number from 1 to 64');
  return n;
}

function port(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65535) throw new InvalidArgumentError('must be a port number (0 picks a free one)');
  return n;
}

function seconds(value: string): number {
  const n = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || n > 3600) throw new InvalidArgumentError('must be a number of seconds from 0 to 3600');
  return n;
}

function examples(lines: string[]): string {
  return `\nExamples:\n${lines.map((l) => `  ${l}`).join('\n')}\n`;
}

function targetOptions(command: Command): Command {
  return command
    .addOption(new Option('--target <name>', 'only this target (repeat for several)').argParser(collect))
    .option('--all', 'every target in the config (the default)');
}

function selection(command: Command, opts: { target?: string[]; all?: boolean }): TargetSelection {
  const targets = opts.target ?? [];
  if (opts.all && targets.length > 0) command.error('error: --target and --all exclude each other');
  return targets.length > 0 ? targets : undefined;
}

/**
 * Builds the command tree. `onCommand` receives the chosen command, its normalised options and a
 * function that lazily imports and runs its module; main() runs it and maps the outcome to an exit code.
 */
export function buildProgram(onCommand: (command: ParsedCommand) => void): Command {
  const program = new Command('creds');
  program
    .description(
      "Give a GitHub repository's Actions workflows access to AWS, and take it away again.\n" +
        'Every change is journaled: an interrupted run resumes (--resume) and any run rolls back.',
    )
    .version(version(), '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help for a command')
    .option('-c, --config <path>', 'config file (default: creds.config.{json,yaml,yml,mjs} in the current folder)')
    .option('--json', 'machine output: NDJSON events while running, then one result object, all on stdout')
    .addOption(
      new Option('--log-level <level>', 'how much to tell on stderr').choices(LOG_LEVELS as unknown as string[]).default('info'),
    )
    .option('--no-color', 'no colours (also when NO_COLOR is set or output is not a terminal)')
    .option('--sandbox', 'run against local IAM/STS and GitHub servers (state in .creds/sandbox/); no AWS account or token needed')
    .option('--profile <name>', 'AWS profile from ~/.aws (otherwise the default credential chain)')
    .showHelpAfterError('(run with --help for usage)')
    .configureHelp({ showGlobalOptions: true })
    .exitOverride()
    .addHelpText(
      'after',
      examples([
        'creds init                               # write creds.config.json',
        'creds run setup --sandbox --yes          # try it locally: no AWS account, no token',
        'creds plan setup                         # what setup would change',
        'creds run setup                          # confirm the plan, then apply it',
        'creds status                             # drift: exit code 3 when anything drifted',
        'creds run rotate --yes                   # new key, secrets updated, old key retired',
        'creds rollback --yes                     # undo the last run',
        '',
        'Exit codes: 0 ok, 1 a run failed, 2 invalid usage or config, 3 drift, 4 locked, 130 interrupted.',
        'Docs: docs/cli.md',
      ]),
    );

  const globals = (command: Command): GlobalOptions => {
    const o = command.optsWithGlobals() as {
      config?: string;
      json?: boolean;
      logLevel: LogLevel;
      color: boolean;
      sandbox?: boolean;
      profile?: string;
    };
    return {
      ...(o.config ? { config: o.config } : {}),
      json: Boolean(o.json),
      logLevel: o.logLevel,
      color: o.color,
      sandbox: Boolean(o.sandbox),
      ...(o.profile ? { profile: o.profile } : {}),
      cwd: process.cwd(),
    };
  };

  const choose = (name: string, command: Command, run: (ctx: CliContext) => Promise<number>) => {
    onCommand({ name, globals: globals(command), run });
  };

  program
    .command('init')
    .description('write a creds.config.json (asks on a terminal; flags for scripts) and add .creds/ to .gitignore')
    .option('--owner <owner>', 'GitHub owner (user or organization)')
    .option('--repo <repo>', 'GitHub repository name')
    .option('--user <name>', 'IAM user to create (default: gha-<repo>)')
    .option('--region <region>', 'AWS region the workflows use (default: us-east-1)')
    .addOption(new Option('--store <type>', 'where the secret half of the key is kept').choices(['json', 'keychain', '1password']))
    .option('--vault <vault>', '1Password vault (with --store 1password)')
    .option('--permissions-boundary <arn>', 'managed policy ARN that caps the IAM user (docs/permissions.md)')
    .addOption(new Option('--format <format>', 'file format: json, or yaml with comments').choices(['json', 'yaml']).default('json'))
    .option('--force', 'overwrite an existing config file')
    .option('-y, --yes', 'ask nothing: take flags and defaults')
    .addHelpText(
      'after',
      examples([
        'creds init',
        'creds init --owner octo-org --repo demo --user gha-demo --region eu-west-1 --yes',
        'creds init --format yaml --store keychain',
        'creds init --permissions-boundary arn:aws:iam::123456789012:policy/gh-actions-boundary',
      ]),
    )
    .action(async (opts: InitFlags, command: Command) => {
      choose('init', command, async (ctx) => (await import('./commands/init.js')).init(ctx, opts));
    });

  const plan = program
    .command('plan')
    .description('read-only: what a workflow would change, per target')
    .addArgument(new PlanArgument());
  targetOptions(plan)
    .addHelpText('after', examples(['creds plan', 'creds plan teardown', 'creds plan rotate --target web --json']))
    .action(async (workflow: WorkflowName, opts: { target?: string[]; all?: boolean }, command: Command) => {
      const targets = selection(command, opts);
      choose('plan', command, async (ctx) => (await import('./commands/plan.js')).plan(ctx, { workflow, targets }));
    });

  const run = program
    .command('run')
    .description(`apply a workflow: ${WORKFLOWS.join(', ')} (shows the plan and asks first on a terminal)`)
    .addArgument(new WorkflowArgument())
    .option('--resume', 'continue the unfinished run from the journal')
    .option('-y, --yes', 'do not ask for confirmation (needed when not on a terminal)');
  targetOptions(run)
    .addHelpText('after', workflowList())
    .option('--concurrency <n>', 'steps at once within a target (1 forces one at a time)', positiveInt)
    .option('--target-concurrency <n>', 'targets at once in a fleet', positiveInt)
    .option('--older-than <age>', 'rotate: only keys older than this (e.g. 90d; without it every key is rotated)')
    .option(
      '--drain-timeout <duration>',
      'rotate: how long to wait for workflow runs that started before the switch (e.g. 30m, 90s; 0: not at all; default rotation.drainTimeout, 30m)',
    )
    .option('--force', 'rotate: retire the old key even if something used it after the drain')
    .addHelpText(
      'after',
      examples([
        'creds run setup',
        'creds run setup --sandbox --yes',
        'creds run setup --resume --yes          # continue after Ctrl-C, a crash, a network drop',
        'creds run rotate --all --older-than 90d --yes',
        'creds run rotate --resume --yes          # after a drain timeout: wait again for the runs',
        'creds run teardown --target web',
        'creds run oidc --yes                    # keyless: OIDC provider + role, prints the workflow snippet',
        'creds run migrate-to-oidc               # the role, then delete the key and its secrets',
      ]),
    )
    .action(async (workflow: WorkflowName, opts: RunFlags, command: Command) => {
      const targets = selection(command, opts);
      if (opts.olderThan && workflow !== 'rotate') command.error('error: --older-than is for run rotate');
      if (opts.drainTimeout !== undefined && workflow !== 'rotate') command.error('error: --drain-timeout is for run rotate');
      if (opts.force && workflow !== 'rotate') command.error('error: --force is for run rotate');
      choose('run', command, async (ctx) => (await import('./commands/run.js')).run(ctx, { ...opts, workflow, targets }));
    });

  const migrate = program
    .command('migrate-to-oidc')
    .description('move to the keyless route: set up the OIDC role, then delete the key and its secrets (asks first)')
    .option('--resume', 'continue the unfinished migration from the journal')
    .option('-y, --yes', 'do not ask for confirmation (needed when not on a terminal)');
  targetOptions(migrate)
    .addHelpText('after', examples(['creds plan migrate-to-oidc', 'creds migrate-to-oidc', 'creds migrate-to-oidc --resume --yes']))
    .action(async (opts: RunFlags, command: Command) => {
      const targets = selection(command, opts);
      choose('run', command, async (ctx) => (await import('./commands/run.js')).run(ctx, { ...opts, workflow: 'migrate-to-oidc', targets }));
    });

  const rollback = program
    .command('rollback')
    .description('undo the last run of each target via its journal (itself resumable)')
    .option('-y, --yes', 'do not ask for confirmation (needed when not on a terminal)');
  targetOptions(rollback)
    .addHelpText('after', examples(['creds rollback', 'creds rollback --yes --target web', 'creds rollback --sandbox --yes']))
    .action(async (opts: { yes?: boolean; target?: string[]; all?: boolean }, command: Command) => {
      const targets = selection(command, opts);
      choose('rollback', command, async (ctx) =>
        (await import('./commands/rollback.js')).rollback(ctx, { yes: Boolean(opts.yes), targets }),
      );
    });

  const status = program
    .command('status')
    .description('IAM user, policies, keys (age, last used), key store, secrets: exit code 3 when anything drifted');
  targetOptions(status)
    .addHelpText('after', examples(['creds status', 'creds status --target web', 'creds status --json | jq .targets[].drift']))
    .action(async (opts: { target?: string[]; all?: boolean }, command: Command) => {
      const targets = selection(command, opts);
      choose('status', command, async (ctx) => (await import('./commands/status.js')).status(ctx, { targets }));
    });

  program
    .command('doctor')
    .description('check AWS identity, GitHub token and permissions, key store, config, and that .creds/ is git-ignored')
    .addHelpText('after', examples(['creds doctor', 'creds doctor --profile admin', 'creds doctor --sandbox']))
    .action(async (_opts: unknown, command: Command) => {
      choose('doctor', command, async (ctx) => (await import('./commands/doctor.js')).doctor(ctx));
    });

  const journal = program.command('journal').description('history of runs and steps per target (an audit trail; no secrets)');
  targetOptions(journal)
    .addHelpText('after', examples(['creds journal', 'creds journal --target web --json']))
    .action(async (opts: { target?: string[]; all?: boolean }, command: Command) => {
      const targets = selection(command, opts);
      choose('journal', command, async (ctx) => (await import('./commands/journal.js')).journal(ctx, { targets }));
    });

  const unlock = program
    .command('unlock')
    .description("remove a target's lock left by a run that is gone (refused while its holder runs on this machine)")
    .option('--force', "also remove a lock held from another host whose heartbeat has not stopped yet (make sure that run is gone)");
  targetOptions(unlock)
    .addHelpText('after', examples(['creds unlock', 'creds unlock --target web', 'creds unlock --force --target web']))
    .action(async (opts: { force?: boolean; target?: string[]; all?: boolean }, command: Command) => {
      const targets = selection(command, opts);
      choose('unlock', command, async (ctx) => (await import('./commands/unlock.js')).unlock(ctx, { force: Boolean(opts.force), targets }));
    });

  const store = program.command('store').description('key store commands');
  store
    .command('migrate')
    .description('move every key creds keeps from the configured store to another one')
    .addOption(new Option('--to <type>', 'the store to move keys to').choices(['json', 'keychain', '1password', 'none']).makeOptionMandatory())
    .option('--vault <vault>', '1Password vault (with --to 1password)')
    .option('--account <account>', '1Password account (with --to 1password)')
    .option('--path <file>', 'key file (with --to json; default .creds/keys.json)')
    .option('--service <name>', 'keychain service (with --to keychain; default "creds")')
    .option('-y, --yes', 'do not ask for confirmation (needed when not on a terminal)')
    .addHelpText(
      'after',
      examples(['creds store migrate --to keychain', 'creds store migrate --to 1password --vault CI --yes']),
    )
    .action(async (opts: MigrateFlags, command: Command) => {
      if (opts.to === '1password' && !opts.vault) command.error('error: --to 1password needs --vault');
      choose('store migrate', command, async (ctx) => (await import('./commands/store-migrate.js')).migrate(ctx, opts));
    });

  program
    .command('sandbox')
    .description('run the local IAM/STS and GitHub servers in the foreground (Ctrl-C stops them) and print the env vars to use them')
    .option('--port <n>', 'IAM/STS on this port and GitHub on the next (default: free ports)', port)
    .option('--iam-port <n>', 'port of the IAM/STS server', port)
    .option('--github-port <n>', 'port of the GitHub server', port)
    .option('--memory', 'keep the world in memory instead of .creds/sandbox/')
    .option('--propagation-delay <seconds>', "how long IAM refuses a new access key, in sandbox seconds (default 10, AWS's usual)", seconds)
    .addHelpText(
      'after',
      examples([
        'creds sandbox',
        'creds sandbox --iam-port 4566 --github-port 4567',
        'creds sandbox --propagation-delay 0',
        '# then, in another shell: paste the printed exports, and run creds (or the aws CLI) as usual',
      ]),
    )
    .action(async (opts: SandboxFlags, command: Command) => {
      choose('sandbox', command, async (ctx) => (await import('./commands/sandbox.js')).sandbox(ctx, opts));
    });

  return program;
}

class WorkflowArgument extends Argument {
  constructor() {
    super('<workflow>', WORKFLOWS.join(' | '));
    this.choices(WORKFLOWS);
  }
}

class PlanArgument extends Argument {
  constructor() {
    super('[workflow]', WORKFLOWS.join(' | '));
    this.choices(WORKFLOWS);
    this.default('setup' satisfies WorkflowName);
  }
}
