import type { GitHubSandbox } from '@creds/sandbox';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGitHubClient } from '../src/index.js';
import { client, rejection, repo, startSandbox, TOKEN } from './helpers.js';

// GitHub's rule for content-creating requests, read from the server's log of every call's start
// and end: one at a time per token, a small burst back to back, then one per (scaled) second, and
// no more than the hourly allowance.

let gh: GitHubSandbox;
beforeEach(async () => {
  gh = await startSandbox();
});
afterEach(() => gh.close());

const writes = () => gh.requests.filter((r) => r.write).sort((a, b) => a.start - b.start);

describe('write pacing', () => {
  // Only lower bounds and order are asserted: a loaded machine makes calls slower, never faster.
  it('sends a burst back to back, then one write per interval, never two at once, shared by clients of one token', async () => {
    // 1 s of GitHub time is 500 ms here.
    const interval = 500;
    const options = { writeBurst: 3, timeScale: interval / 1000 };
    // Each answer takes a while, so writes that overlapped would show it in the server's log.
    gh.setLatency(40);
    const a = client(gh, options);
    const b = client(gh, options);
    const sent = performance.timeOrigin + performance.now();
    await Promise.all(Array.from({ length: 7 }, (_, i) => (i % 2 ? a : b).deleteSecret(repo, `PROBE_${i}`)));
    const log = writes();
    expect(log).toHaveLength(7);
    // One at a time across both clients: each write starts after the previous one was answered.
    for (let i = 1; i < log.length; i++) expect(log[i]!.start).toBeGreaterThanOrEqual(log[i - 1]!.end);
    // Beyond the burst, one write per interval: the reservoir refills one per 500 ms (timers may
    // fire a little early, hence 90 %), so the k-th write past the burst starts at least k intervals
    // after the writes were asked for. (Gaps between two answers' arrivals also carry the network's
    // jitter, so the bound is taken from the client's clock: the server runs in this process.)
    const slack = 0.9 * interval;
    for (let i = 3; i < log.length; i++) expect(log[i]!.start - sent).toBeGreaterThanOrEqual((i - 2) * slack);
    expect(log[6]!.start - log[3]!.start).toBeGreaterThanOrEqual(2 * slack);
  });

  it('reads are not paced: a read goes out while writes wait for their turn', async () => {
    const github = client(gh, { writeBurst: 1, timeScale: 1 });
    const sent = performance.timeOrigin + performance.now();
    const held = Promise.all([github.deleteSecret(repo, 'PACED_0'), github.deleteSecret(repo, 'PACED_1')]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await Promise.all([github.getRepo('octo', 'app'), github.listSecrets(repo)]);
    await held;
    const log = writes();
    expect(log).toHaveLength(2);
    const reads = gh.requests.filter((r) => !r.write);
    expect(reads).toHaveLength(2);
    // Both reads were answered before the second write (held for a paced second) started.
    for (const r of reads) expect(r.end).toBeLessThanOrEqual(log[1]!.start);
    expect(log[1]!.start - sent).toBeGreaterThanOrEqual(900);
  });

  it('holds writes beyond the hourly allowance until the hour is over', async () => {
    // An hour of GitHub time is 1.8 s here; 1 s is 0.5 ms.
    const hour = 1800;
    const github = client(gh, { writeBurst: 20, writesPerHour: 3, timeScale: hour / 3_600_000 });
    await Promise.all(Array.from({ length: 4 }, (_, i) => github.deleteSecret(repo, `HOURLY_${i}`)));
    const log = writes();
    expect(log).toHaveLength(4);
    for (let i = 1; i < log.length; i++) expect(log[i]!.start).toBeGreaterThanOrEqual(log[i - 1]!.end);
    expect(log[3]!.start - log[0]!.start).toBeGreaterThanOrEqual(0.97 * hour);
    // The fourth was held: it waited after the third's answer longer than the first three took.
    expect(log[3]!.start - log[2]!.end).toBeGreaterThan(log[2]!.end - log[0]!.start);
  });

  it('refuses settings that could break the per-minute limit, naming the field', () => {
    expect(() => client(gh, { writeBurst: 21 })).toThrow(/writeBurst: must be a whole number from 1 to 20/);
    expect(() => client(gh, { writesPerHour: 0 })).toThrow(/writesPerHour/);
  });
});

describe('the API URL', () => {
  it.each(['not-a-url', 'ftp://github.example', ''])('"%s" is refused at once as invalid input', (baseUrl) => {
    let error: unknown;
    try {
      createGitHubClient({ token: TOKEN, baseUrl });
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: 'INVALID_INPUT', field: 'GITHUB_API_URL' });
  });
});

describe('write-access check', () => {
  it('probes each owner once per client, with a delete of a name that does not exist', async () => {
    const github = client(gh);
    await Promise.all([github.checkWriteAccess(repo), github.checkWriteAccess({ kind: 'repo', owner: 'octo', repo: 'web' })]);
    await github.checkWriteAccess({ kind: 'repo', owner: 'OCTO', repo: 'app' });
    const deletes = gh.requests.filter((r) => r.method === 'DELETE');
    expect(deletes.map((r) => r.status)).toEqual([404]);
    expect(gh.secretNames({ owner: 'octo', repo: 'app' })).toEqual([]);
  });

  it('a token that may only read secrets is refused with the permission it lacks, and asked again next time', async () => {
    const github = createGitHubClient({ token: 'github_pat_ReadOnlySecrets0000000000000', baseUrl: gh.url, timeScale: 0.001 });
    const error = await rejection(github.checkWriteAccess(repo));
    expect(error.code).toBe('GITHUB_FORBIDDEN');
    await rejection(github.checkWriteAccess(repo));
    expect(gh.requests.filter((r) => r.method === 'DELETE').map((r) => r.status)).toEqual([403, 403]);
  });
});
