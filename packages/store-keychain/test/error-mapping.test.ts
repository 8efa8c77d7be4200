import { describe, expect, it } from 'vitest';
import { KeychainErrorCode, mapKeyringError } from '../src/index.js';

describe('keyring error mapping', () => {
  it.each([
    [
      'Platform failure: DBus error: Using X11 for dbus-daemon autolaunch was disabled at compile time, set your DBUS_SESSION_BUS_ADDRESS instead',
      KeychainErrorCode.noSessionBus,
      'headless Linux',
    ],
    ["Couldn't access platform storage: Secret Service: no result found", KeychainErrorCode.noUnlockedKeyring, 'unlock'],
    ['Platform failure: Secret Service: prompt was dismissed', KeychainErrorCode.locked, 'unlock the keyring'],
    ['something else entirely', KeychainErrorCode.failed, undefined],
  ])('%s → %s', (message, code, hint) => {
    // With a bus address set, only the message decides.
    const saved = process.env['DBUS_SESSION_BUS_ADDRESS'];
    process.env['DBUS_SESSION_BUS_ADDRESS'] = 'unix:path=/nonexistent';
    const error = mapKeyringError(new Error(message), 'store creds/acme');
    if (saved === undefined) delete process.env['DBUS_SESSION_BUS_ADDRESS'];
    else process.env['DBUS_SESSION_BUS_ADDRESS'] = saved;
    expect(error.code).toBe(code);
    expect(error.message).toContain('could not store creds/acme');
    if (hint !== undefined) expect(error.hint).toContain(hint);
  });

  it('redacts the secret from a library message and does not keep the original as cause', () => {
    const error = mapKeyringError(new Error('failed to set "super-secret-value"'), 'store x', ['super-secret-value']);
    expect(error.message).not.toContain('super-secret-value');
    expect(error.cause).toBeUndefined();
  });

  it('says DBUS_SESSION_BUS_ADDRESS is not set when that is why', () => {
    const saved = process.env['DBUS_SESSION_BUS_ADDRESS'];
    delete process.env['DBUS_SESSION_BUS_ADDRESS'];
    try {
      const error = mapKeyringError(new Error('DBus error: connection refused'), 'read x');
      expect(error.code).toBe(KeychainErrorCode.noSessionBus);
      if (process.platform === 'linux') expect(error.message).toContain('DBUS_SESSION_BUS_ADDRESS is not set');
    } finally {
      if (saved !== undefined) process.env['DBUS_SESSION_BUS_ADDRESS'] = saved;
    }
  });
});
