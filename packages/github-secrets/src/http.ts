import { ValidationError } from '@creds/core';

/** The API URL must be an http(s) URL: anything else is a mistake in the input, not a network fault. */
export function checkBaseUrl(raw: string): string {
  const trimmed = raw.trim().replace(/\/+$/, '');
  let url: URL | undefined;
  try {
    url = new URL(trimmed);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    throw new ValidationError('GITHUB_API_URL', `"${trimmed}" is not an http(s) URL`, {
      hint: 'unset it for github.com, or set it to the API URL of your GitHub Enterprise Server (https://HOST/api/v3)',
    });
  }
  return trimmed;
}

/** Every request, body included, is aborted after `timeoutMs`, so a hung socket cannot hang a run. */
export function fetchWithTimeout(timeoutMs: number): typeof fetch {
  return (input, init = {}) => {
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = init.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
    // globalThis.fetch is looked up per call so interceptors installed later (nock) see it.
    return globalThis.fetch(input, { ...init, signal });
  };
}
