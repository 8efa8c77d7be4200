import { afterEach, beforeEach, expect, it } from 'vitest';
import type { GitHubSandbox } from '@creds/sandbox';
import { client, startSandbox } from './helpers.js';

// Lists are read through octokit.paginate, which follows GitHub's Link header a page of 100 at a time.

let gh: GitHubSandbox;
beforeEach(async () => {
  gh = await startSandbox();
});
afterEach(async () => {
  await gh.close();
});

it('lists every secret of an organization with more than one page of them', async () => {
  const names = Array.from({ length: 230 }, (_, i) => `S_${String(i).padStart(3, '0')}`);
  for (const name of names) gh.setSecretValue({ org: 'octo' }, name, 'v');
  gh.resetLog();
  const listed = await client(gh).listSecrets({ kind: 'org', org: 'octo' });
  expect(listed.map((s) => s.name)).toEqual(names);
  const gets = gh.requests.filter((r) => r.method === 'GET' && r.path.startsWith('/orgs/octo/actions/secrets'));
  expect(gets.map((r) => new URL(r.path, 'http://x').searchParams.get('page') ?? '1')).toEqual(['1', '2', '3']);
});
