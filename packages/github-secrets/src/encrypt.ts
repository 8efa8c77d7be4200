import { isSecret, type Secret } from '@creds/core';
import sodium from 'libsodium-wrappers';

/**
 * Seals the UTF-8 value for a scope's public key (libsodium `crypto_box_seal`) and returns it as
 * base64 with the standard alphabet, which is what GitHub's `encrypted_value` takes.
 */
export async function encryptSecretValue(value: Secret | string, publicKeyBase64: string): Promise<string> {
  await sodium.ready;
  const variant = sodium.base64_variants.ORIGINAL;
  const key = sodium.from_base64(publicKeyBase64, variant);
  const plain = sodium.from_string(isSecret(value) ? value.reveal() : value);
  try {
    return sodium.to_base64(sodium.crypto_box_seal(plain, key), variant);
  } finally {
    plain.fill(0);
  }
}
