import type { DoctorCheck, OidcStatus, RollbackPlan, RunSummary, TargetPlan, TargetResult, TargetStatus } from '@creds/creds';
import type { Colors } from './format.js';
import { formatAge, formatDuration, maskKeyId, pad } from './format.js';

// Pure functions from the library's results to lines of text for people. No I/O here.

const ACTION_MARK: Record<string, string> = { create: '+', update: '~', delete: '-', drift: '!' };

export function planLines(plans: readonly TargetPlan[], c: Colors): string[] {
  const lines: string[] = [];
  for (const plan of plans) {
    const count = plan.changes.length;
    const head = plan.inSync
      ? `${c.green('✓')} ${c.bold(plan.target)}: ${plan.workflow} would change nothing`
      : `${c.yellow('•')} ${c.bold(plan.target)}: ${plan.workflow} would make ${count} change${count === 1 ? '' : 's'}`;
    lines.push(head);
    for (const change of plan.changes) {
      const mark = ACTION_MARK[change.action] ?? '?';
      const color = change.action === 'create' ? c.green : change.action === 'delete' ? c.red : c.yellow;
      lines.push(`    ${color(`${mark} ${change.action}`)} ${change.resource}${change.detail ? c.dim(`  ${change.detail}`) : ''}`);
    }
    for (const error of plan.errors) lines.push(`    ${c.red('✗')} ${error.stepId}: ${error.code}: ${error.message}`);
    for (const note of plan.notes) lines.push(`    ${c.dim(note)}`);
  }
  return lines;
}

/** What a rollback would undo, per target, in the order the engine undoes it. */
export function rollbackPlanLines(plans: readonly RollbackPlan[], c: Colors): string[] {
  const lines: string[] = [];
  for (const plan of plans) {
    if (!plan.run) {
      lines.push(`${c.dim('•')} ${c.bold(plan.target)}: nothing to roll back${plan.skipped ? c.dim(`  ${plan.skipped.message}`) : ''}`);
      continue;
    }
    const { run } = plan;
    const what = `${run.continues ? 'finish undoing' : 'undo'} ${run.workflow} (run ${run.runId}, ${run.startedAt}, ${run.status})`;
    lines.push(`${c.yellow('•')} ${c.bold(plan.target)}: ${what}, ${plan.steps.length} step(s):`);
    for (const step of plan.steps) {
      const state = step.state === 'succeeded' ? '' : c.dim(`  (${step.state === 'failed' ? 'failed' : 'cut off'})`);
      lines.push(`    ${c.red('-')} ${step.stepId}  ${c.dim(step.title)}${state}`);
    }
  }
  return lines;
}

export function statusLines(statuses: readonly TargetStatus[], c: Colors, now = Date.now()): string[] {
  const lines: string[] = [];
  const ok = (good: boolean, text: string) => check(c, good, text);
  for (const s of statuses) {
    lines.push(`${s.inSync ? c.green('●') : c.red('●')} ${c.bold(s.target)} ${s.inSync ? c.green('in sync') : c.red('drifted')}`);
    if (s.githubAuth) lines.push(`    ${c.dim(`GitHub: ${s.githubAuth}`)}`);
    const user = s.user;
    if (user) {
      lines.push(
        `    ${ok(user.exists && user.owned && user.tagDrift.length === 0, `IAM user ${user.name}`)}${
          user.exists ? (user.owned ? '' : c.yellow('  not created by creds')) : c.red('  missing')
        }${user.tagDrift.length ? c.yellow(`  tags: ${user.tagDrift.join(', ')}`) : ''}`,
      );
    }
    if (s.inlinePolicy) lines.push(policyLine(s.inlinePolicy, c));
    for (const m of s.managedPolicies) lines.push(`    ${ok(m.attached, `managed policy ${m.arn}`)}${m.attached ? '' : c.red('  not attached')}`);
    if (user && s.keys.length === 0) lines.push(`    ${ok(false, 'access key')}${c.red('  none')}`);
    for (const k of s.keys) {
      const flags = [
        k.status === 'Inactive' ? c.dim('inactive') : '',
        s.store?.copy === false ? (k.inGitHub ? '' : c.yellow('not in GitHub')) : k.inStore ? '' : c.red('not in store'),
        k.old ? c.yellow('old') : '',
        k.unused ? c.yellow('unused') : '',
      ].filter(Boolean);
      lines.push(
        `    ${ok((s.store?.copy === false ? k.inGitHub === true : k.inStore) && !k.old, `access key ${maskKeyId(k.accessKeyId)}`)}  ${c.dim(
          `age ${formatAge(k.createdAt, now)}, last used ${k.lastUsedAt ? `${formatAge(k.lastUsedAt, now)} ago` : 'never'}`,
        )}${flags.length ? `  ${flags.join(' ')}` : ''}`,
      );
    }
    if (s.store?.copy === false) lines.push(`    ${ok(true, 'no key store')}  ${c.dim('no stored copy to compare: keys judged by IAM and the secrets\' metadata')}`);
    else if (s.store) lines.push(`    ${ok(s.store.holdsKey, `key store ${s.store.type}`)}  ${c.dim(s.store.where)}${s.store.holdsKey ? '' : c.red('  does not hold the key')}`);
    for (const secret of s.secrets) {
      const state = !secret.exists ? c.red('  missing') : secret.drifted ? c.red('  changed outside creds') : '';
      const updated = secret.updatedAt ? c.dim(`  updated ${formatAge(secret.updatedAt, now)} ago`) : '';
      lines.push(`    ${ok(secret.exists && !secret.drifted, `${secret.kind} ${secret.name}`)}${updated}${state}`);
    }
    if (s.oidc) lines.push(...oidcLines(s.oidc, c));
    for (const d of s.drift) lines.push(`    ${c.yellow('!')} ${d}`);
  }
  return lines;
}

