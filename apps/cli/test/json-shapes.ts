import { z } from 'zod';

// The --json shapes docs/cli.md documents. Tests parse every line a --json run prints with these.

const ts = z.string().datetime();
const base = { ts, target: z.string() };
const runId = z.string().min(1);

export const eventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('target-started'), ...base, workflow: z.string() }),
  z.object({
    type: z.literal('target-finished'),
    ...base,
    workflow: z.string(),
    status: z.enum(['succeeded', 'failed', 'interrupted', 'skipped']),
    durationMs: z.number().nonnegative(),
  }),
  z.object({ type: z.literal('run-started'), ...base, runId, workflow: z.string(), mode: z.enum(['run', 'resume']), steps: z.number().int() }),
  z.object({ type: z.literal('rollback-started'), ...base, runId, workflow: z.string(), resumed: z.boolean(), steps: z.number().int() }),
  z.object({ type: z.literal('step-started'), ...base, runId, stepId: z.string(), title: z.string() }),
  z.object({ type: z.literal('step-progress'), ...base, runId, stepId: z.string(), message: z.string(), data: z.record(z.string(), z.unknown()).optional() }),
  z.object({
    type: z.literal('step-retry'),
    ...base,
    runId,
    stepId: z.string(),
    attempt: z.number().int(),
    delayMs: z.number(),
    code: z.string(),
    message: z.string(),
  }),
  z.object({ type: z.literal('step-skipped'), ...base, runId, stepId: z.string(), title: z.string(), reason: z.string() }),
  z.object({ type: z.literal('step-succeeded'), ...base, runId, stepId: z.string(), title: z.string(), durationMs: z.number() }),
  z.object({ type: z.literal('step-failed'), ...base, runId, stepId: z.string(), title: z.string(), code: z.string(), message: z.string() }),
  z.object({ type: z.literal('undo-started'), ...base, runId, stepId: z.string(), title: z.string() }),
  z.object({ type: z.literal('undo-succeeded'), ...base, runId, stepId: z.string(), title: z.string(), durationMs: z.number() }),
  z.object({ type: z.literal('undo-skipped'), ...base, runId, stepId: z.string(), title: z.string(), reason: z.string() }),
  z.object({ type: z.literal('undo-failed'), ...base, runId, stepId: z.string(), title: z.string(), code: z.string(), message: z.string() }),
  z.object({
    type: z.literal('run-finished'),
    ...base,
    runId,
    workflow: z.string(),
    status: z.enum(['succeeded', 'failed', 'interrupted']),
    durationMs: z.number(),
  }),
  z.object({
    type: z.literal('rollback-finished'),
    ...base,
    runId,
    workflow: z.string(),
    status: z.enum(['succeeded', 'failed', 'interrupted']),
    durationMs: z.number(),
  }),
  z.object({ type: z.literal('warning'), ts, target: z.string().optional(), message: z.string() }),
  z.object({ type: z.literal('interrupt'), ts, signal: z.string() }),
  z.object({
    type: z.literal('sandbox-ready'),
    ts,
    iam: z.string().url(),
    github: z.string().url(),
    stateDir: z.string().nullable(),
    repositories: z.array(z.string()),
    env: z.record(z.string(), z.string()),
  }),
]);

export const errorSchema = z.object({
  code: z.string(),
  message: z.string(),
  hint: z.string().optional(),
  stepId: z.string().optional(),
  issues: z.array(z.object({ field: z.string(), rule: z.string() })).optional(),
});

const targetResult = z.object({
  target: z.string(),
  workflow: z.string(),
  status: z.enum(['succeeded', 'failed', 'interrupted', 'skipped']),
  runId: z.string().optional(),
  applied: z.array(z.string()).optional(),
  skipped: z.array(z.string()).optional(),
  undone: z.array(z.string()).optional(),
  error: z.object({ code: z.string(), message: z.string(), hint: z.string().optional(), stepId: z.string().optional() }).optional(),
  durationMs: z.number(),
});

const maskedKeyId = z.string().regex(/^[A-Z]{4}…[A-Z0-9]{4}$/, 'a masked key id (AKIA…WXYZ)');

const inlinePolicy = z.object({ name: z.string(), state: z.enum(['in-sync', 'missing', 'drifted']) });

