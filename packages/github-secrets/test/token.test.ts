import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveGitHubToken } from '../src/index.js';
import { rejection } from './helpers.js';

let dir: string;
let gh: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'creds-gh-token-'));
  gh = join(dir, 'gh');
  // A fake gh that follows `gh auth token [--hostname H]`.
  writeFileSync(gh, '#!/bin/sh\nif [ "$4" = "ghe.example.com" ]; then echo ghp_fromGhEnterprise; exit 0; fi\n[ -n "$FAKE_GH_FAIL" ] && { echo "no oauth token" >&2; exit 1; }\necho ghp_fromGhCli\n');
  chmodSync(gh, 0o755);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('resolveGitHubToken', () => {
  it.each([
    [{ GH_TOKEN: 'a', GITHUB_TOKEN: 'b' }, 'a', 'GH_TOKEN'],
    [{ GITHUB_TOKEN: 'b' }, 'b', 'GITHUB_TOKEN'],
    [{}, 'ghp_fromGhCli', 'gh auth token'],
  ])('%o gives %s from %s', async (env, token, source) => {
    const found = await resolveGitHubToken({ env, ghPath: gh });
    expect(found.token.reveal()).toBe(token);
    expect(found.source).toBe(source);
    expect(found.baseUrl).toBe('https://api.github.com');
    expect(String(found.token)).toBe('[REDACTED]');
  });

  it('asks gh for the host of GITHUB_API_URL', async () => {
    const found = await resolveGitHubToken({ env: { GITHUB_API_URL: 'https://ghe.example.com/api/v3/' }, ghPath: gh });
    expect(found.token.reveal()).toBe('ghp_fromGhEnterprise');
    expect(found.baseUrl).toBe('https://ghe.example.com/api/v3');
  });

  it('a token variable set but empty is an error naming it, not a reason to ask gh', async () => {
    for (const [env, name] of [[{ GH_TOKEN: '' }, 'GH_TOKEN'], [{ GITHUB_TOKEN: '  ' }, 'GITHUB_TOKEN']] as const) {
      const error = await rejection(resolveGitHubToken({ env, ghPath: gh }));
      expect(error.code).toBe('GITHUB_TOKEN_EMPTY');
      expect(error.message).toBe(`${name} is set but empty`);
      expect(error.hint).toMatch(new RegExp(`unset ${name}`));
    }
  });

  it('says how to get a token when there is none (gh missing or logged out)', async () => {
    for (const options of [{ env: {}, ghPath: join(dir, 'missing-gh') }, { env: { FAKE_GH_FAIL: '1' }, ghPath: gh }]) {
      const error = await rejection(resolveGitHubToken(options));
      expect(error.code).toBe('GITHUB_TOKEN_MISSING');
      expect(error.hint).toMatch(/gh auth login/);
    }
  });
});
