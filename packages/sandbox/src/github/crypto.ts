import sodium from 'libsodium-wrappers';

export interface KeyPair {
  keyId: string;
  /** base64 (standard alphabet) Curve25519 public key, as GitHub serves it. */
  publicKey: string;
  /** base64 private key; the sandbox keeps it to open every sealed box it receives. */
  privateKey: string;
}

let ready: Promise<void> | undefined;

/** libsodium must finish loading its wasm before any call; every entry point awaits this. */
export function sodiumReady(): Promise<void> {
  ready ??= sodium.ready;
  return ready;
}

const b64 = () => sodium.base64_variants.ORIGINAL;

export function newKeyPair(keyId: string): KeyPair {
  const pair = sodium.crypto_box_keypair();
  return {
    keyId,
    publicKey: sodium.to_base64(pair.publicKey, b64()),
    privateKey: sodium.to_base64(pair.privateKey, b64()),
  };
}

/** Opens a sealed box sent as base64; undefined when it is not base64 or does not open. */
export function openSealedBox(encrypted: string, pair: KeyPair): Uint8Array | undefined {
  try {
    const box = sodium.from_base64(encrypted, b64());
    return sodium.crypto_box_seal_open(box, sodium.from_base64(pair.publicKey, b64()), sodium.from_base64(pair.privateKey, b64()));
  } catch {
    return undefined;
  }
}

