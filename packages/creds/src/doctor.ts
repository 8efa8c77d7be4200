import { execFile } from 'node:child_process';
import { relative } from 'node:path';
import { promisify } from 'node:util';
import { resolveCallerIdentity } from '@creds/aws-iam';
import { createStepContext, errorMessage, withRetry } from '@creds/core';
import type { DoctorCheck } from './api.js';
import type { DoctorParts } from './internals.js';
import type { TargetConfig } from './config/schema.js';
import { keylessStatus } from './oidc-status.js';
import { secretScope } from './env.js';
import { STATE_DIR, statePaths } from './state.js';

const run = promisify(execFile);

async function check(name: string, fn: () => Promise<string>, hint?: string): Promise<DoctorCheck> {
  try {
    // The clients make each call once; a passing fault (5xx, throttling, a dropped connection) is retried here.
    return { name, ok: true, detail: await withRetry(fn) };
  } catch (error) {
    const own = (error as { hint?: string }).hint;
    return { name, ok: false, detail: errorMessage(error), ...((own ?? hint) ? { hint: own ?? hint } : {}) };
  }
}

/** Is `path` (inside `dir`) ignored by git? True when git is absent or `dir` is not a work tree. */
async function gitIgnores(dir: string, path: string): Promise<boolean> {
  try {
    await run('git', ['-C', dir, 'rev-parse', '--is-inside-work-tree']);
  } catch {
    return true;
  }
  try {
    await run('git', ['-C', dir, 'check-ignore', '-q', relative(dir, path) || '.']);
    return true;
  } catch {
    return false;
  }
}

/**
 * The keyless route of a target, from the same answer as `creds status`: in order when nothing
 * drifted, or when nothing is set up yet (no role and no role ARN: `creds run oidc` makes them).
 */
async function keylessCheck(internals: DoctorParts, target: TargetConfig): Promise<DoctorCheck> {
  const name = `keyless route (${target.name})`;
  try {
    const { status, drift } = await keylessStatus(internals, target);
    const { role, roleArn, subjects } = status;
    if (!status.setUp) return { name, ok: true, detail: `not set up yet: creds run oidc creates IAM role ${role.name}` };
    if (drift.length === 0) {
      return { name, ok: true, detail: `IAM role ${role.name} trusts ${subjects.trusted.join(', ')}; ${roleArn.kind} ${roleArn.name} holds its ARN` };
    }
    return { name, ok: false, detail: drift.join('; '), hint: 'creds status shows the keyless route; creds run oidc puts it back' };
  } catch (error) {
    return { name, ok: false, detail: errorMessage(error) };
  }
}

/** Everything a run needs, checked without writing: config, AWS identity, GitHub token and access, store, git. */
export async function runDoctor(internals: DoctorParts): Promise<DoctorCheck[]> {
  const { config, targets } = internals;
  const major = Number(process.versions.node.split('.')[0]);
  const checks: DoctorCheck[] = [
    { name: 'config', ok: true, detail: `${config.path}: ${targets.length} target(s), ${config.store.type} store` },
    {
      name: 'Node.js',
      // A warning, not a failure: creds supports 20.12+.
      ok: true,
      detail: `${process.version}${major < 22 ? ' (past its end of life: AWS SDK releases from early 2027 need Node 22; upgrade to 22 or 24)' : ''}`,
    },
  ];
  const first = targets[0];
  if (first) {
    checks.push(
      await check('AWS identity', async () => {
        const ctx = createStepContext({ env: { aws: internals.aws(first), store: await internals.store() } });
        const id = await resolveCallerIdentity(ctx);
        return `account ${id.account}, acting as ${id.arn}`;
      }),
    );
  }
  // Which auth is in force is known without a request (describe() without a target asks GitHub nothing for an app).
  const app = (await internals.githubAuth().catch(() => '')).startsWith('GitHub App');
  if (app) {
    // An installation token has no user (GET /user answers 403 to it): each owner's installation is shown instead.
    for (const target of targets) {
      checks.push(
        await check(`GitHub App (${target.name})`, async () => {
          const github = await internals.github(target);
          if (github.auth.kind !== 'app') return internals.githubAuth(target);
          const access = await github.auth.access();
          const granted = Object.entries(access.permissions).map(([name, level]) => `${name}: ${level}`).join(', ');
          return `${await internals.githubAuth(target)}: ${access.repositorySelection === 'all' ? 'all repositories' : `repositories ${(access.repositories ?? []).join(', ')}`}; ${granted}`;
        }),
      );
    }
  } else {
    checks.push(
      await check('GitHub token', async () => {
        const github = await internals.github(first);
        const user = await github.getAuthenticatedUser();
        return `${await internals.githubAuth(first)}, signed in as ${user.login}`;
      }),
    );
  }
  for (const target of targets) {
    checks.push(
      await check(`GitHub access (${target.name})`, async () => {
        const github = await internals.github(target);
        await github.getPublicKey(secretScope(target));
        return 'can read the public key, so it may manage the secrets';
      }),
    );
  }
  for (const target of targets.filter((t) => t.oidc)) checks.push(await keylessCheck(internals, target));
  checks.push(
    await check('key store', async () => {
      const store = await internals.store();
      if (store.check) await store.check();
      else await store.list();
      return `${store.type}: ${store.describe()}`;
    }),
  );
  checks.push(
    await check(
      'git ignores .creds/',
      async () => {
        const paths = [statePaths(config.dir).root, ...(config.store.type === 'json' && config.store.path ? [config.store.path] : [])];
        for (const path of paths) {
          if (!(await gitIgnores(config.dir, path))) throw new Error(`${path} is not ignored by git`);
        }
        return 'state and key files are ignored';
      },
      `add "${STATE_DIR}/" to .gitignore`,
    ),
  );
  return checks;
}
