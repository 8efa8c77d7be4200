import type { Creds, CredsEvent, CredsOptions, LoadedConfig } from '@creds/creds';
import type { CliContext } from './context.js';
import { UsageError } from './errors.js';
import type { TargetSelection } from './flags.js';
import type { EmbeddedSandbox } from './sandbox/embedded.js';

/** What a command works with: the validated config, the library, and the sandbox when --sandbox is on. */
export interface Session {
  config: LoadedConfig;
  creds: Creds;
  sandbox?: EmbeddedSandbox;
  close(): Promise<void>;
}

export interface SessionOptions {
  targets?: TargetSelection;
  onEvent?: (event: CredsEvent) => void;
  signal?: AbortSignal;
  concurrency?: number;
  targetConcurrency?: number;
}

/**
 * Loads and validates the config (before anything can be written), starts the embedded sandbox
 * when asked, and builds the library front-end pointed at the right endpoints.
 */
export async function openSession(ctx: CliContext, options: SessionOptions = {}): Promise<Session> {
  const config = await loadCliConfig(ctx);
  checkTargets(config, options.targets);
  let sandbox: EmbeddedSandbox | undefined;
  const credsOptions: CredsOptions = {
    ...(options.targets ? { targets: options.targets } : {}),
    ...(options.onEvent ? { onEvent: options.onEvent } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.concurrency ? { concurrency: options.concurrency } : {}),
    ...(options.targetConcurrency ? { targetConcurrency: options.targetConcurrency } : {}),
    ...(ctx.globals.profile ? { aws: { profile: ctx.globals.profile } } : {}),
    // The engine's own log goes to stderr at debug and trace only; people read the progress view.
    ...(ctx.globals.logLevel === 'debug' || ctx.globals.logLevel === 'trace' ? { logLevel: ctx.globals.logLevel } : {}),
  };
  if (ctx.globals.sandbox) {
    const { startEmbeddedSandbox } = await import('./sandbox/embedded.js');
    sandbox = await startEmbeddedSandbox({ dir: config.dir, targets: config.targets, memory: false });
    credsOptions.aws = { credentials: sandbox.aws.credentials, endpoints: sandbox.aws.endpoints };
    credsOptions.github = { token: sandbox.github.token, baseUrl: sandbox.github.baseUrl, timeScale: sandbox.github.timeScale };
  }
  const close = async () => {
    await sandbox?.close();
  };
  try {
    const { createCreds } = await import('@creds/creds');
    const creds = await createCreds(config, credsOptions);
    return { config, creds, ...(sandbox ? { sandbox } : {}), close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** The config file (given, or found in the current folder); with --sandbox and no file, the demo config. */
export async function loadCliConfig(ctx: CliContext): Promise<LoadedConfig> {
  const lib = await import('@creds/creds');
  const { cwd, config: configPath, sandbox } = ctx.globals;
  if (!configPath && sandbox && !(await hasConfigFile(cwd, lib.CONFIG_FILE_NAMES))) {
    const { DEMO_CONFIG } = await import('./sandbox/demo-config.js');
    ctx.out.info(ctx.out.c.dim(`no creds.config.json here: using the sandbox demo config (${DEMO_CONFIG.github.owner}/${DEMO_CONFIG.github.repo})`));
    return lib.resolveConfig(DEMO_CONFIG, { path: '(sandbox demo config)', dir: cwd });
  }
  return lib.loadConfig({ cwd, ...(configPath ? { configPath } : {}) });
}

async function hasConfigFile(cwd: string, names: readonly string[]): Promise<boolean> {
  const { access } = await import('node:fs/promises');
  const { join } = await import('node:path');
  for (const name of names) {
    try {
      await access(join(cwd, name));
      return true;
    } catch {}
  }
  return false;
}

function checkTargets(config: LoadedConfig, targets: TargetSelection): void {
  if (!targets) return;
  const known = config.targets.map((t) => t.name);
  const unknown = targets.filter((t) => !known.includes(t));
  if (unknown.length > 0) {
    throw new UsageError(
      `no target named ${unknown.map((t) => `"${t}"`).join(', ')} in ${config.path}`,
      `targets in this config: ${known.join(', ')}`,
    );
  }
}