const targetStatus = z.object({
  target: z.string(),
  inSync: z.boolean(),
  user: z.object({ name: z.string(), exists: z.boolean(), owned: z.boolean(), tagDrift: z.array(z.string()) }).optional(),
  inlinePolicy: inlinePolicy.optional(),
  managedPolicies: z.array(z.object({ arn: z.string(), attached: z.boolean() })),
  keys: z.array(
    z.object({
      accessKeyId: maskedKeyId,
      status: z.enum(['Active', 'Inactive']),
      createdAt: z.string(),
      lastUsedAt: z.string().optional(),
      inStore: z.boolean(),
      old: z.boolean(),
      unused: z.boolean(),
    }),
  ),
  store: z.object({ type: z.string(), where: z.string(), holdsKey: z.boolean() }).optional(),
  oidc: z
    .object({
      setUp: z.boolean(),
      provider: z.object({ host: z.string(), arn: z.string().optional(), exists: z.boolean(), createdByCreds: z.boolean() }),
      role: z.object({ name: z.string(), arn: z.string().optional(), exists: z.boolean(), owned: z.boolean(), tagDrift: z.array(z.string()) }),
      subjects: z.object({ wanted: z.array(z.string()), trusted: z.array(z.string()), drifted: z.boolean() }),
      inlinePolicy: inlinePolicy.optional(),
      managedPolicies: z.array(z.object({ arn: z.string(), attached: z.boolean() })),
      roleArn: z.object({
        name: z.string(),
        kind: z.enum(['secret', 'variable']),
        scope: z.string(),
        exists: z.boolean(),
        value: z.string().optional(),
        drifted: z.boolean(),
      }),
    })
    .optional(),
  secrets: z.array(
    z.object({ name: z.string(), kind: z.enum(['secret', 'variable']), exists: z.boolean(), updatedAt: z.string().optional(), drifted: z.boolean() }),
  ),
  drift: z.array(z.string()),
});

const targetPlan = z.object({
  target: z.string(),
  workflow: z.enum(['setup', 'teardown', 'rotate']),
  inSync: z.boolean(),
  changes: z.array(
    z.object({
      stepId: z.string(),
      title: z.string(),
      action: z.enum(['create', 'update', 'delete', 'drift']),
      resource: z.string(),
      detail: z.string().optional(),
    }),
  ),
  errors: z.array(z.object({ stepId: z.string(), code: z.string(), message: z.string() })),
  notes: z.array(z.string()),
});

const runSummary = z.object({
  runId: z.string(),
  workflow: z.string(),
  startedAt: z.string(),
  finishedAt: z.string().optional(),
  status: z.enum(['in-progress', 'succeeded', 'failed']),
  resumes: z.number().int(),
  rollback: z.enum(['in-progress', 'succeeded', 'failed']).optional(),
  steps: z.array(
    z.object({ stepId: z.string(), state: z.enum(['started', 'succeeded', 'failed']), error: z.string().optional(), undo: z.string().optional() }),
  ),
});

const resultBase = {
  type: z.literal('result'),
  ok: z.boolean(),
  exitCode: z.number().int(),
  error: errorSchema.optional(),
  cancelled: z.boolean().optional(),
};

export const resultSchema = z.union([
  z.object({ ...resultBase, command: z.literal('run'), workflow: z.enum(['setup', 'teardown', 'rotate']), results: z.array(targetResult) }).strict(),
  z.object({ ...resultBase, command: z.literal('rollback'), results: z.array(targetResult) }).strict(),
  z.object({ ...resultBase, command: z.literal('plan'), workflow: z.enum(['setup', 'teardown', 'rotate']), plans: z.array(targetPlan) }).strict(),
  z.object({ ...resultBase, command: z.literal('status'), targets: z.array(targetStatus) }).strict(),
  z.object({
    ...resultBase,
    command: z.literal('doctor'),
    checks: z.array(z.object({ name: z.string(), ok: z.boolean(), detail: z.string(), hint: z.string().optional() })),
  }).strict(),
  z.object({ ...resultBase, command: z.literal('journal'), targets: z.array(z.object({ target: z.string(), runs: z.array(runSummary) })) }).strict(),
  z.object({
    ...resultBase,
    command: z.literal('init'),
    path: z.string(),
    format: z.enum(['json', 'yaml']),
    gitignore: z.enum(['added', 'present']),
    config: z.record(z.string(), z.unknown()),
  }).strict(),
  z.object({ ...resultBase, command: z.literal('sandbox'), signal: z.string() }).strict(),
  z.object({
    ...resultBase,
    command: z.literal('store migrate'),
    migration: z
      .object({
        from: z.string(),
        to: z.string(),
        entries: z.array(z.object({ name: z.string(), status: z.enum(['moved', 'failed', 'skipped']), error: z.string().optional() })),
      })
      .optional(),
  }).strict(),
  // Any command that failed before it had a result (bad usage, bad config, locked, …).
  z.object({ ...resultBase, command: z.string(), ok: z.literal(false), error: errorSchema }).strict(),
]);

/** Parses every line of a --json run: events, then exactly one result, last. */
export function checkJsonOutput(stdout: string): { events: z.infer<typeof eventSchema>[]; result: z.infer<typeof resultSchema> } {
  const lines = stdout.split('\n').filter((l) => l.trim() !== '');
  if (lines.length === 0) throw new Error('no output');
  const parsed = lines.map((l) => JSON.parse(l) as { type: string });
  const results = parsed.filter((p) => p.type === 'result');
  if (results.length !== 1 || parsed.at(-1)?.type !== 'result') throw new Error(`expected exactly one result, last:\n${stdout}`);
  const events = parsed.slice(0, -1).map((e) => eventSchema.parse(e));
  return { events, result: resultSchema.parse(parsed.at(-1)) };
}

/** Event types, for the docs check. */
export const EVENT_TYPES = eventSchema.options.map((o) => o.shape.type.value);
