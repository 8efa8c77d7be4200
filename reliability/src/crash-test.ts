import { afterAll, expect, it } from 'vitest';
import { type MatrixOptions, crashMatrix, type PointResult, type Workflow } from './crash.js';
import { type Figures, scanSecrets, writeFigures } from './report.js';

const num = (name: string, fallback: number) => {
  const raw = process.env[name];
  return raw === undefined || raw === '' ? fallback : Number(raw);
};

/**
 * The crash matrix of one workflow as a test: every kill point must converge to the uninterrupted
 * run's end state with no orphaned key and never more than 2 keys, and rollback must leave nothing.
 * CREDS_RELIABILITY_SEED replays the random kill times; CREDS_RELIABILITY_RANDOM_KILLS sets how many.
 */
export function crashMatrixTest(workflow: Workflow, { store = 'json' }: Pick<MatrixOptions, 'store'> = {}): void {
  const figures: Figures = {};
  const name = store === 'json' ? workflow : `${workflow}-store-none`;
  const options: MatrixOptions = {
    store,
    latencyMs: num('CREDS_RELIABILITY_LATENCY_MS', 120),
    randomKills: num('CREDS_RELIABILITY_RANDOM_KILLS', 4),
    concurrency: num('CREDS_RELIABILITY_CONCURRENCY', 3),
    seed: num('CREDS_RELIABILITY_SEED', Math.floor(Math.random() * 2 ** 31)),
  };

  it(`${name}: SIGKILL at every step boundary, mid-step and at random times; --resume converges; rollback leaves nothing`, async () => {
    const { reference, results } = await crashMatrix(workflow, options);
    const failed = (r: PointResult) => !r.converged || r.rollbackExits.some((c) => c !== 0) || r.leftovers.length > 0;
    Object.assign(figures, {
      killPoints: results.length,
      converged: results.filter((r) => r.converged).length,
      completedBeforeKill: results.filter((r) => !r.killed).length,
      orphans: results.reduce((n, r) => n + r.orphans.length, 0),
      maxKeys: Math.max(0, ...results.map((r) => r.maxKeys)),
      rollbacksClean: results.filter((r) => r.rollbackExits.every((c) => c === 0) && r.leftovers.length === 0).length,
      modeChecks: reference.modeChecks + results.reduce((n, r) => n + r.modeChecks, 0),
      notes: [
        `seed ${options.seed}, latency ${options.latencyMs} ms, ${reference.steps.length} steps, uninterrupted run ${reference.durationMs} ms`,
        ...results.filter(failed).map((r) => `${r.label}: mode ${r.mode}, resume exit ${r.resumeExit}, rollbacks ${r.rollbackExits.join(',')}, left ${r.leftovers.join('; ') || 'nothing'}${r.diff ? `\n  ${r.diff}` : ''}${r.stderr ? `\n  ${r.stderr.trim().split('\n').slice(-6).join('\n  ')}` : ''}`),
      ],
    });
    const report = results.filter(failed).map((r) => ({ label: r.label, mode: r.mode, resumeExit: r.resumeExit, rollbackExits: r.rollbackExits, leftovers: r.leftovers, orphans: r.orphans, diff: r.diff, stderr: r.stderr }));
    expect(report).toEqual([]);
    expect(figures.orphans).toBe(0);
    expect(figures.maxKeys).toBeLessThanOrEqual(2);
    expect(results.length).toBeGreaterThanOrEqual(reference.steps.length * 3);
  });

  afterAll(() => {
    const scan = scanSecrets();
    writeFigures(`crash-${name}`, { ...figures, scannedBytes: scan.bytes, scannedSecrets: scan.secrets, secretHits: scan.hits.length });
    expect(scan.hits).toEqual([]);
  });
}
