// A rotation of one repository's key with AWS's propagation delay on (10 s, real time) and 100 ms
// added to every sandbox call: its wall time split into the propagation wait (the verify step),
// the drain and the rest; and the window between the two secret writes in which a starting run
// would get a mixed pair, from the GitHub server's log.
import { creds, loadConfig, world } from './_lib.mjs';
import { LATENCY, PROPAGATION_MS } from './setup.mjs';

export { PROPAGATION_MS };
/** A workflow run in progress at the switch ends this long after it, in the second row. */
export const RUN_AFTER_SWITCH_MS = 5_000;

const CONFIG = {
  region: 'us-east-1',
  iam: { userName: 'gha-demo', policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:ListBucket', Resource: '*' }] } },
  github: { owner: 'octo-org', repo: 'demo' },
  store: { type: 'json' },
};
const REPO = { owner: 'octo-org', name: 'demo' };

async function rotation(withRun) {
  const w = await world({ repos: [REPO], config: CONFIG, iam: { propagationDelayMs: PROPAGATION_MS, timeScale: 1 } });
  try {
    const config = await loadConfig(w, CONFIG);
    const options = w.options({}, 1);
    const [setup] = await creds.createCreds(config, options).run('setup');
    if (setup.status !== 'succeeded') throw new Error(`setup failed: ${JSON.stringify(setup.error)}`);
    w.resetCalls();
    w.setLatency(LATENCY);
    const run = withRun ? w.github.startRun(REPO.owner, REPO.name, { name: 'Deploy' }) : undefined;
    const durations = new Map();
    const onEvent = (e) => {
      if (e.type === 'step-succeeded') durations.set(e.stepId, e.durationMs);
      // The run ends a while after the switch (the drain's first look sees it going).
      if (run && e.type === 'step-started' && e.stepId === 'rotate-drain') setTimeout(() => w.github.finishRun(REPO.owner, REPO.name, run.id), RUN_AFTER_SWITCH_MS);
    };
    const start = performance.now();
    const [result] = await creds.createCreds(config, { ...options, onEvent }).run('rotate');
    const wall = performance.now() - start;
    if (result.status !== 'succeeded') throw new Error(`rotate failed: ${JSON.stringify(result.error)}`);
    const writes = w.github.requests.filter((r) => r.method === 'PUT' && /\/AWS_(ACCESS_KEY_ID|SECRET_ACCESS_KEY)$/.test(r.path));
    const mixedWindow = Math.max(...writes.map((r) => r.end)) - Math.min(...writes.map((r) => r.start));
    const propagation = durations.get('rotate-verify') ?? 0;
    const drain = durations.get('rotate-drain') ?? 0;
    return { wall, propagation, drain, rest: wall - propagation - drain, mixedWindow, calls: w.calls() };
  } finally {
    await w.close();
  }
}

export async function benchRotate() {
  return { quiet: await rotation(false), withRun: await rotation(true) };
}
