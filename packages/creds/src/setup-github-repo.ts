import { dirname, resolve } from 'node:path';
import { blockingRun, createWorkflow, type KeyStore, type Secret, type Step, type Workflow } from '@creds/core';
import type { AwsOptions, GitHubOptions } from './api.js';
import { type LoadedConfig, resolveConfig } from './config/load.js';
import { createInternals } from './creds.js';
import { runConfig } from './recorded-config.js';
import type { RepoOperationParts } from './internals.js';
import { storeNames, type TargetEnv } from './env.js';
import { runnerFor } from './fleet.js';
import { ensureStateDir } from './state.js';
import { setupSteps, setupWorkflow } from './workflows/setup.js';
import { teardownSteps, teardownWorkflow } from './workflows/teardown.js';

/** The Python original's constructor parameters, in camelCase. */
export interface SetupGitHubRepoParams {
  awsRegion: string;
  iamUserName: string;
  tags?: Record<string, string>;
  policyDocument?: Record<string, unknown>;
  attachedPolicyArnList?: string[];
  /** Where the access key is kept (a creds JSON key file, 0600); journals go in `.creds/` beside it. */
  pathAccessKeyJson: string;
  githubUserName: string;
  githubRepoName: string;
  githubToken?: string;
  githubSecretNameAwsDefaultRegion?: string;
  githubSecretNameAwsAccessKeyId?: string;
  githubSecretNameAwsSecretAccessKey?: string;
  /** AWS credentials, profile or endpoints; the default provider chain otherwise. */
  aws?: AwsOptions;
  /** GitHub API base URL (GitHub Enterprise Server, the sandbox) and wait scaling. */
  github?: Omit<GitHubOptions, 'token'>;
  /** Keep the key somewhere else than `pathAccessKeyJson`. */
  store?: KeyStore;
  /** How long to wait for a new key to work with STS (default 60 s). */
  verifyTimeoutMs?: number;
}

/**
 * The Python library's `SetupGitHubRepo`, on the creds engine: the same eight operations, each
 * idempotent and journaled, without the original's gaps (an orphaned key when the file write
 * failed, a world-readable key file, swallowed GitHub errors, deleting only the first key,
 * detaching policies it did not attach). Input is validated on the first call, before any write.
 */
export class SetupGitHubRepo {
  readonly #params: SetupGitHubRepoParams;
  #ready: Promise<{ config: LoadedConfig; internals: RepoOperationParts }> | undefined;

  constructor(params: SetupGitHubRepoParams) {
    this.#params = params;
  }

  async s11CreateIamUser(): Promise<void> {
    await this.#run('s11-create-iam-user', (s) => [...s.setup.preflight, s.setup.user]);
  }

  async s12PutIamPolicy(): Promise<void> {
    await this.#run('s12-put-iam-policy', (s) => [s.setup.inlinePolicy, s.setup.managedPolicies]);
  }

  /** Returns `[accessKeyId, secretAccessKey]`; the secret stays wrapped (`.reveal()` gives the value). */
  async s13CreateOrGetAccessKey(): Promise<[string, Secret]> {
    await this.#run('s13-create-or-get-access-key', (s) => [s.setup.accessKey]);
    const { internals } = await this.#prepare();
    const target = internals.targets[0]!;
    const key = await (await internals.store()).get(storeNames(target).current);
    return [key!.accessKeyId, key!.secretAccessKey];
  }

  async s14SetupGithubSecrets(): Promise<void> {
    await this.#run('s14-setup-github-secrets', (s) => [...s.setup.preflight, ...s.setup.secrets]);
  }

  async s21DeleteGithubSecrets(): Promise<void> {
    await this.#run('s21-delete-github-secrets', (s) => [...s.setup.preflight, ...s.teardown.secrets]);
  }

  /** Deletes every key creds made on the user (the original deleted only the first) and the key file entry. */
  async s22DeleteAccessKey(): Promise<void> {
    await this.#run('s22-delete-access-key', (s) => [s.teardown.keys]);
  }

  /** Deletes the inline policy and detaches only the managed policies creds attached. */
  async s23DeleteIamPolicy(): Promise<void> {
    await this.#run('s23-delete-iam-policy', (s) => [s.teardown.policies]);
  }

