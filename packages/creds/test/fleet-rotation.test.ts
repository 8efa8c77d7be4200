import { expect, it } from 'vitest';
import type { CredsEvent } from '../src/index.js';
import { baseConfig, useWorld } from './harness.js';

const REPOS = Array.from({ length: 20 }, (_, i) => `r${String(i).padStart(2, '0')}`);

// GitHub's secondary limit on content-creating requests, on scaled time (1 GitHub minute = 60 ms).
const w = useWorld({
  repos: REPOS.map((name) => ({ owner: 'octo-org', name })),
  rateLimit: { writesPerMinute: 80, secondaryStatus: 429, secondaryRetryAfterSeconds: 30 },
});

it('rotates a fleet of 20 under rate limits; one failing target stops no other and resumes alone', async () => {
  const targets = REPOS.map((name) => ({ name, github: { owner: 'octo-org', repo: name }, iam: { userName: `gh-${name}` } }));
  const raw = baseConfig({ github: undefined, targets });
  const waits: string[] = [];
  const onEvent = (e: CredsEvent) => {
    if (e.type === 'step-progress' && /rate limit/.test(e.message)) waits.push(`${e.target}: ${e.message}`);
  };
  const { creds } = await w.creds(raw, { onEvent, targetConcurrency: 8 });
  expect((await creds.run('setup')).every((r) => r.status === 'succeeded')).toBe(true);
  const before = new Map(REPOS.map((r) => [r, w.github.secretValue({ owner: 'octo-org', repo: r }, 'AWS_ACCESS_KEY_ID')]));

  // r07's secret write is refused once (403: not retried) in the middle of its rotation.
  w.github.failNext({ count: 1, status: 403, method: 'PUT', path: /\/repos\/octo-org\/r07\/actions\/secrets\/AWS_ACCESS_KEY_ID$/ });
  // And the next write of the fleet meets GitHub's secondary limit (429 with retry-after).
  w.github.triggerSecondaryRateLimit({ retryAfterSeconds: 30 });
  const results = await creds.run('rotate');
  const failed = results.filter((r) => r.status !== 'succeeded');
  expect(failed.map((r) => r.target)).toEqual(['r07']);
  for (const repo of REPOS.filter((r) => r !== 'r07')) {
    const user = w.iam.state().users.find((u) => u.userName === `gh-${repo}`)!;
    expect(user.accessKeys).toHaveLength(1);
    expect(w.github.secretValue({ owner: 'octo-org', repo }, 'AWS_ACCESS_KEY_ID')).toBe(user.accessKeys[0]!.accessKeyId);
    expect(user.accessKeys[0]!.accessKeyId).not.toBe(before.get(repo));
  }
  // r07 still works with its old key: the rotation stopped before touching it.
  const r07 = () => w.iam.state().users.find((u) => u.userName === 'gh-r07')!;
  expect(r07().accessKeys.length).toBeLessThanOrEqual(2);
  expect(r07().accessKeys.map((k) => k.accessKeyId)).toContain(w.github.secretValue({ owner: 'octo-org', repo: 'r07' }, 'AWS_ACCESS_KEY_ID'));

  const { creds: one } = await w.creds(raw, { targets: ['r07'] });
  const [resumed] = await one.run('rotate', { resume: true });
  expect(resumed?.status).toBe('succeeded');
  expect(r07().accessKeys).toHaveLength(1);
  expect(w.github.secretValue({ owner: 'octo-org', repo: 'r07' }, 'AWS_SECRET_ACCESS_KEY')).toBe(r07().accessKeys[0]!.secretAccessKey);
  console.log(`fleet rotation: 20 targets, ${waits.length} rate-limit waits reported, statuses ${JSON.stringify(w.github.counts().byStatus)}`);
  expect(waits.length).toBeGreaterThan(0);
  // Twenty targets, each with its preflight, store checks and drain: a bound against a hang, not a speed target.
}, 120_000);