const check = (c: Colors, good: boolean, text: string) => `${good ? c.green('✓') : c.red('✗')} ${text}`;

function policyLine(p: { name: string; state: 'in-sync' | 'missing' | 'drifted' }, c: Colors, on = ''): string {
  return `    ${check(c, p.state === 'in-sync', `inline policy ${p.name}${on}`)}${p.state === 'in-sync' ? '' : c.red(`  ${p.state}`)}`;
}

/** The keyless route of a target: provider, role, the subjects it trusts, its policies, the role ARN's variable. */
function oidcLines(o: OidcStatus, c: Colors): string[] {
  const { provider, role, subjects, roleArn } = o;
  if (!o.setUp) return [`    ${c.dim(`- keyless route not set up: creds run oidc creates IAM role ${role.name} and ${roleArn.kind} ${roleArn.name}`)}`];
  const lines = [
    `    ${check(c, provider.exists, `OIDC provider ${provider.host}`)}${
      provider.exists ? c.dim(provider.createdByCreds ? '  made by creds' : '  not made by creds (teardown keeps it)') : c.red('  missing')
    }`,
    `    ${check(c, role.exists && role.owned && role.tagDrift.length === 0, `IAM role ${role.name}`)}${
      role.exists ? (role.owned ? '' : c.yellow('  not created by creds')) : c.red('  missing')
    }${role.tagDrift.length ? c.yellow(`  ${role.tagDrift.join(', ')}`) : ''}`,
  ];
  if (role.exists) {
    lines.push(
      `    ${check(c, !subjects.drifted, `trusts ${subjects.trusted.join(', ') || 'no GitHub sub'}`)}${
        subjects.drifted ? c.red(`  the config wants ${subjects.wanted.join(', ')}`) : ''
      }`,
    );
  }
  if (o.inlinePolicy) lines.push(policyLine(o.inlinePolicy, c, ` on role ${role.name}`));
  for (const m of o.managedPolicies) lines.push(`    ${check(c, m.attached, `managed policy ${m.arn} on role ${role.name}`)}${m.attached ? '' : c.red('  not attached')}`);
  const state = !roleArn.exists ? c.red('  missing') : roleArn.drifted ? c.red('  changed outside creds') : '';
  lines.push(`    ${check(c, roleArn.exists && !roleArn.drifted, `${roleArn.kind} ${roleArn.name}`)}${roleArn.value ? c.dim(`  ${roleArn.value}`) : ''}${state}`);
  return lines;
}

export function resultLines(results: readonly TargetResult[], c: Colors): string[] {
  return results.map((r) => {
    const steps = [
      r.applied?.length ? `${r.applied.length} applied` : '',
      r.skipped?.length ? `${r.skipped.length} already done` : '',
      r.undone || r.unchanged ? `${r.undone?.length ?? 0} undone` : '',
      r.unchanged?.length ? `${r.unchanged.length} unchanged by that run` : '',
    ].filter(Boolean);
    const detail = c.dim(`${formatDuration(r.durationMs)}${steps.length ? `, ${steps.join(', ')}` : ''}`);
    switch (r.status) {
      case 'succeeded':
        return `${c.green('✓')} ${c.bold(r.target)}: ${r.workflow} succeeded ${detail}`;
      case 'skipped':
        return `${c.dim('-')} ${c.bold(r.target)}: ${r.workflow} skipped${r.error ? `: ${r.error.message}` : ''}`;
      case 'interrupted':
        return `${c.yellow('■')} ${c.bold(r.target)}: ${r.workflow} interrupted ${detail}`;
      default:
        return `${c.red('✗')} ${c.bold(r.target)}: ${r.workflow} failed ${detail}`;
    }
  });
}

export function doctorLines(checks: readonly DoctorCheck[], c: Colors): string[] {
  const width = Math.max(0, ...checks.map((k) => k.name.length));
  const lines: string[] = [];
  for (const check of checks) {
    lines.push(`${check.ok ? c.green('✓') : c.red('✗')} ${pad(check.name, width)}  ${check.detail}`);
    if (!check.ok && check.hint) lines.push(`  ${' '.repeat(width)}  ${c.dim(`→ ${check.hint}`)}`);
  }
  return lines;
}

export function historyLines(history: ReadonlyArray<{ target: string; runs: RunSummary[] }>, c: Colors): string[] {
  const lines: string[] = [];
  for (const { target, runs } of history) {
    lines.push(c.bold(target));
    if (runs.length === 0) lines.push(c.dim('    no runs yet'));
    for (const run of runs) {
      const status = run.status === 'succeeded' ? c.green(run.status) : run.status === 'failed' ? c.red(run.status) : c.yellow(run.status);
      const extra = [
        run.resumes > 0 ? `resumed ${run.resumes}×` : '',
        run.rollback ? `rollback ${run.rollback}` : '',
      ].filter(Boolean);
      lines.push(
        `  ${run.startedAt}  ${pad(run.workflow, 8)} ${status}  ${c.dim(`run ${run.runId}`)}${extra.length ? `  ${c.yellow(extra.join(', '))}` : ''}`,
      );
      for (const step of run.steps) {
        const mark = step.state === 'succeeded' ? c.green('✓') : step.state === 'failed' ? c.red('✗') : c.yellow('…');
        lines.push(`      ${mark} ${step.stepId}${step.error ? c.red(`  ${step.error}`) : ''}${step.undo ? c.dim(`  undo ${step.undo}`) : ''}`);
      }
    }
  }
  return lines;
}
