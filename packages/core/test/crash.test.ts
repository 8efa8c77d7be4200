import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

// Crash matrix with real processes: the driver is SIGKILLed at every step boundary and in the
// middle of every step, then resumed; the end state must equal an uninterrupted run's.
const driver = fileURLToPath(new URL('./fixtures/crash-driver.mjs', import.meta.url));
const STEPS = ['a', 'b', 'c', 'd', 'e'];
const APPLY_POINTS = STEPS.flatMap((s) => ['started', 'apply-begin', 'apply-mid', 'succeeded'].map((p) => `${s}:${p}`));
const UNDO_POINTS = STEPS.flatMap((s) => ['undo-started', 'undo-begin', 'undo-mid', 'undo-succeeded'].map((p) => `${s}:${p}`));

interface Cloud {
  resources: Record<string, { complete: boolean }>;
  log: string[];
}

const dirs: string[] = [];
const tally = { tried: 0, converged: 0 };

function freshDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'creds-crash-'));
  dirs.push(dir);
  return dir;
}

function drive(dir: string, mode: string) {
  const result = spawnSync(process.execPath, [driver, dir, mode], { encoding: 'utf8', timeout: 20_000 });
  return { status: result.status, stderr: result.stderr };
}

/** Starts the driver with CRASH_AT, waits until it stops there, and SIGKILLs it. */
async function killAt(dir: string, mode: string, point: string): Promise<void> {
  const child = spawn(process.execPath, [driver, dir, mode], {
    env: { ...process.env, CRASH_AT: point },
    stdio: 'ignore',
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + 15_000;
  while (!existsSync(join(dir, 'paused'))) {
    if (child.exitCode !== null) throw new Error(`driver exited (${child.exitCode}) before reaching ${point}`);
    if (Date.now() > deadline) throw new Error(`driver never reached ${point}`);
    await sleep(5);
  }
  child.kill('SIGKILL');
  await exited;
  rmSync(join(dir, 'paused'));
}

const cloud = (dir: string): Cloud => JSON.parse(readFileSync(join(dir, 'cloud.json'), 'utf8'));
const count = (log: string[], line: string) => log.filter((l) => l === line).length;

function expectConverged(dir: string) {
  const state = cloud(dir);
  expect(Object.keys(state.resources).sort()).toEqual(STEPS);
  expect(Object.values(state.resources).every((r) => r.complete)).toBe(true);
  for (const s of STEPS) {
    expect(count(state.log, `create ${s}`), `create ${s} applied once`).toBe(1);
    expect(count(state.log, `complete ${s}`), `complete ${s} applied once`).toBe(1);
  }
}

afterAll(() => {
  console.log(`crash matrix: ${tally.tried} kill points tried, ${tally.converged} converged`);
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('crash matrix (SIGKILL, then resume, then rollback)', () => {
  it('an uninterrupted run reaches the reference state, and rollback empties the stand-in', () => {
    const dir = freshDir();
    expect(drive(dir, 'run').status).toBe(0);
    expectConverged(dir);
    expect(drive(dir, 'rollback').status).toBe(0);
    expect(cloud(dir).resources).toEqual({});
  });

  it.each(APPLY_POINTS)('killed at %s: resume converges, rollback leaves nothing', async (point) => {
    tally.tried++;
    const dir = freshDir();
    await killAt(dir, 'run', point);
    const resumed = drive(dir, 'resume');
    expect(resumed.stderr).toBe('');
    expect(resumed.status).toBe(0);
    expectConverged(dir);
    expect(drive(dir, 'rollback').status).toBe(0);
    expect(cloud(dir).resources).toEqual({});
    tally.converged++;
  });

  it.each(UNDO_POINTS)('rollback killed at %s: rollback again leaves nothing, each delete done once', async (point) => {
    tally.tried++;
    const dir = freshDir();
    expect(drive(dir, 'run').status).toBe(0);
    await killAt(dir, 'rollback', point);
    const again = drive(dir, 'rollback');
    expect(again.stderr).toBe('');
    expect(again.status).toBe(0);
    const state = cloud(dir);
    expect(state.resources).toEqual({});
    for (const s of STEPS) expect(count(state.log, `delete ${s}`)).toBe(1);
    tally.converged++;
  });
});

describe('lock', () => {
  it('lets exactly one of two runs on one journal proceed; the other fails fast; a killed holder is recovered', async () => {
    const dir = freshDir();
    const holder = spawn(process.execPath, [driver, dir, 'run'], { env: { ...process.env, CRASH_AT: 'b:apply-mid' }, stdio: 'ignore' });
    while (!existsSync(join(dir, 'paused'))) await sleep(5);
    const t0 = Date.now();
    const second = drive(dir, 'run');
    expect(second.status).toBe(4);
    expect(second.stderr).toMatch(new RegExp(`LOCKED: locked by pid ${holder.pid} since \\d{4}-`));
    expect(Date.now() - t0).toBeLessThan(5_000);
    holder.kill('SIGKILL');
    await new Promise((r) => holder.once('exit', r));
    expect(drive(dir, 'resume').status).toBe(0);
    expectConverged(dir);
  });
});
