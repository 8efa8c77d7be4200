import { GetUserCommand } from '@aws-sdk/client-iam';
import { Octokit } from '@octokit/rest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type GitHubSandbox, startGitHubServer } from '../src/github/index.js';
import { type IamSandbox, startIamServer } from '../src/iam/index.js';
import { type CallSpan, serialRounds } from '../src/spans.js';
import { clients } from './iam-helpers.js';

describe('serialRounds', () => {
  const span = (start: number, end: number): CallSpan => ({ start, end });
  it.each([
    ['no calls', [], 0],
    ['one call', [span(0, 10)], 1],
    ['two overlapping calls', [span(0, 10), span(5, 15)], 1],
    ['one after the other', [span(0, 10), span(10, 20)], 2],
    ['a chain of three beside a long call', [span(0, 10), span(11, 20), span(21, 30), span(0, 30)], 3],
    ['a call after two concurrent ones', [span(0, 10), span(0, 12), span(13, 20)], 2],
    ['order of the log does not matter', [span(21, 30), span(0, 10), span(11, 20)], 3],
  ])('%s: %i rounds', (_name, spans, rounds) => {
    expect(serialRounds(spans)).toBe(rounds);
  });
});

describe('call logs with start and end', () => {
  let iam: IamSandbox;
  let gh: GitHubSandbox;
  const TOKEN = 'ghp_spansToken0000000000000000000000000';
  beforeEach(async () => {
    iam = await startIamServer({ seed: 1, latencyMs: 200 });
    gh = await startGitHubServer({ tokens: [{ token: TOKEN }], repos: [{ owner: 'octo', name: 'app' }], latencyMs: 200 });
  });
  afterEach(async () => {
    await Promise.all([iam.close(), gh.close()]);
  });

  it('count two rounds for two concurrent calls on two servers followed by a third', async () => {
    const { iam: client } = clients(iam);
    const octokit = new Octokit({ auth: TOKEN, baseUrl: gh.url });
    await Promise.all([client.send(new GetUserCommand({ UserName: 'nobody' })).catch(() => undefined), octokit.request('GET /repos/{owner}/{repo}', { owner: 'octo', repo: 'app' })]);
    await client.send(new GetUserCommand({})).catch(() => undefined);
    const spans = [...iam.calls.log, ...gh.requests];
    expect(spans).toHaveLength(3);
    for (const s of spans) expect(s.end - s.start).toBeGreaterThanOrEqual(199);
    expect(serialRounds(spans)).toBe(2);
  });
});
