import { CredsError, redact } from '@creds/core';

/** Stable codes of the keychain store's errors. */
export const KeychainErrorCode = {
  noSessionBus: 'KEYCHAIN_NO_SESSION_BUS',
  noUnlockedKeyring: 'KEYCHAIN_NO_UNLOCKED_KEYRING',
  locked: 'KEYCHAIN_LOCKED',
  /** Another process is updating the index and did not finish in time. */
  busy: 'KEYCHAIN_BUSY',
  corrupt: 'KEYCHAIN_ENTRY_CORRUPT',
  failed: 'KEYCHAIN_ERROR',
} as const;

export class KeychainError extends CredsError {
  override name = 'KeychainError';
}

interface Rule {
  test: (message: string) => boolean;
  code: string;
  what: string;
  hint: string;
}

const HEADLESS =
  'on a headless Linux machine run a keyring daemon in a D-Bus session, e.g. `dbus-run-session -- sh -c \'echo -n pass | gnome-keyring-daemon --unlock --components=secrets; <your command>\'` (Debian packages: dbus gnome-keyring), or pick the json or 1password store';

const RULES: Rule[] = [
  {
    test: (m) => /dbus error|DBUS_SESSION_BUS_ADDRESS|org\.freedesktop\.DBus\.Error\.(ServiceUnknown|NoServer|Spawn)/i.test(m),
    code: KeychainErrorCode.noSessionBus,
    what: 'there is no D-Bus session bus to reach the Secret Service on',
    hint: HEADLESS,
  },
  {
    test: (m) => /no result found/i.test(m),
    code: KeychainErrorCode.noUnlockedKeyring,
    what: 'the Secret Service has no unlocked keyring to store the key in',
    hint: 'unlock (or create) your login keyring, e.g. in Seahorse ("Passwords and Keys"), or start gnome-keyring-daemon with --unlock',
  },
  {
    test: (m) => /prompt was dismissed|dismissed|is locked|locked/i.test(m),
    code: KeychainErrorCode.locked,
    what: 'the keyring is locked (the unlock prompt was dismissed or could not be shown)',
    hint: 'unlock the keyring (log in to the desktop, or Seahorse → right-click → Unlock) and try again',
  },
];

/**
 * Turns an error from @napi-rs/keyring into a KeychainError a person can act on. The library's
 * text is kept (redacted of the given secrets) but the original error is not attached as `cause`.
 */
export function mapKeyringError(error: unknown, action: string, secrets: string[] = []): KeychainError {
  if (error instanceof KeychainError) return error;
  const raw = error instanceof Error ? error.message : String(error);
  const text = redact(raw, secrets);
  const noBus = process.platform === 'linux' && !process.env['DBUS_SESSION_BUS_ADDRESS'];
  const rule = RULES.find((r) => r.test(text)) ?? (noBus ? RULES[0] : undefined);
  if (rule === undefined) {
    return new KeychainError(`could not ${action} in the OS keychain: ${text}`, { code: KeychainErrorCode.failed });
  }
  const detail = rule.code === KeychainErrorCode.noSessionBus && noBus ? ' (DBUS_SESSION_BUS_ADDRESS is not set)' : '';
  return new KeychainError(`could not ${action}: ${rule.what}${detail} [${text}]`, { code: rule.code, hint: rule.hint });
}