  async s24DeleteIamUser(): Promise<void> {
    await this.#run('s24-delete-iam-user', (s) => [s.teardown.user]);
  }

  /** s11–s14 as one workflow, independent steps at once. */
  async setupAll(): Promise<void> {
    await this.#runWorkflow((target, _runs, opts) => setupWorkflow(target, opts));
  }

  /** s21–s24 as one workflow. */
  async teardownAll(): Promise<void> {
    await this.#runWorkflow((target, runs) => teardownWorkflow(target, runs));
  }

  #prepare() {
    this.#ready ??= (async () => {
      const p = this.#params;
      const keyFile = resolve(p.pathAccessKeyJson);
      const dir = dirname(keyFile);
      const config = await resolveConfig(
        {
          region: p.awsRegion,
          iam: {
            userName: p.iamUserName,
            tags: p.tags ?? {},
            ...(p.policyDocument ? { policy: p.policyDocument } : {}),
            managedPolicyArns: p.attachedPolicyArnList ?? [],
          },
          github: { owner: p.githubUserName, repo: p.githubRepoName },
          secrets: {
            ...(p.githubSecretNameAwsDefaultRegion ? { region: p.githubSecretNameAwsDefaultRegion } : {}),
            ...(p.githubSecretNameAwsAccessKeyId ? { accessKeyId: p.githubSecretNameAwsAccessKeyId } : {}),
            ...(p.githubSecretNameAwsSecretAccessKey ? { secretAccessKey: p.githubSecretNameAwsSecretAccessKey } : {}),
          },
          store: { type: 'json', path: keyFile },
        },
        { path: `SetupGitHubRepo(${p.githubUserName}/${p.githubRepoName})`, dir },
      );
      await ensureStateDir(dir);
      const internals = createInternals(config, {
        ...(p.aws ? { aws: p.aws } : {}),
        github: { ...p.github, ...(p.githubToken ? { token: p.githubToken } : {}) },
        ...(p.store ? { store: p.store } : {}),
        ...(p.verifyTimeoutMs ? { verifyTimeoutMs: p.verifyTimeoutMs } : {}),
      });
      return { config, internals };
    })();
    return this.#ready;
  }

  /** One operation = one journaled run of the steps it needs; an unfinished one is resumed. */
  async #run(
    name: string,
    pick: (steps: { setup: ReturnType<typeof setupSteps>; teardown: ReturnType<typeof teardownSteps> }) => Array<Step<TargetEnv> | undefined>,
  ): Promise<void> {
    await this.#runWorkflow((target, runs, opts) => {
      const chosen = pick({ setup: setupSteps(target, { ...opts, alone: true }), teardown: teardownSteps(target, runs) }).filter(
        (step): step is Step<TargetEnv> => step !== undefined,
      );
      const ids = new Set(chosen.map((s) => s.id));
      // Alone, a step depends only on what this operation includes (s12 runs after s11 made the user).
      return createWorkflow(
        name,
        chosen.map((step) => ({ ...step, dependsOn: (step.dependsOn ?? []).filter((d) => ids.has(d)) })),
      );
    });
  }

  async #runWorkflow(
    build: (target: LoadedConfig['targets'][number], runs: ReturnType<ReturnType<typeof runnerFor>['history']>, opts: { verifyTimeoutMs?: number }) => Workflow<TargetEnv>,
  ): Promise<void> {
    const { config, internals } = await this.#prepare();
    const target = config.targets[0]!;
    const runner = runnerFor<TargetEnv>(config, target.name, internals.options);
    const runs = runner.history();
    const env = await internals.env(target, runs);
    const workflow = build(target, runs, this.#params.verifyTimeoutMs ? { verifyTimeoutMs: this.#params.verifyTimeoutMs } : {});
    const blocking = blockingRun(runs);
    const recorded = { configHash: config.hash, config: runConfig(target, []) };
    if (blocking?.kind === 'run' && blocking.run.workflow === workflow.name) await runner.resume(workflow, env, recorded);
    else await runner.run(workflow, env, recorded);
  }
}
