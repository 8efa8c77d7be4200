import { CredsError, redact } from '@creds/core';

/** Stable codes of the 1Password store's errors. */
export const OnePasswordErrorCode = {
  notInstalled: 'OP_NOT_INSTALLED',
  notSignedIn: 'OP_NOT_SIGNED_IN',
  vaultNotFound: 'OP_VAULT_NOT_FOUND',
  itemNotFound: 'OP_ITEM_NOT_FOUND',
  badOutput: 'OP_BAD_OUTPUT',
  failed: 'OP_ERROR',
} as const;

export class OnePasswordError extends CredsError {
  override name = 'OnePasswordError';
}

/** `[ERROR] 2024/01/02 03:04:05 message` → `message`. */
export function opMessage(stderr: string): string {
  const line = stderr.trim().split('\n').find((l) => l.includes('[ERROR]')) ?? stderr.trim();
  return line.replace(/^\[ERROR\]\s+\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d\s+/, '').trim();
}

/**
 * Maps op's stderr to an error a person can act on. The text is redacted of the secrets in play
 * (op may echo what it was given); op's own text is kept in the message for the details.
 */
export function mapOpError(stderr: string, context: { action: string; vault: string; secrets: string[] }): OnePasswordError {
  const text = redact(opMessage(stderr), context.secrets);
  const what = `could not ${context.action}: ${text}`;
  if (/not (currently )?signed in|account is not signed in|no accounts configured|session expired|authorization prompt dismissed|sign in/i.test(text)) {
    return new OnePasswordError(what, {
      code: OnePasswordErrorCode.notSignedIn,
      hint: 'sign in with `eval $(op signin)` (or unlock the 1Password app with CLI integration on), or set OP_SERVICE_ACCOUNT_TOKEN for a service account',
    });
  }
  if (/isn't a vault|vault .*not found|no vault/i.test(text)) {
    return new OnePasswordError(what, {
      code: OnePasswordErrorCode.vaultNotFound,
      hint: `check the vault name "${context.vault}" (op vault list) and that this account or service account can access it`,
    });
  }
  if (/isn't an item|item .*not found|no item/i.test(text)) {
    return new OnePasswordError(what, { code: OnePasswordErrorCode.itemNotFound });
  }
  return new OnePasswordError(what, { code: OnePasswordErrorCode.failed });
}

export function notInstalled(opPath: string): OnePasswordError {
  return new OnePasswordError(`the 1Password CLI (${opPath}) was not found`, {
    code: OnePasswordErrorCode.notInstalled,
    hint: 'install 1Password CLI 2.x (https://developer.1password.com/docs/cli/get-started/, e.g. `brew install 1password-cli`) or pass opPath',
  });
}

export function badOutput(action: string): OnePasswordError {
  return new OnePasswordError(`op answered ${action} with output creds does not understand`, {
    code: OnePasswordErrorCode.badOutput,
    hint: 'update the 1Password CLI to 2.x',
  });
}
