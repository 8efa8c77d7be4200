import { createKeychainStore } from '../src/index.js';

export const PACKAGES = 'dbus gnome-keyring libsecret-tools';

/**
 * Whether a real keychain answers here: on Linux, a session bus must be set and the Secret
 * Service must take a write. Resolves the reason when it does not.
 */
export async function keyringUnavailableReason(): Promise<string | undefined> {
  if (process.platform === 'linux' && !process.env['DBUS_SESSION_BUS_ADDRESS']) {
    return 'DBUS_SESSION_BUS_ADDRESS is not set (no D-Bus session bus)';
  }
  try {
    await createKeychainStore({ service: 'creds-test-probe' }).check?.();
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

export const requireKeyring = process.env['CREDS_REQUIRE_KEYRING'] === '1';
