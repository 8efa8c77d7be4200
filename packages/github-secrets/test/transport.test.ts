import { inspect } from 'node:util';
import nock from 'nock';
import { withRetry } from '@creds/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createGitHubClient } from '../src/index.js';
import { rejection, repo, TOKEN } from './helpers.js';

// Transport faults a server cannot produce cleanly. The client makes one attempt and answers with a
// clear, retryable error (never a hang, never the token in the message); the one retry layer
// (withRetry, as the step runner uses it) tries again within its bound.

const BASE = 'https://github.transport.test';
const KEY_PATH = '/repos/octo/app/actions/secrets/public-key';
const KEY = { key_id: '123', key: 'hBT5WZEj8ZoOv6TYJsfWq7MxTEQopZO5/IT3ZCVQPzs=' };
const github = () => createGitHubClient({ token: TOKEN, baseUrl: BASE, timeScale: 0.001, timeoutMs: 150 });
/** Two retries, as the runner would (fast backoff). */
const retried = <T>(fn: () => Promise<T>) => withRetry(fn, { retries: 2, minTimeoutMs: 1, maxTimeoutMs: 5 });

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
afterAll(() => nock.enableNetConnect());

const clean = (error: unknown) => {
  const text = `${String(error)}\n${inspect(error, { depth: 8 })}`;
  expect(text).not.toContain(TOKEN);
};

describe('transport faults (nock)', () => {
  it('a connection reset mid-request is retried, then succeeds', async () => {
    const scope = nock(BASE).get(KEY_PATH).replyWithError({ code: 'ECONNRESET', message: 'socket hang up' }).get(KEY_PATH).reply(200, KEY);
    expect(await retried(() => github().getPublicKey(repo))).toEqual({ keyId: '123', key: KEY.key });
    expect(scope.isDone()).toBe(true);
  });

  it('connection resets beyond the bound end in GITHUB_NETWORK', async () => {
    const scope = nock(BASE).get(KEY_PATH).times(3).replyWithError({ code: 'ECONNRESET', message: 'socket hang up' });
    const error = await rejection(retried(() => github().getPublicKey(repo)));
    expect(error.code).toBe('GITHUB_NETWORK');
    expect(error.message).toMatch(/could not reach GitHub to read the Actions public key of octo\/app/);
    expect(scope.isDone()).toBe(true);
    clean(error);
  });

  it('a non-JSON body is a retryable GITHUB_BAD_RESPONSE: retried twice, then clear', async () => {
    const scope = nock(BASE).get(KEY_PATH).times(3).reply(200, '<html>proxy error</html>', { 'content-type': 'text/html' });
    const error = await rejection(retried(() => github().getPublicKey(repo)));
    expect(error.code).toBe('GITHUB_BAD_RESPONSE');
    expect(error.message).toMatch(/unexpected answer .* not a JSON object/);
    expect(scope.isDone()).toBe(true);
    clean(error);
  });

  it('a truncated JSON body is retried and recovers', async () => {
    nock(BASE)
      .get(KEY_PATH)
      .reply(200, '{"key_id":"123","ke', { 'content-type': 'application/json; charset=utf-8' })
      .get(KEY_PATH)
      .reply(200, KEY);
    expect((await retried(() => github().getPublicKey(repo))).keyId).toBe('123');
  });

  it('a hung socket hits the request timeout, is retried within the bound, then GITHUB_TIMEOUT', async () => {
    const scope = nock(BASE).get('/repos/octo/app').times(3).delay(10_000).reply(200, { id: 1, full_name: 'octo/app' });
    const started = Date.now();
    const error = await rejection(retried(() => github().getRepo('octo', 'app')));
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(error.code).toBe('GITHUB_TIMEOUT');
    expect(error.message).toMatch(/did not answer in time while trying to read repository octo\/app/);
    expect(scope.isDone()).toBe(true);
    clean(error);
  });

  it('a 500 whose body is not JSON is retried, then GITHUB_UNAVAILABLE', async () => {
    nock(BASE).get('/user').times(3).reply(500, 'oops');
    const error = await rejection(retried(() => github().getAuthenticatedUser()));
    expect(error.code).toBe('GITHUB_UNAVAILABLE');
    clean(error);
  });

  it('one attempt per call: a reset is not retried inside the client', async () => {
    const scope = nock(BASE).get(KEY_PATH).replyWithError({ code: 'ECONNRESET', message: 'socket hang up' });
    const error = await rejection(github().getPublicKey(repo));
    expect(error.code).toBe('GITHUB_NETWORK');
    expect((error as { retryable?: boolean }).retryable).toBe(true);
    expect(scope.isDone()).toBe(true);
  });
});
