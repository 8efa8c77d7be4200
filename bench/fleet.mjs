// A fleet of 50 repositories under the sandbox's (time-scaled) secondary write limit: a secret per
// repository vs one organization secret with selected repositories; and the peak RSS of the run.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { TOKEN, world } from './_lib.mjs';

export const REPOS = 50;
// A GitHub second lasts 100 ms: the client's own work (a few ms a repository) weighs 10× what it would
// against github.com, not 100× as at 0.01, where the fleet measured the machine's CPU more than the pacing.
export const TIME_SCALE = 0.1;
export const WRITES_PER_MINUTE = 80;
const CHILD = fileURLToPath(new URL('./fleet-child.mjs', import.meta.url));
const names = Array.from({ length: REPOS }, (_, i) => `app-${String(i).padStart(2, '0')}`);
const POLICY = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:ListBucket', Resource: '*' }] };

const perRepo = {
  region: 'us-east-1',
  iam: { policy: POLICY },
  store: { type: 'json' },
  targets: names.map((name) => ({ name, iam: { userName: `gha-${name}` }, github: { owner: 'octo-org', repo: name } })),
};
const orgSecret = {
  region: 'us-east-1',
  iam: { userName: 'gha-fleet', policy: POLICY },
  github: { org: 'octo-org', visibility: 'selected', repositories: names },
  store: { type: 'json' },
};

function runChild(w) {
  const timeV = existsSync('/usr/bin/time');
  const [cmd, args] = timeV ? ['/usr/bin/time', ['-v', process.execPath, CHILD, w.dir, String(TIME_SCALE)]] : [process.execPath, [CHILD, w.dir, String(TIME_SCALE)]];
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: w.env, stdio: ['pipe', 'pipe', 'pipe'] });
    const { accessKeyId, secretAccessKey } = w.iam.admin;
    child.stdin.end(JSON.stringify({ iam: w.iam.url, github: w.github.url, accessKeyId, secretAccessKey, token: TOKEN }));
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      err += d;
    });
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`fleet child exited ${code}:\n${err}`));
      const result = JSON.parse(out.trim().split('\n').at(-1));
      const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(err);
      resolve({ ...result, timeRssKb: m ? Number(m[1]) : undefined });
    });
  });
}

async function fleet(config) {
  const w = await world({
    repos: names.map((name) => ({ owner: 'octo-org', name })),
    orgs: ['octo-org'],
    config,
    github: { timeScale: TIME_SCALE, rateLimit: { writesPerMinute: WRITES_PER_MINUTE } },
  });
  try {
    const result = await runChild(w);
    if (result.failed.length > 0) throw new Error(`fleet run failed: ${result.failed.join('; ')}`);
    const requests = w.github.requests;
    const writes = requests.filter((r) => r.write && r.status < 300).length;
    const limited = requests.filter((r) => r.status === 403 || r.status === 429).length;
    // The secondary limit allows WRITES_PER_MINUTE writes per (scaled) minute: writes beyond the
    // first window wait for the next one. Client pacing (1 s between writes) is the other floor.
    const limitFloorMs = Math.max(0, Math.ceil(writes / WRITES_PER_MINUTE) - 1) * 60_000 * TIME_SCALE;
    const pacingFloorMs = Math.max(0, writes - 1) * 1000 * TIME_SCALE;
    return { ...result, writes, limited, limitFloorMs, pacingFloorMs };
  } finally {
    await w.close();
  }
}

export async function benchFleet() {
  return { perRepo: await fleet(perRepo), org: await fleet(orgSecret) };
}
