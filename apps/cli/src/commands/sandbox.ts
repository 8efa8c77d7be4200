import type { CliContext } from '../context.js';
import { EXIT } from '../exit-codes.js';
import type { SandboxFlags } from '../flags.js';

/**
 * `creds sandbox`: the local IAM/STS and GitHub servers in the foreground, for experiments with
 * creds, the aws CLI or any SDK. Prints the env vars that point tools at them; Ctrl-C stops them.
 */
export async function sandbox(ctx: CliContext, flags: SandboxFlags): Promise<number> {
  const { out } = ctx;
  const { loadCliConfig } = await import('../session.js');
  const { startEmbeddedSandbox } = await import('../sandbox/embedded.js');
  const config = await loadCliConfig({ ...ctx, globals: { ...ctx.globals, sandbox: true } });
  const iamPort = flags.iamPort ?? flags.port;
  const githubPort = flags.githubPort ?? (flags.port !== undefined && flags.port !== 0 ? flags.port + 1 : undefined);
  const box = await startEmbeddedSandbox({
    dir: config.dir,
    targets: config.targets,
    memory: Boolean(flags.memory),
    ...(flags.propagationDelay !== undefined ? { propagationDelayMs: flags.propagationDelay * 1000 } : {}),
    ...(iamPort !== undefined ? { iamPort } : {}),
    ...(githubPort !== undefined ? { githubPort } : {}),
  });
  // Listen before telling anyone the servers are up, so an early Ctrl-C still stops them cleanly.
  const stopped = new Promise<NodeJS.Signals>((resolve) => {
    const stop = (s: NodeJS.Signals) => resolve(s);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  const env = box.env();
  const repos = config.targets.map((t) => (t.github.org ? `org ${t.github.org}` : `${t.github.owner}/${t.github.repo}`));
  if (out.mode === 'json') {
    // Written directly: the sandbox admin key id must reach the env vars unmasked (it is a fixed fake).
    const ready = {
      type: 'sandbox-ready',
      iam: box.aws.endpoints.iam,
      github: box.github.baseUrl,
      stateDir: box.stateDir ?? null,
      repositories: repos,
      env,
      ts: new Date().toISOString(),
    };
    process.stdout.write(`${JSON.stringify(ready)}\n`);
  } else {
    // The sandbox's admin key is a fixed fake credential; printing it is the point of this command.
    process.stdout.write(
      [
        `# creds sandbox: IAM/STS on ${box.aws.endpoints.iam}, GitHub on ${box.github.baseUrl}`,
        `# world: ${box.stateDir ?? 'in memory'}; repositories: ${repos.join(', ')}`,
        '# paste into another shell, then run creds (without --sandbox), the aws CLI or an SDK:',
        ...Object.entries(env).map(([k, v]) => `export ${k}=${shellQuote(v)}`),
        '',
      ].join('\n'),
    );
    out.info(out.c.dim('Ctrl-C stops the servers.'));
  }
  const signal = await stopped;
  await box.close();
  out.info(out.c.dim(`\n${signal}: sandbox stopped${box.stateDir ? `; its world stays in ${box.stateDir}` : ''}`));
  out.result({ command: 'sandbox', ok: true, exitCode: EXIT.ok, signal });
  return EXIT.ok;
}

function shellQuote(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, "'\\''")}'`;
}
