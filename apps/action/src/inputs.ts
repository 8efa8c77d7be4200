import { parseDuration } from '@creds/creds';
import type { Runner } from './runner.js';

/** The action's inputs, as action.yml declares them. */
export const INPUT = {
  workflow: 'workflow',
  olderThan: 'older-than',
  targets: 'targets',
  config: 'config',
  drainTimeout: 'drain-timeout',
  dryRun: 'dry-run',
  githubToken: 'github-token',
  appId: 'app-id',
  appPrivateKey: 'app-private-key',
  appInstallationId: 'app-installation-id',
} as const;

export interface ActionInputs {
  workflow: 'rotate';
  olderThan?: string;
  /** Every target of the config when absent. */
  targets?: string[];
  config?: string;
  drainTimeout?: string;
  dryRun: boolean;
  githubToken?: string;
  app?: { appId: string; privateKey: string; installationId?: number };
}

/** An input that breaks its rule: the message names the input and the rule. */
export class InputError extends Error {
  override name = 'InputError';
  constructor(
    readonly input: string,
    rule: string,
  ) {
    super(`input ${input}: ${rule}`);
  }
}

/** The secret inputs: masked before anything else is printed. */
export function maskSecrets(runner: Runner): void {
  for (const id of [INPUT.githubToken, INPUT.appPrivateKey]) {
    const value = runner.input(id);
    if (value) runner.mask(value);
  }
}

/** Reads and checks every input before anything is read from AWS or GitHub; all problems at once. */
export function readInputs(runner: Runner): ActionInputs {
  const problems: InputError[] = [];
  const check = <T>(id: string, parse: (value: string) => T): T | undefined => {
    const value = runner.input(id);
    if (value === '') return undefined;
    try {
      return parse(value);
    } catch (error) {
      problems.push(error instanceof InputError ? error : new InputError(id, (error as { rule?: string }).rule ?? (error as Error).message));
      return undefined;
    }
  };

  check(INPUT.workflow, (value) => {
    // Setup and teardown create and delete what people should review in a plan first: run them with the CLI.
    if (value !== 'rotate') throw new InputError(INPUT.workflow, `"${value}" is not a workflow the action runs: only rotate (run setup and teardown with the creds CLI, after reviewing their plan)`);
  });
  const duration = (id: string) => (value: string) => {
    parseDuration(value, id);
    return value;
  };
  const olderThan = check(INPUT.olderThan, duration(INPUT.olderThan));
  const drainTimeout = check(INPUT.drainTimeout, duration(INPUT.drainTimeout));
  const targets = check(INPUT.targets, (value) => {
    const names = value.split(/[,\n]/).map((n) => n.trim()).filter((n) => n !== '');
    const seen = new Set<string>();
    for (const name of names) {
      if (seen.has(name)) throw new InputError(INPUT.targets, `"${name}" is listed twice`);
      seen.add(name);
    }
    return names;
  });
  const dryRun = check(INPUT.dryRun, (value) => {
    // YAML 1.2's booleans, as the runner's own boolean inputs take them.
    if (['true', 'True', 'TRUE'].includes(value)) return true;
    if (['false', 'False', 'FALSE'].includes(value)) return false;
    throw new InputError(INPUT.dryRun, `"${value}" is not true or false`);
  });
  const appId = check(INPUT.appId, (value) => {
    if (!/^(?:[1-9]\d*|Iv[0-9A-Za-z.]+)$/.test(value)) throw new InputError(INPUT.appId, `"${value}" is neither an App ID (digits) nor a client ID (Iv…)`);
    return value;
  });
  const installationId = check(INPUT.appInstallationId, (value) => {
    if (!/^[1-9]\d*$/.test(value)) throw new InputError(INPUT.appInstallationId, `"${value}" is not a whole number (the installation's id)`);
    return Number(value);
  });
  const privateKey = runner.input(INPUT.appPrivateKey);
  const githubToken = runner.input(INPUT.githubToken);
  if (privateKey && !/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(privateKey)) {
    problems.push(new InputError(INPUT.appPrivateKey, 'is not a PEM private key (-----BEGIN … PRIVATE KEY-----), as GitHub gives it for the App'));
  }
  const appGiven = runner.input(INPUT.appId) !== '' || privateKey !== '' || runner.input(INPUT.appInstallationId) !== '';
  if (appGiven) {
    if (!runner.input(INPUT.appId)) problems.push(new InputError(INPUT.appId, `is required with ${INPUT.appPrivateKey}`));
    if (!privateKey) problems.push(new InputError(INPUT.appPrivateKey, `is required with ${INPUT.appId}`));
    if (githubToken) problems.push(new InputError(INPUT.githubToken, `give either ${INPUT.githubToken} or the App (${INPUT.appId}, ${INPUT.appPrivateKey}), not both`));
  }
  if (problems.length > 0) throw new InputErrors(problems);
  return {
    workflow: 'rotate',
    dryRun: dryRun ?? false,
    ...(olderThan ? { olderThan } : {}),
    ...(drainTimeout ? { drainTimeout } : {}),
    ...(targets && targets.length > 0 ? { targets } : {}),
    ...(runner.input(INPUT.config) ? { config: runner.input(INPUT.config) } : {}),
    ...(githubToken ? { githubToken } : {}),
    ...(appId && privateKey ? { app: { appId, privateKey, ...(installationId ? { installationId } : {}) } } : {}),
  };
}

export class InputErrors extends Error {
  override name = 'InputErrors';
  constructor(readonly problems: readonly InputError[]) {
    super(problems.map((p) => p.message).join('\n'));
  }
}
